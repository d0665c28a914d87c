"""The employees' chat page: ask, read the cited answer, open the cited page, give feedback."""
from __future__ import annotations

import mimetypes
from datetime import date

import streamlit as st

from core.config import MAX_QUESTION_CHARS, load_settings
from core.errors import BenefitsQAError, IndexMissingError
from ui.pages import PageGoneError, PageTooLargeError
from core.lexical import sentences
from core.situation import EMPLOYMENT, US_STATES, Situation
from rag.prompts import read_raw, read_table, render
from ui.render import answer_markdown, citation_heading, context_markdown, escape_markdown
from ui.shared import SITUATION_KEY, asker, claimed_situation, get_assistant, page_image, starters
from ui.types import AnsweredTurn, AskedTurn

def show_answer(answer, assistant, turn: int, question: str, settings) -> None:
    if answer.preamble:  # crisis resources come first, always; help for someone else is no alarm
        (st.error if answer.crisis else st.info)(answer.preamble)
    if answer.applies_to:  # whose case the quoted rule is, from "My situation"
        st.markdown(f"**{escape_markdown(answer.applies_to)}**")
    st.markdown(answer_markdown(answer))
    for notice in answer.notices:
        st.info(escape_markdown(notice))
    show_citations(answer, assistant, turn, settings)
    feedback_form(answer, turn, question, settings)


def show_page(path, citation, quoted: tuple[str, ...], settings) -> None:
    """The cited page with the quote highlighted, or a notice when it cannot be drawn. Every
    document-derived string shown is escaped: a title is the document author's text."""
    try:
        image = page_image(str(path), citation.page, path.stat().st_mtime, quoted, settings.page_max_pixels)
    except PageGoneError:  # the document was replaced by a shorter one since this answer
        st.info(read_raw(settings, "page_gone.md"))
        return
    except PageTooLargeError:
        st.info(read_raw(settings, "page_too_large.md"))
        return
    st.image(image, caption=escape_markdown(f"{citation.title}, page {citation.page} (quoted text highlighted)"))


def show_citations(answer, assistant, turn: int, settings) -> None:
    for c in answer.citations:
        # Keyed and tracked, so a citation the reader opened stays open when the page is redrawn
        # (a toggle inside it, the next question); opening one redraws the page, which is cheap.
        with st.expander(citation_heading(c), key=f"citation-{turn}-{c.n}", on_change="rerun"):
            st.markdown("> " + escape_markdown(c.snippet))
            st.caption(escape_markdown(f"{c.title} · {c.where()} · {c.section or 'no section'} · {c.source}"))
            quoted = tuple(sentences(c.snippet.rstrip("…")))  # to mark within the passage or page
            document = assistant.cited_document(c, asker(settings))
            if document.withheld:  # the citation outlived the groups that could see it (signed out, say)
                st.info(read_raw(settings, "document_withheld.md"))
                continue
            # No page image: the quoted sentences shown within their whole section.
            if document.passage and st.toggle("Show in context", key=f"context-{turn}-{c.n}"):
                st.markdown(context_markdown(list(document.passage), set(quoted)))  # rows as a table
            path = document.path
            if path is None:
                continue
            if not path.is_file():  # removed or renamed since this answer
                st.info(read_raw(settings, "document_gone.md"))
                continue
            if c.page and path.suffix.lower() == ".pdf":
                if st.toggle("Show the page", key=f"page-{turn}-{c.n}"):
                    # A scan is drawn from its OCR'd copy: the same image, with the text to highlight.
                    show_page(document.page_file or path, c, quoted, settings)
            # Read only when clicked, and without a redraw: every answer on screen has these.
            st.download_button("Download the document", data=path.read_bytes, file_name=path.name,
                               mime=mimetypes.guess_type(path.name)[0], on_click="ignore",
                               key=f"download-{turn}-{c.n}")


def situation_box(settings) -> None:
    """"My situation": optional, filled in from the sign-in's claims where they say it, kept in the
    session only (never stored or logged); answers then quote the asker's case."""
    words = dict(read_table(settings, "situation.tsv"))
    unset = words["not_set"]
    claimed = claimed_situation(settings)
    defaults = {"situation-employment": claimed.employment or unset, "situation-state": claimed.state or unset,
                "situation-years": claimed.years_of_service,
                "situation-age": unset if claimed.age_40_or_over is None else ("40+" if claimed.age_40_or_over else "<40"),
                "situation-plan": claimed.medical_plan or unset}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    ages = {unset: unset, "<40": words["under_40"], "40+": words["age_40_or_over"]}
    with st.expander(words["box"], expanded=claimed.is_set):
        st.caption(words["box_help"])
        employment = st.selectbox(words["label_employment"], [unset, *EMPLOYMENT], key="situation-employment")
        state = st.selectbox(words["label_state"], [unset, *sorted(US_STATES, key=US_STATES.get)],
                             format_func=lambda code: US_STATES.get(code, code), key="situation-state")
        years = st.number_input(words["label_years"], min_value=0, max_value=79, step=1, key="situation-years")
        age = st.selectbox(words["label_age"], list(ages), format_func=ages.get, key="situation-age")
        plan = st.selectbox(words["label_plan"], [unset, *settings.plan_names], key="situation-plan")
    st.session_state[SITUATION_KEY] = Situation(
        employment=None if employment == unset else employment, state=None if state == unset else state,
        years_of_service=None if years is None else float(years),
        age_40_or_over=None if age == unset else age == "40+", medical_plan=None if plan == unset else plan)


def feedback_form(answer, turn: int, question: str, settings) -> None:
    from rag import feedback
    from rag.topics import topic_of

    if st.session_state.get(f"feedback-sent-{turn}"):
        st.caption("Thank you for your feedback.")
        return
    vote = st.feedback("thumbs", key=f"vote-{turn}")
    if vote is None:
        return
    comment = st.text_input("Anything to add? (optional)", key=f"comment-{turn}", max_chars=500)
    include = st.checkbox("Include my question, so the policy owners can see what was asked",
                          key=f"include-{turn}", value=False)
    if st.button("Send feedback", key=f"send-{turn}"):
        feedback.record(settings, vote=vote, topic=topic_of(question),
                        sources=[c.source for c in answer.citations], abstained=answer.abstained,
                        comment=comment, question=question if include else None)
        st.session_state[f"feedback-sent-{turn}"] = True
        st.rerun()


def chat_page() -> None:
    settings = load_settings()
    st.title("Benefits Q&A")
    st.caption(render(settings, "disclaimer.md"))
    # Always on screen: the crisis check misses some risk worded in ways nobody foresaw (README).
    st.caption(render(settings, "crisis_line.md"))
    try:
        assistant = get_assistant(str(settings.index_dir))
    except IndexMissingError as err:
        st.info(f"The policy index is not built yet. {err}")  # our text: it names the command to run
        st.stop()
    except BenefitsQAError as err:
        st.error(escape_markdown(str(err)))
        st.stop()
    messages = st.session_state.setdefault("messages", [])

    with st.sidebar:
        st.subheader("Common topics")
        for topic, question in starters(settings):
            if st.button(topic, key=f"starter-{topic}", use_container_width=True):
                st.session_state["pending_question"] = question
        if st.button("New conversation", key="new-conversation", type="primary"):
            messages.clear()
        situation_box(settings)
        st.divider()
        st.markdown(read_raw(settings, "privacy.md"))
        # The documents' own dates, not the day of the last ingest; that only when no document has one.
        status = assistant.index_status(date.today(), asker(settings))
        if status.latest_change:
            st.caption(escape_markdown(f"Latest policy change effective {status.latest_change} · {status.documents} documents"))
        elif status.updated_at:
            st.caption(escape_markdown(f"Index updated {status.updated_at[:10]} · {status.documents} documents"))

    typed = st.chat_input("Ask about disability, leave, insurance, severance, performance plans…",
                          key="question", max_chars=MAX_QUESTION_CHARS)
    asked = typed or st.session_state.pop("pending_question", None)
    if asked:
        if messages and isinstance(messages[-1], AskedTurn):
            messages.pop()  # a question whose run was stopped before its answer, replaced by this one
        messages.append(AskedTurn(asked))

    for turn, message in enumerate(messages):
        if isinstance(message, AskedTurn):
            with st.chat_message("user"):
                st.markdown(escape_markdown(message.text))
        else:
            with st.chat_message("assistant"):
                show_answer(message.answer, assistant, turn, messages[turn - 1].text, settings)

    # The last question has no answer yet: it was just asked, or a click stopped the run that was
    # answering it (a run stops at any widget click, e.g. "Show the page" on an earlier answer).
    if messages and isinstance(messages[-1], AskedTurn):
        answer_last_question(messages, assistant, settings)


def answer_last_question(messages: list[AskedTurn | AnsweredTurn], assistant, settings) -> None:
    question = messages[-1].text
    history = [m.answer.searched_for for m in messages if isinstance(m, AnsweredTurn)]
    with st.chat_message("assistant"):
        streamed: list[str] = []
        placeholder = st.empty()

        def show_stream(token: str) -> None:  # generated answers appear as they are written
            streamed.append(token)
            placeholder.markdown(escape_markdown("".join(streamed)))

        try:
            with st.spinner("Searching the policies…"):
                answer = assistant.ask(question, history, on_token=show_stream if settings.llm else None,
                                       asker=asker(settings))
            placeholder.empty()  # replaced by the checked answer below
        except BenefitsQAError as err:
            messages.pop()
            st.error(escape_markdown(str(err)))
            return
        # Kept before it is drawn: a click while it is being drawn stops this run, and the next
        # run shows the answer from the conversation instead of asking again.
        messages.append(AnsweredTurn(answer))
        if answer.abstained:  # counted for the gap report by topic only: no text is kept
            from rag import feedback
            from rag.topics import topic_of

            feedback.record(settings, vote=None, topic=topic_of(question), sources=[], abstained=True)
        show_answer(answer, assistant, len(messages) - 1, question, settings)


chat_page()
