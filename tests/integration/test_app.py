"""The chat app through streamlit.testing.v1.AppTest (no browser): index check, ask, cite, reset."""
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120  # the first run loads the embedding model


@pytest.fixture
def app(corpus_index, monkeypatch):
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(corpus_index))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def assistant_markdown(at) -> str:
    return "\n".join(md.value for msg in at.chat_message if msg.name == "assistant" for md in msg.markdown)


def test_without_an_index_the_app_explains_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(tmp_path / "none"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("benefits-qa ingest" in info.value for info in at.info)


def test_crisis_line_is_on_screen_before_anything_is_asked(app):
    line = next(c.value for c in app.caption if "988" in c.value)
    assert "1-800-555-0199" in line  # the EAP line from configuration


def test_sidebar_dates_the_policies_by_their_own_effective_dates(app, corpus_index):
    from datetime import date

    from core.ledger import read_ledger
    from rag.versions import latest_change

    ledger = read_ledger(corpus_index)
    changed = latest_change(ledger.documents.values(), date.today())
    assert changed  # every document of the default corpus states its effective date
    caption = next(c.value for c in app.sidebar.caption if "documents" in c.value).replace("\\", "")
    assert caption == f"Latest policy change effective {changed} · {len(ledger.documents)} documents"


def test_question_gets_a_cited_answer(app):
    app.chat_input(key="question").set_value("How long is the waiting period for short-term disability?").run()
    assert not app.exception
    text = assistant_markdown(app)
    assert "**[1]**" in text and "7 consecutive calendar days" in text
    labels = [e.label for e in app.main.expander]  # the citations (the sidebar has "My situation")
    # Each citation names its document; a policy's names its page too (an FAQ page has none).
    assert labels and all("Short" in label for label in labels) and any("p\\. " in label for label in labels)
    assert len(app.chat_message) == 2


def test_starter_topic_asks_its_question(app):
    app.button(key="starter-Severance").click().run()
    assert not app.exception
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    assert "**[1]**" in assistant_markdown(app)


def test_uncovered_question_abstains(app):
    app.chat_input(key="question").set_value("What is the cafeteria menu on Friday?").run()
    assert "don't cover" in assistant_markdown(app)
    assert not app.main.expander


def test_page_viewer_and_new_conversation(app):
    app.chat_input(key="question").set_value("How long is the waiting period for short-term disability?").run()
    toggles = [t for t in app.toggle if t.key.startswith("page-")]
    assert toggles
    toggles[0].set_value(True).run()
    assert not app.exception and len(app.get("image")) == 1
    app.button(key="new-conversation").click().run()
    assert not app.exception and len(app.chat_message) == 0


def test_two_sessions_never_share_a_conversation(app, corpus_index):
    app.chat_input(key="question").set_value("How is severance pay calculated?").run()
    other = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert len(app.chat_message) == 2 and len(other.chat_message) == 0


def test_web_page_citation_shows_the_quote_in_context(app):
    app.chat_input(key="question").set_value("Is there a waiting period before STD pays?").run()
    toggles = [t for t in app.toggle if t.key.startswith("context-")]
    assert toggles
    toggles[0].set_value(True).run()
    assert not app.exception
    assert any("**" in md.value and "waiting" in md.value.lower() for md in app.markdown)


def test_a_passage_in_context_follows_a_new_generation(tmp_path):
    """The chat keeps each section it shows in context for the live generation (every question
    redraws them all); a re-ingest that changes the section must show the new text, not the kept one."""
    from ingest.pipeline import run_ingest
    from core.config import load_settings
    from core.store import IndexStore

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    faq = corpus / "faq-parking.md"
    faq.write_text("# Parking FAQ\n\n## Permits\n\nA parking permit costs 40 dollars a month. Permits renew each January.\n")
    settings = load_settings(index_dir=tmp_path / "index")
    assert run_ingest([corpus], settings).ok
    store = IndexStore(settings)  # one long-lived reader, as in the app
    section = store.live_chunks()[0].section
    before = store.section_sentences("faq-parking.md", section)
    assert any("40 dollars" in s for s in before)
    assert store.section_sentences("faq-parking.md", section) == before  # the kept copy

    faq.write_text("# Parking FAQ\n\n## Permits\n\nA parking permit costs 55 dollars a month. Permits renew each January.\n")
    assert run_ingest([corpus], settings).ok
    after = store.section_sentences("faq-parking.md", section)
    assert any("55 dollars" in s for s in after) and not any("40 dollars" in s for s in after)
    store.close()


def test_my_situation_quotes_the_askers_case_and_says_so(app):
    question = "how much does std pay me"
    app.chat_input(key="question").set_value(question).run()
    everyone = assistant_markdown(app)
    assert "50% of base weekly pay" in everyone and "100% of base pay" in everyone  # every case, as before
    app.button(key="new-conversation").click().run()
    app.selectbox(key="situation-employment").select("part-time").run()
    app.chat_input(key="question").set_value(question).run()
    assert not app.exception
    text = assistant_markdown(app).replace("\\", "")  # markdown escapes
    assert "**For part-time employees:**" in text, text
    assert "50% of base weekly pay" in text and "100% of base pay" not in text
    app.selectbox(key="situation-employment").select("not set").run()
    app.chat_input(key="question").set_value(question).run()
    assert "100% of base pay" in assistant_markdown(app).split("For part")[-1]
