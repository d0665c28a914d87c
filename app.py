"""Streamlit chat for employees. Thin: it parses input, calls rag, renders; no logic lives here."""
from __future__ import annotations

import streamlit as st

from rag.config import load_settings
from rag.errors import BenefitsQAError, IndexMissingError
from rag.prompts import read_raw, render
from rag.render import answer_markdown, citation_heading, escape_markdown

st.set_page_config(page_title="Benefits Q&A", page_icon="📘", layout="centered")


@st.cache_resource(show_spinner="Loading the policy index…")
def get_assistant():
    from rag.answer import Assistant

    return Assistant(load_settings())


@st.cache_data(max_entries=64, show_spinner=False)
def page_image(path: str, page: int, mtime: float) -> bytes:
    from pathlib import Path

    from rag.pages import render_page_png

    return render_page_png(Path(path), page)


def starters(settings) -> list[tuple[str, str]]:
    rows = [line.split("\t", 1) for line in read_raw(settings, "starters.tsv").splitlines()
            if "\t" in line and not line.startswith("#")]
    return [(topic.strip(), question.strip()) for topic, question in rows]


def show_answer(answer, ledger, turn: int) -> None:
    if answer.preamble:  # crisis resources come first, always
        st.error(answer.preamble)
    st.markdown(answer_markdown(answer))
    for notice in answer.notices:
        st.info(escape_markdown(notice))
    show_citations(answer, ledger, turn)


def show_citations(answer, ledger, turn: int) -> None:
    for c in answer.citations:
        with st.expander(citation_heading(c)):
            st.markdown("> " + escape_markdown(c.snippet))
            where = f"page {c.page}" if c.page else "web page"
            st.caption(escape_markdown(f"{c.title} · {where} · {c.section or 'no section'} · {c.source}"))
            path = ledger.path_of(c.source)
            if path is None:
                continue
            if c.page and path.suffix.lower() == ".pdf":
                if st.toggle("Show the page", key=f"page-{turn}-{c.n}"):
                    st.image(page_image(str(path), c.page, path.stat().st_mtime),
                             caption=f"{c.title}, page {c.page}")
            st.download_button("Download the document", data=path.read_bytes(), file_name=path.name,
                               key=f"download-{turn}-{c.n}")


def main() -> None:
    settings = load_settings()
    st.title("Benefits Q&A")
    st.caption(render(settings, "disclaimer.md"))
    try:
        assistant = get_assistant()
    except IndexMissingError as err:
        st.info(f"The policy index is not built yet. {err}")
        st.stop()
    except BenefitsQAError as err:
        st.error(str(err))
        st.stop()
    ledger = assistant.store.ledger()
    messages = st.session_state.setdefault("messages", [])

    with st.sidebar:
        st.subheader("Common topics")
        for topic, question in starters(settings):
            if st.button(topic, key=f"starter-{topic}", use_container_width=True):
                st.session_state["pending_question"] = question
        if st.button("New conversation", key="new-conversation", type="primary"):
            messages.clear()
        st.divider()
        st.markdown(read_raw(settings, "privacy.md"))
        if ledger.updated_at:
            st.caption(f"Policies last updated {ledger.updated_at[:10]} · {len(ledger.documents)} documents")

    for turn, message in enumerate(messages):
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.markdown(escape_markdown(message["text"]))
            else:
                show_answer(message["answer"], ledger, turn)

    typed = st.chat_input("Ask about disability, leave, insurance, severance, performance plans…",
                          key="question", max_chars=2000)
    question = typed or st.session_state.pop("pending_question", None)
    if not question:
        return
    messages.append({"role": "user", "text": question})
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    with st.chat_message("assistant"):
        try:
            with st.spinner("Searching the policies…"):
                answer = assistant.ask(question)
        except BenefitsQAError as err:
            st.error(str(err))
            messages.pop()
            return
        show_answer(answer, ledger, len(messages))
    messages.append({"role": "assistant", "answer": answer})


main()
