"""Uploads land only inside the corpus folder, with safe names, checked types and sizes."""
import pytest

from ingest.uploads import remove_document, safe_name, save_upload
from core.errors import BenefitsQAError

PDF = b"%PDF-1.4\n...\n%%EOF"


@pytest.mark.parametrize("given,expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"), ("..\\..\\boot.ini.html", "boot-ini.html"),
    (".hidden.pdf", "hidden.pdf"), ("Leave Policy (2026) FINAL.PDF", "Leave-Policy-2026-FINAL.pdf"),
    ("résumé.md", "resume.md"), ("<script>.html", "script.html"), ("", "document"),
])
def test_names_are_sanitised(given, expected):
    assert safe_name(given) == expected


def test_upload_is_written_inside_the_folder(tmp_path):
    corpus = tmp_path / "corpus"
    saved = save_upload(corpus, "../../outside.pdf", PDF, max_bytes=1000)
    assert saved.path == (corpus / "outside.pdf").resolve() and saved.path.read_bytes() == PDF
    assert not saved.replaced
    assert not (tmp_path / "outside.pdf").exists()


@pytest.mark.parametrize("name,data,message", [
    ("tool.exe", b"MZ", "not a supported type"), ("fake.pdf", b"<html>", "not a PDF"),
    ("empty.pdf", b"", "empty"), ("big.html", b"x" * 2000, "over the"),
])
def test_bad_uploads_are_refused(tmp_path, name, data, message):
    with pytest.raises(BenefitsQAError, match=message):
        save_upload(tmp_path, name, data, max_bytes=1000)
    assert not any(tmp_path.iterdir())


def test_remove_only_inside_the_folder(tmp_path):
    corpus = tmp_path / "corpus"
    save_upload(corpus, "policy.pdf", PDF, max_bytes=1000)
    (tmp_path / "keep.pdf").write_bytes(PDF)
    with pytest.raises(BenefitsQAError, match="not inside"):
        remove_document(corpus, "../keep.pdf")
    remove_document(corpus, "policy.pdf")
    assert not (corpus / "policy.pdf").exists() and (tmp_path / "keep.pdf").exists()
    with pytest.raises(BenefitsQAError, match="already removed"):
        remove_document(corpus, "policy.pdf")


def test_an_upload_of_an_existing_name_replaces_only_when_asked(tmp_path):
    """Issue #20, point 8: "leave policy.pdf" cleaned to an existing file's name replaced it silently."""
    from ingest.errors import UploadExistsError

    corpus = tmp_path / "corpus"
    save_upload(corpus, "leave-policy.pdf", PDF, max_bytes=1000)
    newer = PDF + b"\n% newer"
    with pytest.raises(UploadExistsError, match="Replace documents of the same name"):
        save_upload(corpus, "leave policy.pdf", newer, max_bytes=1000)
    assert (corpus / "leave-policy.pdf").read_bytes() == PDF  # untouched
    saved = save_upload(corpus, "leave policy.pdf", newer, max_bytes=1000, replace=True)
    assert saved.replaced and saved.path.read_bytes() == newer
    assert [p.name for p in corpus.iterdir()] == ["leave-policy.pdf"]  # no temporary file left
