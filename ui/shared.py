"""What the app's pages share: the assistant and rendered page images, loaded once per process."""
from __future__ import annotations

import hmac
from pathlib import Path

import streamlit as st

from rag.config import load_settings
from rag.prompts import read_table


@st.cache_resource(show_spinner="Loading the policy index…")
def get_assistant(index_dir: str):
    """One assistant per index folder and process (the folder is the cache key)."""
    from rag.answer import Assistant

    return Assistant(load_settings(index_dir=Path(index_dir)))


@st.cache_data(max_entries=64, show_spinner=False)
def page_image(path: str, page: int, mtime: float, highlights: tuple[str, ...]) -> bytes:
    from rag.pages import render_page_png

    return render_page_png(Path(path), page, highlights)


def starters(settings) -> list[tuple[str, str]]:
    return read_table(settings, "starters.tsv")


def is_maintainer(settings) -> bool:
    """True once this browser session has given the admin token (compared in constant time)."""
    if not settings.admin_token:
        return False
    if st.session_state.get("maintainer"):
        return True
    with st.sidebar.expander("Maintainer sign-in"):
        token = st.text_input("Admin token", type="password", key="admin-token")
        if token and hmac.compare_digest(token.encode(), settings.admin_token.encode()):
            st.session_state["maintainer"] = True
            return True
        if token:
            st.error("That token is not right.")
    return False
