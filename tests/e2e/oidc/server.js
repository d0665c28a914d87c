// A real OpenID Connect provider on loopback for the sign-in browser tests (tests/e2e/test_login.py):
// panva's certified oidc-provider with its built-in development interactions (a login form, then
// consent). Everything comes from the environment, set by the test's fixture:
//   OIDC_ISSUER        http://127.0.0.1:<port>, also where it listens
//   OIDC_CLIENT        {"client_id", "client_secret", "redirect_uris": [...]}: the app (one or more
//                      instances of it), its one client
//   OIDC_ACCOUNTS      {"<login>": {"name", "email", "groups": [...]}, ...}
//   OIDC_COOKIE_KEY    signs the provider's own cookies
// The dev login form accepts any password; the login names the account.
import Provider from 'oidc-provider';

const issuer = new URL(process.env.OIDC_ISSUER);
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);

async function findAccount(ctx, login) {
  const person = accounts[login];
  if (!person) {
    return undefined;
  }
  return {
    accountId: login,
    async claims() {
      return { sub: login, name: person.name, email: person.email, email_verified: true, groups: person.groups };
    },
  };
}

const provider = new Provider(issuer.href.replace(/\/$/, ''), {
  clients: [{
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    // Streamlit's st.logout sends the user back to its redirect_uri after the provider's logout.
    post_logout_redirect_uris: client.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  findAccount,
  // A groups scope, like the groups claim of Entra ID, Okta or Keycloak.
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
  // Streamlit reads the person from the ID token, not from the userinfo endpoint: the scopes'
  // claims go into the ID token too.
  conformIdTokenClaims: false,
  cookies: { keys: [process.env.OIDC_COOKIE_KEY] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});

provider.listen(Number(issuer.port), issuer.hostname, () => {
  console.log(`oidc-provider listening on ${issuer.href}`);
});
