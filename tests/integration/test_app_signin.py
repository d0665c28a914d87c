"""Sign-in settings through AppTest, without a provider: with no [auth] section the app runs open
(the browser tests in tests/e2e/test_login.py sign in against a real one), unless
BENEFITS_QA_AUTH_REQUIRED says it must not."""
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 180


def test_required_sign_in_that_is_not_configured_closes_the_app(monkeypatch):
    monkeypatch.setenv("BENEFITS_QA_AUTH_REQUIRED", "true")
    monkeypatch.setenv("BENEFITS_QA_ADMIN_TOKEN", "s3cret-token")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("Sign-in is required here but is not set up" in e.value for e in at.error)
    assert not at.chat_input and not at.title  # no chat, no page at all
    assert not [w for w in at.sidebar.text_input if w.key == "admin-token"]  # nor the token instead


def test_without_sign_in_configured_the_app_is_open_as_before(monkeypatch, tmp_path):
    monkeypatch.setenv("BENEFITS_QA_AUTH_REQUIRED", "false")
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(tmp_path / "no-index"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Benefits Q&A"]  # the chat page itself, not a sign-in screen
    assert any("not built yet" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "sign-in"]
