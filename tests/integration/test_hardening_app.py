"""Issue #20 (hardening), the app's points, through AppTest with real PDFs, index and model:
document-derived strings never render as Markdown (2), a huge or stale cited page gets a notice
(3, 8), uploads never replace silently (8), token guesses are limited and logged, maintainer
status is bound to the connection, upload and error-detail limits are set (5)."""
from __future__ import annotations

import logging
import re
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from ingest.pipeline import run_ingest
from core.config import Settings, load_settings
from tests.conftest import ROOT
from tests.pdf_factory import make_policy_pdf


def planted_pdf(path, title: str, section: str, text: str):
    """A real PDF whose metadata title and heading are the planted strings (reportlab's own markup
    escaped, so that they reach the PDF as written)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    story = [Paragraph(escape(title), styles["Title"]), Paragraph(escape(section), styles["Heading2"]),
             Paragraph(escape(text), styles["BodyText"])]
    SimpleDocTemplate(str(path), pagesize=letter, title=title, invariant=1).build(story)
    return path

APP = str(ROOT / "app.py")
PAGE = "ui/maintainer_page.py"
TIMEOUT = 180
TOKEN = "s3cret-token"

# Markdown, HTML and links, planted in each metadata field a document author controls.
PLANTED_TITLE = ("Wellness ![t](http://127.0.0.1:9/title.png) **bold** [x](javascript:alert(1)) "
                 "<img src=http://127.0.0.1:9/title2.png> :red[red] $x^2$")
PLANTED_SECTION = "1. Days ![s](http://127.0.0.1:9/section.png) [y](javascript:alert(2)) <b>html</b> __under__"
PLANTED_FILE = "**bold** [z](javascript:alert(3)) ![f](pixel.png) <b>file.pdf"  # no "/": a file name
QUESTION = "How many days of wellness leave do employees receive each year?"
# Unescaped, any of these would render as an image, a link, HTML or formatting.
ACTIVE = [r"!\[", r"\]\(", r"<img", r"<a ", r"<b>", r"\*\*bold", r"__under", r":red\[", r"\$x"]


def assert_inert(texts: list[str]) -> None:
    for text in texts:
        for active in ACTIVE:
            assert not re.search(r"(?<!\\)" + active, text), (active, text)


def shown_texts(at) -> list[str]:
    """Every string Streamlit renders as Markdown on the page."""
    texts = [md.value for md in at.markdown] + [c.value for c in at.caption] + [e.label for e in at.main.expander]
    texts += [e.value for kind in (at.error, at.info, at.success, at.warning) for e in kind]
    texts += [caption for image in at.image for caption in image.captions]
    return texts


@pytest.fixture(autouse=True)
def fresh_guess_counts():
    from ui.auth import reset_guesses

    reset_guesses()
    yield
    reset_guesses()


@pytest.fixture
def planted(tmp_path, monkeypatch):
    docs = tmp_path / "corpus"
    docs.mkdir()
    planted_pdf(docs / PLANTED_FILE, PLANTED_TITLE, PLANTED_SECTION,
                "Employees receive 12 days of wellness leave each year. Wellness leave is paid at the full "
                "base rate and does not carry over.")
    index = tmp_path / "index"
    assert run_ingest([docs], load_settings(index_dir=index)).ok
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(index))
    monkeypatch.setenv("BENEFITS_QA_CORPUS", str(docs))
    monkeypatch.setenv("BENEFITS_QA_ADMIN_TOKEN", TOKEN)
    return docs


def sign_in(at, token=TOKEN):
    at.sidebar.text_input(key="admin-token").set_value(token).run()
    return at


def ask(at, question):
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception
    return at


def test_planted_metadata_renders_as_text_in_the_chat(planted):
    """Point 2: the title, section and file name in the citation, its caption and the page viewer."""
    at = ask(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), QUESTION)
    assert any("12 days of wellness leave" in md.value for md in at.markdown)
    assert at.main.expander and "Wellness" in at.main.expander[0].label
    next(t for t in at.toggle if t.key.startswith("page-")).set_value(True).run()
    assert not at.exception
    captions = [caption for image in at.image for caption in image.captions]
    assert captions and "Wellness" in captions[0]
    texts = shown_texts(at)
    assert any("javascript" in t for t in texts) and any("pixel" in t for t in texts)  # shown, as text
    assert_inert(texts)


def test_planted_names_render_as_text_on_the_maintainers_page(planted):
    """Point 2: an upload's error names the raw file name; the ledger and messages name documents."""
    at = sign_in(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.switch_page(PAGE).run()
    assert not at.exception and "Maintainers" in [t.value for t in at.title]
    bad_name = "![u](http://127.0.0.1:9/upload.png) [w](javascript:alert(4)) **bold**.pdf"
    at.file_uploader(key="uploads").set_value((bad_name, b"<html>not a pdf</html>", "application/pdf")).run()
    at.button(key="add-uploads").click().run()
    assert not at.exception
    assert any("not a PDF" in e.value for e in at.error)
    assert_inert(shown_texts(at))
    at.selectbox(key="remove-choice").set_value(PLANTED_FILE).run()
    at.button(key="remove-document").click().run()
    assert any("Removed" in s.value for s in at.success)
    assert_inert(shown_texts(at))


def test_an_upload_of_an_existing_name_asks_before_replacing(planted):
    """Point 8: an upload whose cleaned name matches a file replaced it without a word."""
    (planted / "leave.md").write_text("# Leave\n\nOld text.\n")
    at = sign_in(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.switch_page(PAGE).run()
    at.file_uploader(key="uploads").set_value(("leave.md", b"# Leave\n\nNew text.\n", "text/markdown")).run()
    at.button(key="add-uploads").click().run()
    assert not at.exception
    assert any("Replace documents of the same name" in e.value for e in at.error)
    assert "Old text" in (planted / "leave.md").read_text()
    at.checkbox(key="replace-uploads").check().run()
    at.button(key="add-uploads").click().run()
    assert any("Replaced leave\\.md" in s.value for s in at.success)
    assert "New text" in (planted / "leave.md").read_text()


@pytest.fixture
def three_pages(tmp_path, monkeypatch):
    """A corpus of one three-page PDF, its answer on page 3, and the app asked about it."""
    docs = tmp_path / "corpus"
    docs.mkdir()
    filler = "Section filler text about general matters of the handbook. " * 8
    make_policy_pdf(docs / "wellness.pdf", "Wellness Leave Policy", [
        [("1. Purpose", filler)], [("2. Scope", filler)],
        [("3. Days", "Employees receive 12 days of wellness leave each year.")],
    ])
    index = tmp_path / "index"
    assert run_ingest([docs], load_settings(index_dir=index)).ok
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(index))
    at = ask(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), QUESTION)
    assert "p\\. 3" in at.main.expander[0].label
    return at, docs


def show_the_page(at):
    next(t for t in at.toggle if t.key.startswith("page-")).set_value(True).run()
    return at


def test_a_page_too_large_to_draw_gets_a_notice(three_pages, monkeypatch):
    """Point 3: a huge page is drawn smaller (tests/unit/test_pages.py); one that cannot be drawn
    readably within the budget gets a notice, never a traceback."""
    at, _ = three_pages
    monkeypatch.setenv("BENEFITS_QA_PAGE_MAX_PIXELS", "100")  # as if the page were enormous
    show_the_page(at)
    assert not at.exception and any("too large to show" in i.value for i in at.info)
    monkeypatch.delenv("BENEFITS_QA_PAGE_MAX_PIXELS")
    at.run()
    assert not at.exception and len(at.image) == 1


def test_a_stale_page_gets_a_notice_and_the_session_goes_on(three_pages, tmp_path):
    """Point 8: the cited PDF replaced (through the normal upload) by a shorter one, "Show the page"
    gave a ValueError traceback and every later question in the session went unanswered."""
    at, docs = three_pages
    shorter = tmp_path / "shorter.pdf"
    make_policy_pdf(shorter, "Wellness Leave Policy", [[("1. Days", "Employees receive 14 days of wellness leave.")]])
    # What a replacing upload does (ingest/uploads.py: the file swapped in place, no re-ingest yet).
    (docs / "wellness.pdf").write_bytes(shorter.read_bytes())
    show_the_page(at)
    assert not at.exception
    assert any("no longer in the document" in i.value for i in at.info)
    ask(at, "Does wellness leave carry over?")
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2


def test_token_guesses_are_limited_logged_and_never_logged_themselves(planted, caplog):
    """Point 5a: 530 wrong guesses at ~15/s, then the right token worked."""
    caplog.set_level(logging.INFO, logger="benefits_qa.maintainer")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    limit = Settings().admin_guesses_per_source
    for n in range(limit):
        sign_in(at, f"guess-{n}-xyzzy")
        assert any("not right" in e.value for e in at.sidebar.error)
    sign_in(at)  # the right token, too late
    assert not at.exception
    assert any("Too many wrong tokens" in e.value for e in at.sidebar.error)
    with pytest.raises(ValueError, match="Known pages"):
        at.switch_page(PAGE)
    assert f"wrong token from localhost ({limit} from this source, {limit} in all" in caplog.text
    assert "refused from localhost" in caplog.text
    assert "xyzzy" not in caplog.text and TOKEN not in caplog.text


def test_the_guess_limit_is_per_source_and_global_and_ends():
    from ui.auth import GuessLimiter

    now = [0.0]
    limiter = GuessLimiter(per_source=2, total=3, window=60, clock=lambda: now[0])
    limiter.record("a")
    assert limiter.record("a").from_source == 2 and limiter.locked("a") and not limiter.locked("b")
    assert limiter.record("b").in_all == 3 and limiter.locked("c")  # the global limit
    now[0] = 61
    assert not limiter.locked("a") and not limiter.locked("c")


def test_a_maintainer_pass_holds_only_for_its_connection_token_and_time():
    """Point 5b: a session resumed on another connection (the session id is in upload URLs and
    proxy logs) must not inherit maintainer status."""
    from ui.auth import issue_pass, pass_is_valid

    signed = issue_pass("token", binding="websocket-key-of-the-maintainer", minutes=60, now=1000.0)
    assert pass_is_valid(signed, "token", "websocket-key-of-the-maintainer", now=1000.0 + 3599)
    assert not pass_is_valid(signed, "token", "websocket-key-of-someone-else", now=1001.0)
    assert not pass_is_valid(signed, "token", "", now=1001.0)
    assert not pass_is_valid(signed, "token", "websocket-key-of-the-maintainer", now=1000.0 + 3600)
    assert not pass_is_valid(signed, "rotated-token", "websocket-key-of-the-maintainer", now=1001.0)
    assert not pass_is_valid(True, "token", "websocket-key-of-the-maintainer", now=1001.0)


def test_a_session_flag_alone_does_not_make_a_maintainer(planted):
    """Point 5b: maintainer status was st.session_state["maintainer"] = True, which a resumed
    session carries to whoever presents its id."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["maintainer"] = True
    at.run()
    assert not at.exception
    with pytest.raises(ValueError, match="Known pages"):
        at.switch_page(PAGE)


def test_upload_and_error_detail_limits_are_configured():
    """Points 5c and 5d: any session could PUT 200 MB files, and tracebacks reached users."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] <= Settings().max_file_mb
    assert config["server"]["maxMessageSize"] <= Settings().max_file_mb
    assert config["client"]["showErrorDetails"] == "none"


def test_an_unexpected_error_is_a_readable_message_and_a_logged_traceback(planted, monkeypatch, caplog):
    """Point 5d: the message never quotes the question, the log has the traceback but not the text."""
    import ui.render

    secret = "my manager harasses me about my cancer"

    def broken(citation):
        raise RuntimeError(f"drawing failed for {secret}")

    monkeypatch.setattr(ui.render, "citation_heading", broken)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.chat_input(key="question").set_value(f"{QUESTION} {secret}").run()
    assert not at.exception
    assert any("Something went wrong" in e.value for e in at.error)
    assert "RuntimeError" in caplog.text and "show_citations" in caplog.text
    assert secret not in caplog.text
