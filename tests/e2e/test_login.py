"""OpenID Connect sign-in in a real browser, against a real provider: panva's certified
oidc-provider (tests/e2e/oidc/, installed by `make oidc`) runs on loopback with one client, the app,
and two accounts: Maria, in the maintainer group, and Sam, who is not. The app gets a secrets file
whose [auth] section points at it. Chromium goes through the provider's own login and consent
pages. Screenshots go to test-artifacts/e2e/."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from contextlib import contextmanager

import pytest

from core.config import load_settings
from ingest.audiences import AUDIENCES_FILE
from ingest.pipeline import run_ingest
from tests.conftest import CORPUS, ROOT
from tests.e2e.test_browser import (RESUME_SESSION, ask, browser, pytestmark, shot, start_app, upload_session_id,  # noqa: F401 (fixtures)
                                    wait_idle)
from tests.pdf_factory import make_policy_pdf
from tests.servers import free_port, wait_until_up

OIDC_DIR = ROOT / "tests" / "e2e" / "oidc"
NODE = shutil.which("node")
MAINTAINERS = "benefits-maintainers"
MANAGERS = "people-managers"
ACCOUNTS = {
    "maria": {"name": "Maria Okafor", "email": "maria.okafor@larkspur.example", "groups": ["staff", MAINTAINERS, MANAGERS]},
    "sam": {"name": "Sam Lindqvist", "email": "sam.lindqvist@larkspur.example", "groups": ["staff"]},
}
pytestmark = [
    *pytestmark,
    pytest.mark.skipif(NODE is None, reason="node is not installed: the sign-in tests run a real OIDC provider on it"),
    pytest.mark.skipif(not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
                       reason="the OIDC provider is not installed (make oidc: npm ci --prefix tests/e2e/oidc)"),
]


GUIDE = "manager-guide-workforce-changes.pdf"
GUIDE_FACT = ("Before announcing a reduction in force, a manager must notify the Workforce Review Council at "
              "least 21 calendar days in advance.")


@pytest.fixture(scope="module")
def signed_apps(tmp_path_factory, chroma_server):
    """The provider, then the app with sign-in configured twice: on an embedded index and on a
    Chroma server (and an admin token too, which must then count for nothing). Each corpus holds a
    managers' guide that `.audiences.toml` limits to the managers group."""
    root = tmp_path_factory.mktemp("signin")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("short-term-disability-plan.pdf", "faq-short-term-disability.html"):
        shutil.copy(CORPUS / name, corpus / name)
    make_policy_pdf(corpus / GUIDE, "Manager Guide: Workforce Changes", [[("1. Announcing a reduction in force", GUIDE_FACT)]])
    (corpus / AUDIENCES_FILE).write_text(f'"{GUIDE}" = ["{MANAGERS}"]\n', encoding="utf-8")
    index = root / "index"
    assert run_ingest([corpus], load_settings(index_dir=index)).ok
    server_env = {"BENEFITS_QA_CHROMA_URL": chroma_server, "BENEFITS_QA_CHROMA_PREFIX": "signin"}
    server_index = root / "server-index"
    assert run_ingest([corpus], load_settings(index_dir=server_index, chroma_url=chroma_server, chroma_prefix="signin")).ok

    ports = {"embedded": free_port(), "server": free_port()}
    oidc_port = free_port()
    issuer = f"http://127.0.0.1:{oidc_port}"
    redirects = {mode: f"http://127.0.0.1:{port}/oauth2callback" for mode, port in ports.items()}
    client = {"client_id": "benefits-qa", "client_secret": secrets.token_urlsafe(24),
              "redirect_uris": list(redirects.values())}
    provider_log = (root / "provider.log").open("w")
    provider = subprocess.Popen([NODE, str(OIDC_DIR / "server.js")], cwd=OIDC_DIR, stdout=provider_log,
                                stderr=subprocess.STDOUT,
                                env={**os.environ, "OIDC_ISSUER": issuer, "OIDC_CLIENT": json.dumps(client),
                                     "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
                                     "OIDC_COOKIE_KEY": secrets.token_urlsafe(24)})
    wait_until_up(issuer + "/.well-known/openid-configuration", provider, 30)

    apps, urls = [], {}
    for mode, app_index, env in (("embedded", index, {}), ("server", server_index, server_env)):
        secrets_file = root / f"secrets-{mode}.toml"
        secrets_file.write_text(f"""
[auth]
redirect_uri = "{redirects[mode]}"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{client['client_id']}"
client_secret = "{client['client_secret']}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid profile email groups", prompt = "login" }}
""")
        app, urls[mode] = start_app(app_index, corpus, {"BENEFITS_QA_MAINTAINER_GROUP": MAINTAINERS, **env},
                                    port=ports[mode], options=("--secrets.files", str(secrets_file)))
        apps.append(app)
    yield {"urls": urls, "url": urls["embedded"], "issuer": issuer, "provider_log": root / "provider.log"}
    for app in apps:
        app.terminate()
        app.wait(timeout=20)
    provider.terminate()
    provider.wait(timeout=20)
    provider_log.close()


@pytest.fixture
def signed_app(signed_apps):
    """The embedded-index app (the sign-in tests that do not depend on the store)."""
    return signed_apps


@contextmanager
def visit(browser, url: str):
    """A fresh browser session (its own cookies: one person) on the app's sign-in screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
        wait_idle(page)
        yield page
    finally:
        context.close()


def sign_in(page, signed_app, login: str) -> None:
    """Through the provider's own pages: its login form (any password), then its consent page."""
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(signed_app["issuer"] + "/interaction/**", timeout=60_000)
    page.fill("input[name='login']", login)
    page.fill("input[name='password']", "any password: the dev form checks none")
    shot(page, f"login-provider-form-{login}")
    page.locator("button[type='submit']").click()
    page.get_by_role("button", name="Continue").wait_for(timeout=30_000)  # the consent page
    shot(page, f"login-provider-consent-{login}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("[data-testid='stChatInputTextArea']", timeout=120_000)
    wait_idle(page)


def test_before_sign_in_only_a_sign_in_button(browser, signed_app):
    with visit(browser, signed_app["url"]) as page:
        shot(page, "login-1-sign-in-screen")
        assert page.get_by_role("button", name="Sign in").count() == 1
        assert page.locator("[data-testid='stChatInputTextArea']").count() == 0
        assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
        assert page.get_by_text("Common topics").count() == 0  # not the chat's sidebar either
        assert page.locator("input[type='password']").count() == 0  # no admin token field


def test_an_employee_signs_in_asks_is_no_maintainer_and_signs_out(browser, signed_app):
    with visit(browser, signed_app["url"]) as page:
        sign_in(page, signed_app, "sam")
        sidebar = page.locator("[data-testid='stSidebar']")
        assert "Signed in as Sam Lindqvist" in sidebar.inner_text()
        answer = ask(page, "How long is the waiting period for short-term disability?")
        assert "7 consecutive calendar days" in answer.inner_text() and "[1]" in answer.inner_text()
        shot(page, "login-2-employee-signed-in-answer")
        # Not in the maintainer group: no Maintainers page, and no token to try instead.
        assert page.locator("[data-testid='stSidebarNavLink']", has_text="Maintainers").count() == 0
        assert page.get_by_text("Maintainer sign-in").count() == 0
        assert page.locator("input[type='password']").count() == 0

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(signed_app["issuer"] + "/session/end**", timeout=60_000)
        shot(page, "login-3-provider-sign-out")
        page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own confirmation
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        wait_idle(page)
        shot(page, "login-4-signed-out")
        assert page.locator("[data-testid='stChatInputTextArea']").count() == 0
        assert page.get_by_text("Signed in as").count() == 0
        page.reload()  # the identity cookie is gone: still the sign-in screen
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        wait_idle(page)
        assert page.locator("[data-testid='stChatInputTextArea']").count() == 0


def test_a_maintainer_by_group_gets_the_maintainers_page_without_a_token(browser, signed_app):
    with visit(browser, signed_app["url"]) as page:
        sign_in(page, signed_app, "maria")
        assert "Signed in as Maria Okafor" in page.locator("[data-testid='stSidebar']").inner_text()
        assert page.locator("input[type='password']").count() == 0
        page.locator("[data-testid='stSidebarNavLink']", has_text="Maintainers").click()
        page.get_by_text("Add or replace documents").wait_for(timeout=60_000)
        wait_idle(page)
        shot(page, "login-5-maintainer-page")
        assert page.get_by_text("This page is for maintainers only").count() == 0
        page.locator("[data-testid='stSelectbox']").first.click()  # the documents one may remove
        options = page.get_by_role("option")
        options.first.wait_for(timeout=30_000)
        assert "short-term-disability-plan.pdf" in options.all_inner_texts()


def test_a_maintainers_session_id_without_her_identity_cookie_gets_the_sign_in_screen(browser, signed_app):
    """The role comes from Streamlit's signed identity cookie, and Streamlit resumes a session for
    a new connection only when it brings the same identity: someone who read a maintainer's session
    id in an upload URL (so in a proxy log) and presents it gets a session of their own."""
    with visit(browser, signed_app["url"]) as victim:
        sign_in(victim, signed_app, "maria")
        victim.locator("[data-testid='stSidebarNavLink']", has_text="Maintainers").click()
        victim.get_by_text("Add or replace documents").wait_for(timeout=60_000)
        wait_idle(victim)
        session_id = upload_session_id(victim)
    time.sleep(2)  # the server keeps the closed tab's session for a reconnect
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(RESUME_SESSION % session_id)
        intruder = context.new_page()
        intruder.goto(signed_app["url"])
        intruder.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
        wait_idle(intruder)
        shot(intruder, "login-6-resumed-session-id")
        assert intruder.locator("[data-testid='stSidebarNavLink']").count() == 0
        assert intruder.get_by_text("Signed in as").count() == 0
        assert intruder.locator("[data-testid='stChatInputTextArea']").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_a_managers_only_guide_is_cited_to_managers_and_to_nobody_else(browser, signed_apps, mode):
    question = "How many days of notice must a manager give before a reduction in force?"
    url = signed_apps["urls"][mode]
    with visit(browser, url) as page:
        sign_in(page, signed_apps, "sam")  # staff only
        answer = ask(page, question)
        shot(page, f"audience-{mode}-employee")
        assert "21 calendar days" not in answer.inner_text() and "Workforce" not in answer.inner_text()
        assert "Manager Guide" not in page.inner_text("body")
        assert "· 2 documents" in page.locator("[data-testid='stSidebar']").inner_text()  # the guide not counted
    with visit(browser, url) as page:
        sign_in(page, signed_apps, "maria")  # a manager
        answer = ask(page, question)
        shot(page, f"audience-{mode}-manager")
        assert "21 calendar days" in answer.inner_text() and "Manager Guide: Workforce Changes" in answer.inner_text()
        assert "· 3 documents" in page.locator("[data-testid='stSidebar']").inner_text()
