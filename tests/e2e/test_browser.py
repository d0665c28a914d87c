"""The app in a real browser: Playwright drives Debian's Chromium against a Streamlit server that
the test starts on loopback. Screenshots of each step go to test-artifacts/e2e/ (git-ignored)."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ingest.pipeline import run_ingest
from core.config import load_settings
from tests.conftest import CORPUS, ROOT
from tests.pdf_factory import make_policy_pdf
from tests.planted import PLANTED_QUESTION, write_planted
from tests.servers import free_port, wait_until_up

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
TOKEN = "e2e-admin-token"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("short-term-disability-plan.pdf", "faq-short-term-disability.html", "faq-leave-and-time-off.html"):
        shutil.copy(CORPUS / name, corpus / name)
    write_planted(corpus)
    index = root / "index"
    assert run_ingest([corpus], load_settings(index_dir=index)).ok
    process, url = start_app(index, corpus)
    yield {"url": url, "corpus": corpus, "index": index, "root": root}
    process.terminate()
    process.wait(timeout=20)


def start_app(index: Path, corpus: Path, extra_env: dict | None = None, port: int | None = None,
              options: tuple[str, ...] = ()):
    """The app on loopback; `port` when it must be known beforehand (a sign-in redirect URI),
    `options` for more of Streamlit's command-line settings."""
    port = port or free_port()
    env = {**os.environ, "BENEFITS_QA_INDEX": str(index), "BENEFITS_QA_CORPUS": str(corpus),
           "BENEFITS_QA_ADMIN_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           **(extra_env or {})}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
                                "--server.port", str(port), "--server.address", "127.0.0.1",
                                "--server.fileWatcherType", "none", *options],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/_stcore/health", process, 60)
    return process, url


# The fault: answers take two seconds to find and each citation heading a second to draw, and each
# drawing is logged, so a test can click while an answer is being found or drawn, and then check
# that the click did stop that run.
SLOW_DRAWING = """
import json, os, time
import rag.answer, ui.render

_ask = rag.answer.Assistant.ask

def slow_ask(self, *args, **kwargs):
    time.sleep(2.0)
    return _ask(self, *args, **kwargs)

rag.answer.Assistant.ask = slow_ask

_heading = ui.render.citation_heading

def slow_heading(citation):
    with open(os.environ["SLOW_DRAWING_LOG"], "a") as log:
        log.write(json.dumps(citation.n) + "\\n")
    time.sleep(1.0)
    return _heading(citation)

ui.render.citation_heading = slow_heading
"""


@pytest.fixture(scope="module")
def slow_server(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("slow")
    shutil.copytree(server["index"], root / "index")
    (root / "inject").mkdir()
    (root / "inject" / "sitecustomize.py").write_text(SLOW_DRAWING)
    log = root / "drawn.jsonl"
    process, url = start_app(root / "index", server["corpus"], {
        "PYTHONPATH": os.pathsep.join([str(root / "inject"), str(ROOT)]), "SLOW_DRAWING_LOG": str(log)})
    yield {"url": url, "log": log}
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@contextmanager
def open_app(browser, url: str, **context_options):
    """A fresh browser session (its own cookies: one employee) on the app, ready for a question."""
    context = browser.new_context(**({"viewport": {"width": 1280, "height": 900}} | context_options))
    try:
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        page.wait_for_selector("[data-testid='stChatInputTextArea']", timeout=120_000)
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, server):
    with open_app(browser, server["url"]) as page:
        yield page


@pytest.fixture
def slow_page(browser, slow_server):
    with open_app(browser, slow_server["url"]) as page:
        yield page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_idle(page) -> None:
    """Until the script run finishes: a click during a run can be lost when the run redraws."""
    time.sleep(0.3)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120_000)


def send(page, question: str) -> None:
    page.fill("[data-testid='stChatInputTextArea']", question)
    page.keyboard.press("Enter")


def ask(page, question: str, answers_before: int = 0):
    send(page, question)
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= {2 * (answers_before + 1)}",
        timeout=120_000)
    message = page.locator("[data-testid='stChatMessage']").nth(2 * answers_before + 1)
    # The message appears before its answer: wait for the answer's text (or the abstention).
    deadline = time.time() + 120
    while time.time() < deadline:
        text = message.inner_text()
        # Drawn to the end: the feedback thumbs come last in every answer.
        if (("[1]" in text or "don't cover" in text) and page.locator("[data-testid='stSpinner']").count() == 0
                and message.locator("[data-testid='stFeedback']").count()):
            wait_idle(page)
            return message
        time.sleep(0.3)
    raise AssertionError(f"no answer appeared: {message.inner_text()!r}")


def open_first_citation(page, answer, of_a_page: bool = True):
    """Open the answer's first citation, by default the first of a page (a PDF's "p. 3": a web
    page has no page image to show), and return it."""
    cited = answer.locator("[data-testid='stExpander']")
    if of_a_page:
        cited = cited.filter(has=page.locator("summary", has_text=re.compile(r"p\. \d")))
    cited = cited.first
    details = cited.locator("[data-testid='stExpanderDetails']")
    # A closed expander's body is inert. Click only a closed one: a citation opened while the answer
    # was drawn stays open across the redraw, and a second click would close it again.
    if details.get_attribute("inert") is not None:
        cited.locator("summary").click()
    wait_idle(page)  # opening a citation redraws the page: a click during that redraw can be lost
    deadline = time.time() + 30
    while details.get_attribute("inert") is not None and time.time() < deadline:
        time.sleep(0.2)
    assert details.get_attribute("inert") is None, "the citation did not open"
    return cited


def test_ask_cite_view_page_and_give_feedback(page, server):
    answer = ask(page, "How long is the waiting period for short-term disability?")
    assert "7 consecutive calendar days" in answer.inner_text()
    assert "[1]" in answer.inner_text()
    shot(page, "1-cited-answer")

    cited = open_first_citation(page, answer)
    cited.get_by_text("Show the page").click()
    wait_idle(page)
    image = answer.locator("[data-testid='stImage'] img").first
    image.wait_for(timeout=60_000)
    assert "quoted text highlighted" in answer.inner_text()
    shot(page, "2-page-viewer-highlight")
    with page.expect_download(timeout=60_000) as download:
        cited.get_by_text("Download the document").click()
    cited = server["corpus"] / download.value.suggested_filename  # the file of the open citation, whole
    assert cited.exists() and Path(download.value.path()).read_bytes() == cited.read_bytes()

    answer.locator("[data-testid='stFeedbackButton']").first.click()  # thumbs up
    answer.get_by_text("Send feedback").click()
    page.get_by_text("Thank you for your feedback").wait_for(timeout=30_000)
    shot(page, "3-feedback")
    with sqlite3.connect(server["index"] / "feedback.sqlite3") as db:
        rows = db.execute("SELECT vote, question FROM feedback").fetchall()
    assert (1, None) in rows  # a vote, and no question text without opt-in


def test_my_situation_quotes_the_askers_case(page):
    question = "how much does std pay me"
    wait_idle(page)
    page.get_by_text("My situation (optional)").click()
    employment = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    employment.wait_for(timeout=30_000)
    option = page.get_by_role("option", name="part-time")
    for _ in range(5):  # a click while the page is still being drawn can be lost
        employment.click()
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            wait_idle(page)
    option.click()
    wait_idle(page)
    answer = ask(page, question)
    shot(page, "10-my-situation")
    text = answer.inner_text()
    assert "For part-time employees:" in text and "50% of base weekly pay" in text
    assert "100% of base pay" not in text and "quotes the rule for the situation you set" in text


def test_a_click_while_an_answer_is_drawn_keeps_the_answer(slow_page, slow_server):
    send(slow_page, "How long is the waiting period for short-term disability?")
    answer = slow_page.locator("[data-testid='stChatMessage']").nth(1)
    # Opened as soon as the first citation is there, while the later ones are still being drawn.
    answer.locator("[data-testid='stExpander'] summary").first.click(timeout=120_000)
    answer.locator("[data-testid='stFeedback']").wait_for(timeout=60_000)  # drawn to the end
    wait_idle(slow_page)
    cited = open_first_citation(slow_page, answer)
    cited.get_by_text("Show the page").click()
    answer.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
    wait_idle(slow_page)
    shot(slow_page, "8-click-while-drawing")
    assert "7 consecutive calendar days" in answer.inner_text()
    assert slow_page.locator("[data-testid='stChatMessage']").count() == 2  # one question, one answer
    citations = answer.locator("[data-testid='stExpander']").count()
    drawn = [int(line) for line in slow_server["log"].read_text().split()]
    first_run = drawn[:drawn.index(1, 1)]  # until citation 1 is drawn again by the click's run
    assert len(first_run) < citations, f"the click did not stop the drawing: {drawn}, {citations} citations"


def test_a_click_while_a_question_is_answered_still_answers_it(slow_page):
    first = ask(slow_page, "How long is the waiting period for short-term disability?")
    cited = open_first_citation(slow_page, first)
    send(slow_page, "How many bereavement days do I get?")
    slow_page.locator("[data-testid='stSpinner']").wait_for(timeout=60_000)
    cited.get_by_text("Show the page").click()  # while the second answer is being found
    first.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
    second = slow_page.locator("[data-testid='stChatMessage']").nth(3)
    second.locator("[data-testid='stFeedback']").wait_for(timeout=120_000)
    wait_idle(slow_page)
    shot(slow_page, "9-click-while-answering")
    assert slow_page.locator("[data-testid='stChatMessage']").count() == 4
    assert "bereavement" in second.inner_text().lower() and "[1]" in second.inner_text()


def test_maintainer_uploads_reingests_and_the_new_policy_answers(page, server, tmp_path):
    policy = make_policy_pdf(tmp_path / "Sabbatical Policy.pdf", "Sabbatical Policy", [[(
        "1. Sabbatical", "Employees with 10 years of service may take a paid sabbatical of 4 weeks.")]])
    page.get_by_text("Maintainer sign-in").click()
    page.locator("input[type='password']").fill(TOKEN)
    page.keyboard.press("Enter")
    page.locator("[data-testid='stSidebarNavLink']", has_text="Maintainers").click()
    page.get_by_text("Add or replace documents").wait_for(timeout=60_000)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(policy))
    page.get_by_role("button", name="Add to the corpus").click()
    page.get_by_text("Saved Sabbatical-Policy.pdf").wait_for(timeout=60_000)
    page.get_by_role("button", name="Re-ingest the corpus now").click()
    page.get_by_text("The ingest goes on if you leave this page").wait_for(timeout=60_000)
    shot(page, "4-maintainer-reingest-running")
    # Leave while it runs (a redraw of the page used to stop the ingest), then come back.
    page.locator("[data-testid='stSidebarNavLink']", has_text="Ask a question").click()
    page.wait_for_selector("[data-testid='stChatInputTextArea']", timeout=60_000)
    page.locator("[data-testid='stSidebarNavLink']", has_text="Maintainers").click()
    page.get_by_text("added 1").wait_for(timeout=180_000)
    shot(page, "4-maintainer-reingest")
    assert (server["corpus"] / "Sabbatical-Policy.pdf").exists()

    page.locator("[data-testid='stSidebarNavLink']", has_text="Ask a question").click()
    page.wait_for_selector("[data-testid='stChatInputTextArea']", timeout=60_000)
    answer = ask(page, "How long is the paid sabbatical?")
    assert "4 weeks" in answer.inner_text() and "Sabbatical Policy" in answer.inner_text()
    shot(page, "5-new-policy-answer")


def test_planted_script_never_runs(page):
    answer = ask(page, PLANTED_QUESTION)
    open_first_citation(page, answer, of_a_page=False)  # the planted document is a web page
    time.sleep(1)
    shot(page, "6-planted-document")
    assert "wellness bonus" in answer.inner_text()
    assert page.dialogs == []
    assert page.locator("img[src*='127.0.0.1:9'], img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("[data-testid='stChatMessage'] a").count() == 0  # no link at all from document text
    assert page.locator("[data-testid='stChatMessage'] script").count() == 0


def test_two_people_never_see_each_other(browser, server):
    with open_app(browser, server["url"]) as a, open_app(browser, server["url"]) as b:
        ask(a, "How many bereavement days do I get?")
        time.sleep(1)
        assert b.locator("[data-testid='stChatMessage']").count() == 0


def test_phone_width_has_no_sideways_scroll(browser, server):
    with open_app(browser, server["url"], viewport={"width": 390, "height": 844}, is_mobile=True) as page:
        ask(page, "Is there a waiting period before STD pays?")
        shot(page, "7-phone-width")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


# --- issue #20: hostile metadata (point 2) and a session presented by its id (point 5b) ---

class _Recorder:
    """An HTTP server on loopback that records every request: a planted image or link that the
    browser fetches shows up here."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def planted_server(tmp_path_factory):
    """An app whose one document has Markdown, HTML and links (to a recording server) in its title,
    section heading and file name."""
    from tests.integration.test_hardening_app import planted_pdf

    recorder = _Recorder()
    pixel = f"http://127.0.0.1:{recorder.port}"
    root = tmp_path_factory.mktemp("planted-metadata")
    corpus = root / "corpus"
    corpus.mkdir()
    planted_pdf(corpus / f"**bold** [z](javascript:alert(3)) ![f]({pixel.replace('/', '')}) <b>file.pdf",
                f"Wellness ![t]({pixel}/title.png) **bold** [x](javascript:alert(1)) <img src={pixel}/title2.png>",
                f"1. Days ![s]({pixel}/section.png) [y](javascript:alert(2)) <b>html</b> <img src={pixel}/section2.png>",
                "Employees receive 12 days of wellness leave each year. Wellness leave is paid at the full base rate.")
    index = root / "index"
    assert run_ingest([corpus], load_settings(index_dir=index)).ok
    process, url = start_app(index, corpus)
    yield {"url": url, "recorder": recorder, "pixel": pixel, "corpus": corpus}
    process.terminate()
    process.wait(timeout=20)
    recorder.httpd.shutdown()


def sign_in_as_maintainer(page) -> None:
    page.get_by_text("Maintainer sign-in").click()
    page.locator("input[type='password']").fill(TOKEN)
    page.keyboard.press("Enter")
    page.locator("[data-testid='stSidebarNavLink']", has_text="Maintainers").click()
    page.get_by_text("Add or replace documents").wait_for(timeout=60_000)
    wait_idle(page)


def assert_nothing_active(page, planted) -> None:
    assert page.locator(f"img[src*='{planted['recorder'].port}']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator(f"a[href*='{planted['recorder'].port}'], a[href*='pixel']").count() == 0
    assert page.dialogs == []
    assert planted["recorder"].requests == []  # no browser fetched a planted address


def test_planted_title_section_and_file_name_render_as_text(browser, planted_server):
    """Point 2: the page viewer's caption rendered the title as Markdown: every employee who opened
    the page fetched the author's image, and saw a live link."""
    with open_app(browser, planted_server["url"]) as page:
        answer = ask(page, "How many days of wellness leave do employees receive each year?")
        cited = open_first_citation(page, answer)
        cited.get_by_text("Show the page").click()
        wait_idle(page)
        answer.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
        time.sleep(1)
        shot(page, "8-planted-metadata")
        assert "javascript:alert(1)" in answer.inner_text()  # shown, as text
        assert_nothing_active(page, planted_server)

        # The maintainers' page: an upload's error names the raw file name; the document list too.
        sign_in_as_maintainer(page)
        bad = {"name": f"![u]({planted_server['pixel'].replace('/', '')}) [w](javascript:alert(4)) **bold**.pdf",
               "mimeType": "application/pdf", "buffer": b"<html>not a pdf</html>"}
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(files=[bad])
        page.get_by_role("button", name="Add to the corpus").click()
        page.get_by_text("is not a PDF file", exact=False).wait_for(timeout=60_000)
        page.locator("[data-testid='stSelectbox']").first.click()
        time.sleep(1)
        shot(page, "9-planted-maintainers")
        assert_nothing_active(page, planted_server)


RESUME_SESSION = """
(() => {
  const Native = window.WebSocket;
  function Hijacked(url, protocols) {
    let list = Array.isArray(protocols) ? protocols.slice() : (protocols ? [protocols] : ["streamlit"]);
    while (list.length < 2) list.push("none");
    list[2] = "%s";
    return new Native(url, list);
  }
  Hijacked.prototype = Native.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Hijacked[k] = Native[k];
  window.WebSocket = Hijacked;
})();
"""


def upload_session_id(page) -> str:
    """Drop a file on the maintainers' uploader and read the session id from its upload URL, as
    anyone reading a proxy's access log could."""
    uploads = []
    page.on("request", lambda r: uploads.append(r.url) if "/_stcore/upload_file/" in r.url else None)
    note = {"name": "note.txt", "mimeType": "text/plain", "buffer": b"Wellness leave note."}
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(files=[note])
    deadline = time.time() + 30
    while not uploads and time.time() < deadline:
        page.wait_for_timeout(200)
    session_id = re.search(r"/_stcore/upload_file/([^/]+)/", uploads[0]).group(1)
    wait_idle(page)
    return session_id


def test_a_session_id_from_an_upload_url_does_not_carry_maintainer_status(browser, planted_server):
    """Point 5b: the session id is in every upload URL (so in proxy logs); a client that presented
    it resumed the session, maintainer status and all."""
    with open_app(browser, planted_server["url"]) as victim:
        ask(victim, "How many days of wellness leave do employees receive each year?")
        sign_in_as_maintainer(victim)
        session_id = upload_session_id(victim)
    time.sleep(2)  # the server stores the closed tab's session for a later reconnect
    # The maintainer's tab is closed; someone who read the id in a log presents it.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(RESUME_SESSION % session_id)
        intruder = context.new_page()
        intruder.goto(planted_server["url"])
        intruder.wait_for_selector("[data-testid='stChatMessage']", timeout=120_000)  # the victim's chat:
        wait_idle(intruder)                                                         # the session resumed
        shot(intruder, "10-resumed-session")
        assert "12 days of wellness leave" in intruder.inner_text("body")
        assert intruder.locator("[data-testid='stSidebarNavLink']", has_text="Maintainers").count() == 0
        assert intruder.get_by_text("Maintainer sign-in").count() == 1
    finally:
        context.close()


def test_the_safety_texts_fit_the_message_as_an_employee_sees_them(browser, server):
    """The four outcomes in the chat: an ordinary conditional and an ordinary Spanish question get
    no alarm; distress gets the one-line EAP pointer; risk to the writer gets the red resources
    first; worry for a coworker gets how to help, not an alarm about the writer."""
    alarm = "If you are thinking about suicide"
    with open_app(browser, server["url"]) as page:
        ordinary = ask(page, "do i get severance if i am laid off?")
        assert alarm not in ordinary.inner_text() and "Worried that someone" not in ordinary.inner_text()
        spanish = ask(page, "cuando es la inscripcion abierta", answers_before=1)
        assert alarm not in spanish.inner_text()
        distress = ask(page, "I'm scared and can't sleep. Can they fire me while I'm on FMLA?", answers_before=2)
        assert alarm not in distress.inner_text() and "Employee Assistance Program is free" in distress.inner_text()
        shot(page, "10-ordinary-spanish-and-distress")
    with open_app(browser, server["url"]) as page:
        risk = ask(page, "i have the pills saved up and i dont want to be here after my last day. does cobra start right away")
        text = risk.inner_text()
        assert text.index(alarm) < text.index("[1]") and "988" in text  # resources first, then the answer
        concern = ask(page, "my coworker told me she has been thinking about suicide, what should i do", answers_before=1)
        assert "Worried that someone" in concern.inner_text() and alarm not in concern.inner_text()
        shot(page, "11-crisis-and-concern")
