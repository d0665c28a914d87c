"""The maintainers' page (for the maintainer group when sign-in is configured, else with the admin token): upload, remove, re-ingest, ledger."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.config import load_settings
from core.errors import BenefitsQAError
from ui.render import escape_markdown
from ui.shared import may_maintain


@st.fragment(run_every=1.0)
def watch_ingest(index_dir) -> None:
    """Redrawn each second while the run goes on; the whole page is redrawn once it ends."""
    from ingest.background import latest_ingest

    job = latest_ingest(index_dir)
    if job.running:
        st.progress(job.fraction, text=escape_markdown(job.step))  # names the file being read
        st.caption("The ingest goes on if you leave this page; come back to see how it ended.")
    else:
        st.rerun()  # the whole page: the live documents below change


def show_ingest_result(job) -> None:
    if job.error:  # may name a document: escaped, like every document-derived string
        st.error(escape_markdown(job.error))
        return
    report = job.report
    (st.success if report.ok else st.warning)(f"{report.counts_line()} in {report.seconds:.3f} s")
    st.dataframe([{"status": f.status, "source": f.source, "chunks": f.chunks, "reason": f.reason, "hint": f.hint}
                  for f in report.files], key="report-table", hide_index=True)


def maintainer_page() -> None:
    from ingest.background import latest_ingest, start_ingest
    from ingest.uploads import remove_document, save_upload
    from core.store import IndexStore

    settings = load_settings()
    corpus = Path(settings.corpus_dir)
    st.title("Maintainers")
    st.caption(escape_markdown(f"Corpus folder: {corpus} · index: {settings.index_dir}"))

    st.subheader("Add or replace documents")
    from ingest.formats import labels_text, suffixes

    uploads = st.file_uploader(labels_text(), type=suffixes(), accept_multiple_files=True, key="uploads",
                               help="Old .doc, .xls and .ppt files: save them as .docx, .xlsx or .pptx first.")
    replace = st.checkbox("Replace documents of the same name", key="replace-uploads", value=False)
    if uploads and st.button("Add to the corpus", key="add-uploads"):
        for upload in uploads:
            try:
                saved = save_upload(corpus, upload.name, upload.getvalue(), int(settings.max_file_mb * 2**20),
                                    replace=replace)
                # File names are the uploader's text: escaped, so a name never renders as Markdown.
                st.success(escape_markdown(f"Replaced {saved.path.name}" if saved.replaced else f"Saved {saved.path.name}"))
            except BenefitsQAError as err:
                st.error(escape_markdown(str(err)))

    st.subheader("Remove a document")
    ledger = IndexStore(settings, create=True).ledger()
    local = sorted(e.source for e in ledger.documents.values() if ledger.path_of(e.source))
    doomed = st.selectbox("Document", local, index=None, key="remove-choice", placeholder="Choose a document")
    if doomed and st.button("Remove it from the corpus", key="remove-document"):
        try:
            remove_document(corpus, doomed)
            st.success(escape_markdown(f"Removed {doomed}. Re-ingest to take it out of answers."))
        except BenefitsQAError as err:
            st.error(escape_markdown(str(err)))

    st.subheader("Re-ingest")
    job = latest_ingest(settings.index_dir)
    if st.button("Re-ingest the corpus now", key="reingest", type="primary",
                 disabled=job is not None and job.running):
        try:
            job = start_ingest([corpus], settings)
        except BenefitsQAError as err:
            st.error(escape_markdown(str(err)))
    if job is not None and job.running:
        watch_ingest(settings.index_dir)
    elif job is not None:
        show_ingest_result(job)

    st.subheader("Live documents")
    ledger = IndexStore(settings, create=True).ledger()
    if ledger.documents:
        st.caption(escape_markdown(f"Generation {ledger.generation}, updated {ledger.updated_at}"))
        st.dataframe([{"source": e.source, "title": e.title, "effective": e.effective_date, "chunks": e.chunks,
                       "ingested": e.ingested_at} for e in sorted(ledger.documents.values(), key=lambda e: e.source)],
                     key="ledger-table", hide_index=True)


# Defence in depth: the navigation lists this page only for maintainers, and the page checks again.
if may_maintain(load_settings()):
    maintainer_page()
else:
    st.error("This page is for maintainers only.")
    st.stop()
