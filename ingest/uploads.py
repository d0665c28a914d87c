"""Maintainers' uploads and removals in the corpus folder: type and size checked, names sanitised,
nothing written or deleted outside the folder. The app's maintainer page calls these."""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.errors import BenefitsQAError
from ingest.errors import UploadExistsError
from ingest.formats import format_for, legacy_advice, mismatch, supported_text


def safe_name(name: str) -> str:
    """A plain file name: no folders, no leading dots, only letters, digits, '-', '_' and one '.'."""
    base = unicodedata.normalize("NFKD", Path(name.replace("\\", "/")).name).encode("ascii", "ignore").decode()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.")[:100] or "document"
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


@dataclass(frozen=True)
class SavedUpload:
    path: Path
    replaced: bool  # a document of the same (cleaned) name was there and is now this one


def save_upload(corpus_dir: Path, name: str, data: bytes, max_bytes: int, replace: bool = False) -> SavedUpload:
    """Write an uploaded document into the corpus folder (atomically). A document of the same
    cleaned name is replaced only when `replace` is given: two different uploads ("Leave Policy.pdf",
    "leave_policy.pdf"?) may clean to one name, and a silent overwrite loses a document."""
    clean = safe_name(name)
    fmt = format_for(clean)
    if fmt is None:
        suffix = Path(clean).suffix
        if legacy_advice(suffix):
            raise BenefitsQAError(f"'{name}' is in the old binary {suffix} format, which cannot be read: "
                                  f"{legacy_advice(suffix)}, then upload that.")
        raise BenefitsQAError(f"'{name}' is not a supported type ({suffix or 'no suffix'}); "
                              f"upload {supported_text()} files.")
    if not data:
        raise BenefitsQAError(f"'{name}' is empty.")
    if len(data) > max_bytes:
        raise BenefitsQAError(f"'{name}' is {len(data) / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit.")
    wrong = mismatch(fmt, data[:8])  # an upload named .docx must be a Word file
    if wrong:
        raise BenefitsQAError(f"'{name}': {wrong.reason}; {wrong.hint}.")
    corpus = Path(corpus_dir).resolve()
    target = (corpus / clean).resolve()
    if target.parent != corpus:
        raise BenefitsQAError(f"'{name}' would be written outside the corpus folder.")
    existed = target.exists()
    if existed and not replace:
        raise UploadExistsError(f"'{name}' would replace {clean}, which is already in the corpus. "
                                f"Tick 'Replace documents of the same name' to replace it, or rename the file.")
    corpus.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, target)
    return SavedUpload(target, existed)


def remove_document(corpus_dir: Path, source: str) -> Path:
    """Delete a document of the corpus folder by its source name (as shown in citations)."""
    corpus = Path(corpus_dir).resolve()
    target = (corpus / source).resolve()
    if corpus not in target.parents:
        raise BenefitsQAError(f"'{source}' is not inside the corpus folder.")
    if not target.is_file():
        raise BenefitsQAError(f"'{source}' is not in the corpus folder (already removed?).")
    target.unlink()
    return target
