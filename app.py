"""Streamlit entry point: the employees' chat (behind OpenID Connect sign-in when configured), and
the maintainers' page for the maintainer group, or for admin-token holders without sign-in.

Thin: the pages in ui/ parse input, call rag and ingest, and render; no logic lives here.
"""
from __future__ import annotations

import streamlit as st

from core.config import load_settings
from rag.prompts import read_raw
from ui.shared import is_maintainer, log_unexpected, sign_in_gate

st.set_page_config(page_title="Benefits Q&A", page_icon="📘", layout="centered")

settings = load_settings()
sign_in_gate(settings)  # with sign-in configured, only the sign-in screen until the person signs in
pages = [st.Page("ui/chat_page.py", title="Ask a question", icon=":material/chat:", default=True)]
if is_maintainer(settings):
    pages.append(st.Page("ui/maintainer_page.py", title="Maintainers", icon=":material/build:"))
try:
    st.navigation(pages).run()
except Exception as err:  # the edge: an unexpected error gets a readable message, and its traceback
    # goes to the log, not to the screen (client.showErrorDetails = "none" covers the rest).
    # Streamlit's own stop and rerun signals are BaseExceptions and pass through.
    log_unexpected(err)
    st.error(read_raw(settings, "app_error.md"))
