"""Build the default corpus's Word, Excel and PowerPoint files and its scanned page from sources in
corpus/src/{docx,xlsx,pptx,scan}/<stem>.txt (markup in corpus/src/FORMAT.md).

Every builder returns the file's bytes and is deterministic, like the PDFs: an Office file is a zip
whose entries carry a time and whose docProps/core.xml names when it was made, so both are pinned
(to the document's effective date), and a rebuild is byte for byte the same file."""
from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

from build import EMPLOYER, blocks, build as build_pdf, long_date, parse

# **bold** spans in a line of source text.
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MONEY = re.compile(r"^-?\$(\d{1,3}(?:,\d{3})*|\d+)(\.\d+)?$")
_PERCENT = re.compile(r"^-?(\d+)(\.\d+)?%$")
_INTEGER = re.compile(r"^-?(\d{1,3}(?:,\d{3})+|\d+)$")


def _pinned(data: bytes, iso_date: str) -> bytes:
    """The zip again with every entry dated `iso_date` and docProps/core.xml's times set to it."""
    year, month, day = (int(p) for p in iso_date.split("-"))
    stamp = f"{iso_date}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(item.filename, date_time=(year, month, day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, body)
    return out.getvalue()


def _meta_line(meta: dict) -> str:
    return " | ".join([f"Effective {long_date(meta['effective'])}", f"Version {meta['version']}",
                       f"Document ID {meta['doc_id']}", f"Status: {meta['status'].capitalize()}"])


def _add_runs(paragraph, text: str) -> None:
    """The text into runs, **bold** spans bold (single *italic* marks are dropped as markup)."""
    for n, part in enumerate(_BOLD.split(text.strip())):
        if part:
            paragraph.add_run(part.replace("*", "")).bold = bool(n % 2)


def build_docx(path: Path) -> bytes:
    """A Word document: Title, a line of facts, Heading 1-3, paragraphs, bullets, tables, notes."""
    import docx

    meta, lines = parse(path)
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.subject = meta["title"], EMPLOYER, f"{meta['doc_id']} v{meta['version']}"
    document.add_paragraph(meta["title"], style="Title")
    if meta.get("subtitle"):
        document.add_paragraph(meta["subtitle"], style="Subtitle")
    document.add_paragraph(_meta_line(meta))
    for block in blocks(lines):  # page breaks and columns do not apply: a Word file has no fixed pages
        if block.kind == "paragraph":
            _add_runs(document.add_paragraph(), block.text)
        elif block.kind == "table":
            table = document.add_table(rows=len(block.rows), cols=max(len(r) for r in block.rows))
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, value in enumerate(row):
                    _add_runs(table.cell(r, c).paragraphs[0], f"**{value}**" if r == 0 and value else value)
        elif block.kind == "heading":
            document.add_heading(block.text.strip(), level=block.level)
        elif block.kind == "bullet":
            _add_runs(document.add_paragraph(style="List Bullet"), block.text)
        elif block.kind == "note":
            _add_runs(document.add_paragraph(style="Intense Quote"), block.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return _pinned(buffer.getvalue(), meta["effective"])


def _typed(cell, text: str) -> None:
    """Store what a person typed as Excel would: "$39.69" a number shown as money, "4%" a share,
    "5,250" a number with separators; anything else (dates included) as the text typed."""
    if m := _MONEY.match(text):
        cell.value = float(text.replace("$", "").replace(",", ""))
        cell.number_format = '"$"#,##0' + (".00" if m.group(2) else "")
    elif m := _PERCENT.match(text):
        cell.value = float(text[:-1]) / 100
        cell.number_format = "0" + ("." + "0" * (len(m.group(2)) - 1) if m.group(2) else "") + "%"
    elif _INTEGER.match(text):
        cell.value = int(text.replace(",", ""))
        cell.number_format = "#,##0" if "," in text else "0"
    else:
        cell.value = text


def build_xlsx(path: Path) -> bytes:
    """A workbook: one sheet per '## Sheet: <name>' block, its title line in A1, its table below (the
    header row bold), and note lines under the table after a blank row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    meta, lines = parse(path)
    book = Workbook()
    book.remove(book.active)
    book.properties.title, book.properties.creator = meta["title"], EMPLOYER
    sheet = None
    row = 1
    in_table = False
    for raw in lines:
        line = raw.strip()
        if m := re.fullmatch(r"## Sheet: (.+)", line):
            sheet, row, in_table = book.create_sheet(m.group(1).strip()[:31]), 1, False
        elif sheet is None or not line:
            continue
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            for column, value in enumerate(cells, start=1):
                if value:
                    _typed(sheet.cell(row=row, column=column), value)
                    if not in_table:
                        sheet.cell(row=row, column=column).font = Font(bold=True)
            in_table, row = True, row + 1
        else:
            if in_table:  # notes under a table stand apart from it
                row, in_table = row + 1, False
            sheet.cell(row=row, column=1, value=line.replace("**", ""))
            row += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return _pinned(buffer.getvalue(), meta["effective"])


def build_pptx(path: Path) -> bytes:
    """A deck: a title slide, then one slide per '## Slide: <title>' block with its bullets and
    plain lines in the body, a table when the block has one, and its 'notes:' lines as speaker notes."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    meta, lines = parse(path)
    deck = Presentation()
    deck.core_properties.title, deck.core_properties.author = meta["title"], EMPLOYER
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = meta["title"]
    first.placeholders[1].text = meta.get("subtitle") or _meta_line(meta)

    blocks: list[tuple[str, list[str]]] = []
    for raw in lines:
        line = raw.strip()
        if m := re.fullmatch(r"## Slide: (.+)", line):
            blocks.append((m.group(1).strip(), []))
        elif line and blocks:
            blocks[-1][1].append(line)
    for title, body in blocks:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        text = [line for line in body if not line.startswith(("|", "notes:"))]
        table = [[c.strip() for c in line.strip("|").split("|")] for line in body if line.startswith("|")]
        notes = " ".join(line[len("notes:"):].strip() for line in body if line.startswith("notes:"))
        frame = slide.placeholders[1].text_frame
        for n, line in enumerate(text):
            paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
            paragraph.text = (line[2:] if line.startswith("- ") else line).replace("**", "")
        if table:
            top = Inches(1.6 + 0.45 * len(text))
            shape = slide.shapes.add_table(len(table), max(len(r) for r in table), Inches(0.5), top,
                                           Inches(9), Inches(0.4) * len(table))
            for r, cells in enumerate(table):
                for c, value in enumerate(cells):
                    cell = shape.table.cell(r, c)
                    cell.text = value
                    cell.text_frame.paragraphs[0].font.size = Pt(14)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    buffer = io.BytesIO()
    deck.save(buffer)
    return _pinned(buffer.getvalue(), meta["effective"])


def build_scan(path: Path, dpi: int = 200) -> bytes:
    """A printed-and-scanned page: the source built as a PDF, drawn to a grey image a little askew
    with speckle, and that image alone as a PDF (no text layer: only OCR can read it)."""
    import pypdfium2
    from PIL import Image, ImageFilter
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    meta, _ = parse(path)
    printed = pypdfium2.PdfDocument(build_pdf(path))
    image = printed[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(0.4, resample=Image.BICUBIC, expand=False, fillcolor=255)
    speckle = random.Random(meta["doc_id"])  # seeded: the same speckle on every build
    pixels = image.load()
    for _ in range(image.width * image.height // 2500):
        pixels[speckle.randrange(image.width), speckle.randrange(image.height)] = speckle.randrange(90, 200)
    image = image.filter(ImageFilter.GaussianBlur(0.5))
    if len(printed) != 1:
        raise SystemExit(f"{path}: a scanned memo must fit on one page (it takes {len(printed)})")
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=letter, invariant=1)
    canvas.setTitle("")  # a scanner names nothing
    canvas.drawImage(ImageReader(image), 0, 0, width=letter[0], height=letter[1])
    canvas.showPage()
    canvas.save()
    return out.getvalue()


BUILDERS = {"docx": (build_docx, ".docx"), "xlsx": (build_xlsx, ".xlsx"), "pptx": (build_pptx, ".pptx"),
            "scan": (build_scan, ".pdf")}
