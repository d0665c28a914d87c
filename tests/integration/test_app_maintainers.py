"""The maintainers' page through AppTest: hidden without the token; re-ingest, ledger, removal with it."""
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import CORPUS, ROOT

APP = str(ROOT / "app.py")
PAGE = "ui/maintainer_page.py"
TIMEOUT = 180


@pytest.fixture
def small_corpus(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("faq-leave-and-time-off.html", "parental-leave-policy-2026.pdf"):
        shutil.copy(CORPUS / name, corpus / name)
    monkeypatch.setenv("BENEFITS_QA_CORPUS", str(corpus))
    monkeypatch.setenv("BENEFITS_QA_ADMIN_TOKEN", "s3cret-token")
    return corpus


def titles(at):
    return [t.value for t in at.title]


def sign_in(at, token):
    at.sidebar.text_input(key="admin-token").set_value(token).run()
    return at


def test_without_the_token_there_is_no_maintainer_page(small_corpus):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    sign_in(at, "wrong-token")
    assert any("not right" in e.value for e in at.sidebar.error)
    with pytest.raises(ValueError, match="Known pages"):  # not even registered in the navigation
        at.switch_page(PAGE)
    assert "Maintainers" not in titles(at)


def test_feature_is_off_when_no_token_is_configured(small_corpus, monkeypatch):
    monkeypatch.delenv("BENEFITS_QA_ADMIN_TOKEN")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception and not [w for w in at.sidebar.text_input if w.key == "admin-token"]


def reingest(at):
    """Click re-ingest, see the run going on, wait for it (it runs on its own thread), redraw."""
    from ingest.background import latest_ingest
    from core.config import load_settings

    at.button(key="reingest").click().run()
    job = latest_ingest(load_settings().index_dir)
    assert job is not None and not at.exception
    assert job.wait(TIMEOUT), "the ingest did not end"
    return at.run()


def test_maintainer_reingests_sees_ledger_and_removes(small_corpus):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    sign_in(at, "s3cret-token")
    at.switch_page(PAGE).run()
    assert not at.exception and "Maintainers" in titles(at)
    reingest(at)
    assert not at.exception
    assert any("added 2" in s.value for s in at.success)
    ledger = at.dataframe[-1].value
    assert sorted(ledger["source"]) == ["faq-leave-and-time-off.html", "parental-leave-policy-2026.pdf"]

    at.run()  # the removal list above the re-ingest button now shows the new documents
    at.selectbox(key="remove-choice").set_value("faq-leave-and-time-off.html").run()
    at.button(key="remove-document").click().run()
    assert not (small_corpus / "faq-leave-and-time-off.html").exists()
    reingest(at)
    assert any("removed 1" in s.value for s in at.success)
    assert list(at.dataframe[-1].value["source"]) == ["parental-leave-policy-2026.pdf"]
