"""The maintainers' page (reachable only with the admin token): upload, remove, re-ingest, ledger."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from rag.config import load_settings
from rag.errors import BenefitsQAError
from ui.shared import is_maintainer


def maintainer_page() -> None:
    from ingest.pipeline import run_ingest
    from ingest.uploads import remove_document, save_upload
    from rag.index import IndexStore

    settings = load_settings()
    corpus = Path(settings.corpus_dir)
    st.title("Maintainers")
    st.caption(f"Corpus folder: {corpus} · index: {settings.index_dir}")

    st.subheader("Add or replace documents")
    uploads = st.file_uploader("PDF, HTML, Markdown or text files", type=["pdf", "html", "htm", "md", "txt"],
                               accept_multiple_files=True, key="uploads")
    if uploads and st.button("Add to the corpus", key="add-uploads"):
        for upload in uploads:
            try:
                path = save_upload(corpus, upload.name, upload.getvalue(), int(settings.max_file_mb * 2**20))
                st.success(f"Saved {path.name}")
            except BenefitsQAError as err:
                st.error(str(err))

    st.subheader("Remove a document")
    ledger = IndexStore(settings, create=True).ledger()
    local = sorted(e.source for e in ledger.documents.values() if ledger.path_of(e.source))
    doomed = st.selectbox("Document", local, index=None, key="remove-choice", placeholder="Choose a document")
    if doomed and st.button("Remove it from the corpus", key="remove-document"):
        try:
            remove_document(corpus, doomed)
            st.success(f"Removed {doomed}. Re-ingest to take it out of answers.")
        except BenefitsQAError as err:
            st.error(str(err))

    st.subheader("Re-ingest")
    if st.button("Re-ingest the corpus now", key="reingest", type="primary"):
        bar = st.progress(0.0, text="Starting…")

        def progress(done, total, what):
            bar.progress(min(1.0, done / total) if total else 1.0, text=what)

        try:
            report = run_ingest([corpus], settings, progress=progress)
            st.session_state["last-report"] = report.to_json()
        except BenefitsQAError as err:
            st.error(str(err))
    report = st.session_state.get("last-report")
    if report:
        counts = ", ".join(f"{k} {v}" for k, v in report["counts"].items() if v)
        (st.success if report["ok"] else st.warning)(f"{counts} in {report['seconds']} s")
        st.dataframe([{k: f[k] for k in ("status", "source", "chunks", "reason", "hint")} for f in report["files"]],
                     key="report-table", hide_index=True)

    st.subheader("Live documents")
    ledger = IndexStore(settings, create=True).ledger()
    if ledger.documents:
        st.caption(f"Generation {ledger.generation}, updated {ledger.updated_at}")
        st.dataframe([{"source": e.source, "title": e.title, "effective": e.effective_date, "chunks": e.chunks,
                       "ingested": e.ingested_at} for e in sorted(ledger.documents.values(), key=lambda e: e.source)],
                     key="ledger-table", hide_index=True)


# Defence in depth: the navigation lists this page only for maintainers, and the page checks again.
if is_maintainer(load_settings()):
    maintainer_page()
else:
    st.error("This page is for maintainers only.")
    st.stop()
