"""Streamlit entry point: the employees' chat, and the maintainers' page for admin-token holders.

Thin: the pages in ui/ parse input, call rag and ingest, and render; no logic lives here.
"""
from __future__ import annotations

import streamlit as st

from rag.config import load_settings
from ui.shared import is_maintainer

st.set_page_config(page_title="Benefits Q&A", page_icon="📘", layout="centered")

pages = [st.Page("ui/chat_page.py", title="Ask a question", icon=":material/chat:", default=True)]
if is_maintainer(load_settings()):
    pages.append(st.Page("ui/maintainer_page.py", title="Maintainers", icon=":material/build:"))
st.navigation(pages).run()
