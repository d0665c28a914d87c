"""A scanned PDF (an image, no text layer) is read by OCR when ocrmypdf and tesseract are
installed, and cited by page; without them it fails with today's hint."""
import json
import shutil
from pathlib import Path

import pytest

from core.ledger import ocr_copy_path
from tests.conftest import run_cli
from tests.pdf_factory import make_policy_pdf
from ui.pages import find_highlight_boxes

needs_engine = pytest.mark.skipif(not (shutil.which("ocrmypdf") and shutil.which("tesseract")),
                                  reason="ocrmypdf and tesseract are not installed (`make ocr`)")

SCANNED_FACT = "Employees may carry over up to 40 hours of unused vacation into the next calendar year."


def scanned_copy(text_pdf: Path, scan: Path, dpi: int = 200) -> Path:
    """Each page of `text_pdf` rendered to a picture, and the pictures written as an image-only PDF."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(text_pdf))
    images = [pdf[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(pdf))]
    pdf.close()
    images[0].save(scan, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return scan


@pytest.fixture
def scan_folder(tmp_path):
    text_pdf = make_policy_pdf(tmp_path / "text.pdf", "Vacation Carryover Policy", [
        [("1. Purpose", "This policy explains how unused vacation is treated at the end of the year.")],
        [("2. Carryover", SCANNED_FACT + " Hours above 40 are forfeited on January 1.")],
    ])
    folder = tmp_path / "docs"
    folder.mkdir()
    scanned_copy(text_pdf, folder / "vacation-scan.pdf")
    return folder


def test_scan_has_no_text_layer(scan_folder):
    from pypdf import PdfReader

    assert not any((p.extract_text() or "").strip() for p in PdfReader(scan_folder / "vacation-scan.pdf").pages)


@needs_engine
def test_scan_is_read_by_ocr_and_cited_by_page(scan_folder, tmp_path):
    index = tmp_path / "index"
    original = (scan_folder / "vacation-scan.pdf").read_bytes()
    ingest = run_cli("ingest", scan_folder, "--json", index=index)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert (scan_folder / "vacation-scan.pdf").read_bytes() == original  # the maintainer's file is untouched

    asked = run_cli("ask", "how many vacation hours can I carry over?", "--json", index=index)
    answer = json.loads(asked.stdout)
    assert not answer["abstained"], answer
    cited = [c for c in answer["citations"] if c["source"] == "vacation-scan.pdf"]
    assert cited and cited[0]["page"] == 2
    assert "40 hours" in answer["answer"]

    # The viewer draws the OCR'd copy kept beside the index, where the quote can be highlighted.
    import hashlib
    copy = ocr_copy_path(index, hashlib.sha256(original).hexdigest())
    assert copy.is_file()
    assert find_highlight_boxes(copy, 2, ["up to 40 hours of unused vacation"])
    assert not find_highlight_boxes(scan_folder / "vacation-scan.pdf", 2, ["up to 40 hours of unused vacation"])


def test_scan_without_engine_fails_with_hint(scan_folder, tmp_path):
    empty = tmp_path / "no-tools"
    empty.mkdir()
    ingest = run_cli("ingest", scan_folder, "--json", index=tmp_path / "index", env={"PATH": str(empty)})
    report = json.loads(ingest.stdout)
    failed = [f for f in report["files"] if f["source"] == "vacation-scan.pdf"]
    assert failed and failed[0]["status"] == "failed"
    assert "no text layer" in failed[0]["reason"] and "ocrmypdf" in failed[0]["hint"]
