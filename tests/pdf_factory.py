"""Real PDFs for tests, made with reportlab: pages with running header/footer, headings, body."""
from __future__ import annotations

from pathlib import Path


def make_policy_pdf(path: Path, title: str, pages: list[list[tuple[str, str]]],
                    header: str = "Acme Corp | Policy", effective: str = "2026-01-01") -> Path:
    """pages: per page, a list of (heading, paragraph) pairs; heading may be ''."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, letter[1] - 40, header)
        canvas.drawString(72, 30, f"Internal | Page {doc.page}")
        canvas.restoreState()

    story = [Paragraph(title, styles["Title"]), Paragraph(f"Effective {effective}", styles["Normal"])]
    for number, page in enumerate(pages):
        if number:
            story.append(PageBreak())
        for heading, paragraph in page:
            if heading:
                story.append(Paragraph(heading, styles["Heading2"]))
            story.append(Paragraph(paragraph, styles["BodyText"]))
            story.append(Spacer(1, 6))
    doc = SimpleDocTemplate(str(path), pagesize=letter, title=title, invariant=1)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return path


def shared_stream_pdf(path: Path, pages: int = 2000) -> Path:
    """Many pages sharing one content stream: a small file with a great deal of text (issue #20)."""
    import io

    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    for line in range(45):
        page.drawString(40, 760 - 16 * line, f"Employees accrue paid leave as set out in section {line}. Leave is paid.")
    page.showPage()
    page.save()
    first = PdfReader(buffer).pages[0]
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_page(first)
    with open(path, "wb") as out:
        writer.write(out)
    return path
