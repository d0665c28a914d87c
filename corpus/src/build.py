#!/usr/bin/env python3
"""Build the default corpus: corpus/src/pdf/<stem>.txt -> corpus/<stem>.pdf, and the Word, Excel,
PowerPoint and scanned-page sources in corpus/src/{docx,xlsx,pptx,scan}/ (corpus/src/office.py).

The source markup is described in corpus/src/FORMAT.md. The build is deterministic
(reportlab ``invariant=1``): the same sources give the same bytes, so a rebuild does not
look like a change to ingestion.

    build.py                 build every source
    build.py --only STEM     build one source
    build.py --check         exit 1 if a committed file differs from a fresh build
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, NextPageTemplate, PageBreak,
                                PageTemplate, Paragraph, Spacer, Table, TableStyle)

SRC = Path(__file__).resolve().parent / "pdf"
OUT = Path(__file__).resolve().parent.parent
EMPLOYER = "Larkspur Analytics, Inc."
MARGIN = 0.9 * inch
GUTTER = 0.3 * inch
PAGE_W, PAGE_H = letter
HEADER_KEYS = {"title", "subtitle", "doc_id", "version", "effective", "status", "supersedes", "superseded_by"}

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14.5, spaceAfter=7)
STYLES = {
    "body": BODY,
    "h1": ParagraphStyle("h1", BODY, fontName="Helvetica-Bold", fontSize=14, leading=18, spaceBefore=12, spaceAfter=6),
    "h2": ParagraphStyle("h2", BODY, fontName="Helvetica-Bold", fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
    "h3": ParagraphStyle("h3", BODY, fontName="Helvetica-BoldOblique", fontSize=10.5, leading=14, spaceBefore=4, spaceAfter=3),
    "bullet": ParagraphStyle("bullet", BODY, leftIndent=16, bulletIndent=5, spaceAfter=3),
    "note": ParagraphStyle("note", BODY, backColor=colors.HexColor("#EEF3F8"), borderColor=colors.HexColor("#7A95B0"),
                           borderWidth=0.6, borderPadding=6, leftIndent=6, rightIndent=6, spaceBefore=8, spaceAfter=14),
    "cell": ParagraphStyle("cell", BODY, fontSize=9.5, leading=12, spaceAfter=0),
    "hcell": ParagraphStyle("hcell", BODY, fontName="Helvetica-Bold", fontSize=9.5, leading=12, spaceAfter=0),
    "title": ParagraphStyle("title", BODY, fontName="Helvetica-Bold", fontSize=20, leading=24, spaceAfter=4),
    "subtitle": ParagraphStyle("subtitle", BODY, fontSize=13, leading=17, textColor=colors.HexColor("#333333")),
    "meta": ParagraphStyle("meta", BODY, fontSize=9.5, leading=12.5, spaceAfter=2, textColor=colors.HexColor("#444444")),
}


def inline(text: str) -> str:
    """Escape XML specials, then turn **bold** / *italic* into reportlab tags."""
    text = escape(text.strip())
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)


def parse(path: Path) -> tuple[dict, list[str]]:
    head, sep, body = path.read_text(encoding="utf-8").partition("\n===\n")
    if not sep:
        sys.exit(f"{path}: missing '===' line after the header")
    meta = {}
    for line in head.splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            if key.strip() not in HEADER_KEYS:
                sys.exit(f"{path}: unknown header key {key.strip()!r}")
            meta[key.strip()] = value.strip()
    missing = {"title", "doc_id", "version", "effective", "status"} - meta.keys()
    if missing:
        sys.exit(f"{path}: header lacks {sorted(missing)}")
    return meta, body.splitlines()


def long_date(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d:%B} {d.day}, {d.year}"


def make_table(rows: list[list[str]], width: float) -> Table:
    # Column widths follow the longest cell of each column, clamped so no column starves.
    weights = [min(max(max(len(r[i]) if i < len(r) else 0 for r in rows), 6), 45) for i in range(len(rows[0]))]
    widths = [width * w / sum(weights) for w in weights]
    data = [[Paragraph(inline(c), STYLES["hcell" if n == 0 else "cell"]) for c in r] for n, r in enumerate(rows)]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8C8C8C")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE4EC")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    table.spaceAfter = 10
    return table


@dataclass(frozen=True)
class Block:
    """One piece of a source's body, as corpus/src/FORMAT.md writes it: a heading (level 1-3), a
    paragraph (its lines joined), a bullet, a note, a table (rows of cells), a page break or a
    column switch (level 1 or 2). Every writer (PDF here, Word in office.py) reads these."""

    kind: str
    text: str = ""
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()


def blocks(lines: list[str]) -> Iterator[Block]:
    para: list[str] = []     # lines of the paragraph being collected
    rows: list[tuple[str, ...]] = []

    def flush() -> Iterator[Block]:
        if para:
            yield Block("paragraph", " ".join(para))
            para.clear()
        if rows:
            yield Block("table", rows=tuple(rows))
            rows.clear()

    for raw in lines + [""]:
        line = raw.strip()
        if not line:
            yield from flush()
        elif line.startswith("|"):
            if para:           # a table directly after a paragraph line ends that paragraph
                yield from flush()
            rows.append(tuple(c.strip() for c in line.strip("|").split("|")))
        elif m := re.match(r"(#{1,3}) (.*)", line):
            yield from flush()
            yield Block("heading", m.group(2), level=len(m.group(1)))
        elif line.startswith("- "):
            yield from flush()
            yield Block("bullet", line[2:])
        elif line.startswith("> "):
            yield from flush()
            yield Block("note", line[2:])
        elif line == "[pagebreak]":
            yield from flush()
            yield Block("pagebreak")
        elif m := re.fullmatch(r"\[columns ([12])\]", line):
            yield from flush()
            yield Block("columns", level=int(m.group(1)))
        else:
            if rows:           # text directly after a table row ends the table
                yield from flush()
            para.append(line)


def story_for(meta: dict, lines: list[str], width: float, col_width: float) -> list:
    story = [Paragraph(inline(meta["title"]), STYLES["title"])]
    if meta.get("subtitle"):
        story.append(Paragraph(inline(meta["subtitle"]), STYLES["subtitle"]))
    facts = [f"Effective {long_date(meta['effective'])}", f"Version {meta['version']}",
             f"Document ID {meta['doc_id']}", f"Status: {meta['status'].capitalize()}"]
    story.append(Paragraph(escape(" | ".join(facts)), STYLES["meta"]))
    if meta.get("supersedes"):
        story.append(Paragraph(escape(f"Supersedes: {meta['supersedes']}"), STYLES["meta"]))
    if meta["status"] == "superseded" and meta.get("superseded_by"):
        story.append(Paragraph(escape(f"Superseded by {meta['superseded_by']}"), STYLES["meta"]))
    story.append(Spacer(1, 14))

    held: list = []          # headings waiting to be kept together with what follows them
    current_width = width

    def emit(flowable) -> None:
        if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2", "h3"):
            held.append(flowable)
        elif held:
            story.append(KeepTogether(held + [flowable]))
            held.clear()
        else:
            story.append(flowable)

    for block in blocks(lines):
        if block.kind == "paragraph":
            emit(Paragraph(inline(block.text), STYLES["body"]))
        elif block.kind == "table":
            emit(make_table([list(r) for r in block.rows], current_width))
        elif block.kind == "heading":
            emit(Paragraph(inline(block.text), STYLES[f"h{block.level}"]))
        elif block.kind == "bullet":
            emit(Paragraph(inline(block.text), STYLES["bullet"], bulletText="\u2022"))
        elif block.kind == "note":
            emit(Paragraph(inline(block.text), STYLES["note"]))
        elif block.kind == "pagebreak":
            story.extend(held + [PageBreak()])
            held.clear()
        elif block.kind == "columns":
            # A layout switch starts a new page (platypus switches templates at page boundaries).
            story.extend(held)
            held.clear()
            name = "two" if block.level == 2 else "one"
            current_width = col_width if name == "two" else width
            if story and isinstance(story[-1], PageBreak):
                story.insert(len(story) - 1, NextPageTemplate(name))
            else:
                story.extend([NextPageTemplate(name), PageBreak()])
    story.extend(held)
    return story


def numbered_canvas(meta: dict):
    """Canvas that defers page decoration until the total page count is known."""
    header = f"{EMPLOYER} | {meta['title']} | Effective {long_date(meta['effective'])}"

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(MARGIN, PAGE_H - 0.55 * inch, header)
                self.line(MARGIN, PAGE_H - 0.62 * inch, PAGE_W - MARGIN, PAGE_H - 0.62 * inch)
                self.line(MARGIN, 0.68 * inch, PAGE_W - MARGIN, 0.68 * inch)
                self.drawString(MARGIN, 0.5 * inch,
                                f"{meta['doc_id']} v{meta['version']} | Internal | Page {number} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def build(path: Path) -> bytes:
    meta, lines = parse(path)
    width = PAGE_W - 2 * MARGIN
    height = PAGE_H - 2 * MARGIN
    col_width = (width - GUTTER) / 2
    one = Frame(MARGIN, MARGIN, width, height, id="one", leftPadding=0, rightPadding=0)
    left = Frame(MARGIN, MARGIN, col_width, height, id="left", leftPadding=0, rightPadding=0)
    right = Frame(MARGIN + col_width + GUTTER, MARGIN, col_width, height, id="right", leftPadding=0, rightPadding=0)
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=letter, invariant=1, title=meta["title"], author=EMPLOYER, creator="corpus/src/build.py",
        subject=f"{meta['doc_id']} v{meta['version']}, effective {meta['effective']}",
        leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN)
    # The first template listed is used for the first page.
    doc.addPageTemplates([PageTemplate(id="one", frames=[one]), PageTemplate(id="two", frames=[left, right])])
    doc.build(story_for(meta, lines, width, col_width), canvasmaker=numbered_canvas(meta))
    return buf.getvalue()


def sources() -> list[tuple[Path, object, str]]:
    """Every source with its builder and the built file's suffix: pdf/ here, the Word, Excel,
    PowerPoint and scanned-page folders in corpus/src/office.py."""
    from office import BUILDERS

    found = [(src, build, ".pdf") for src in sorted(SRC.glob("*.txt"))]
    for folder, (builder, suffix) in BUILDERS.items():
        found += [(src, builder, suffix) for src in sorted((SRC.parent / folder).glob("*.txt"))]
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", metavar="STEM", help="build only the source named STEM (in any folder)")
    ap.add_argument("--check", action="store_true", help="verify committed files instead of writing them")
    args = ap.parse_args()
    chosen = sources()
    if args.only:
        chosen = [s for s in chosen if s[0].stem == args.only]
        if not chosen:
            sys.exit(f"no source named {args.only}.txt in {SRC.parent}")
    stale = []
    for src, builder, suffix in chosen:
        built, target = builder(src), OUT / f"{src.stem}{suffix}"
        if args.check:
            if not target.exists() or target.read_bytes() != built:
                stale.append(target.name)
        else:
            target.write_bytes(built)
            print(f"built {target.relative_to(OUT.parent)}")
    if stale:
        print("out of date (run corpus/src/build.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
