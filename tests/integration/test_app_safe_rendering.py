"""Document text is data: a planted page's links, images, HTML and scripts reach the chat escaped."""
import re
import shutil

from streamlit.testing.v1 import AppTest

from ingest.pipeline import run_ingest
from core.config import load_settings
from tests.conftest import CORPUS, ROOT
from tests.planted import PLANTED_QUESTION, write_planted


def test_planted_active_content_is_escaped_everywhere(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CORPUS / "faq-leave-and-time-off.html", docs)
    write_planted(docs)
    index = tmp_path / "index"
    assert run_ingest([docs], load_settings(index_dir=index)).ok
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(index))

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.chat_input(key="question").set_value(PLANTED_QUESTION).run()
    assert not at.exception
    assistant = [m for m in at.chat_message if m.name == "assistant"][0]
    rendered = [md.value for md in assistant.markdown] + [e.label for e in at.main.expander] + \
               [c.value for c in at.caption]
    assert any("wellness bonus" in text for text in rendered)
    for text in rendered:  # every Markdown or HTML control character arrives backslash-escaped
        for active in (r"!\[", r"\]\(", r"<img", r"<script", r"<a ", r"\[Claim"):
            assert not re.search(r"(?<!\\)" + active, text), (active, text)
