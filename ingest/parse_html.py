"""HTML FAQ pages → sections: navigation and scripts dropped, each question kept with its answer."""
from __future__ import annotations

import warnings
from pathlib import Path

from ingest.text_utils import clean, find_effective_date, find_version
from ingest.errors import ParseError
from ingest.tables import table_from_grid, table_lines
from ingest.types import ParsedDocument, Section

_DROP = ["script", "style", "noscript", "template", "iframe", "svg", "canvas", "nav", "footer",
         "form", "button", "input", "select", "textarea", "object", "embed", "img", "video", "audio"]
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search"}
# Elements whose text names what follows: headings, and the question parts of FAQ widgets.
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "summary", "dt"}
_BLOCKS = {"p", "div", "section", "article", "main", "ul", "ol", "li", "dl", "dd", "details",
           "table", "thead", "tbody", "tfoot", "blockquote", "pre", "header", "aside", "figure",
           "figcaption", "address", "body", "html", "hr", "br"}
_SITE_SEPARATORS = (" | ", " – ", " — ", " :: ")


def parse_html(path: Path, source: str) -> ParsedDocument:
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(source, "the file is binary, not an HTML page",
                         "check that it is the page itself and not an attachment")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        # Bytes in: BeautifulSoup honours <meta charset> and BOMs, and guesses the rest.
        soup = BeautifulSoup(data, "html.parser")

    page_title = clean(soup.title.get_text()) if soup.title else ""
    for tag in soup(_DROP):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": True}):
        if not tag.decomposed and str(tag.get("role", "")).lower() in _DROP_ROLES:
            tag.decompose()
    for tag in soup.find_all(class_=lambda c: c and "breadcrumb" in " ".join(c if isinstance(c, list) else [c]).lower()):
        if not tag.decomposed:
            tag.decompose()
    root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article") or soup.body or soup

    sections: list[Section] = []
    state = {"heading": "", "paragraphs": [], "inline": [], "rows": []}

    def end_paragraph():
        text = clean(" ".join(state["inline"]))
        if text:
            state["paragraphs"].append(text)
        state["inline"] = []

    def end_section():
        end_paragraph()
        if state["paragraphs"]:
            sections.append(Section(heading=state["heading"], text="\n".join(state["paragraphs"]),
                                    rows=tuple(state["rows"])))
        state["paragraphs"], state["rows"] = [], []

    def walk(node):
        for child in node.children:
            name = getattr(child, "name", None)
            if name is None:
                if type(child).__name__ in ("NavigableString", "CData"):
                    state["inline"].append(str(child))
                continue
            if name in _HEADINGS:
                end_section()
                state["heading"] = clean(child.get_text(" "))
            elif name == "table":
                end_paragraph()
                table = table_from_grid(_grid(child))
                if table:
                    lines = table_lines(table)
                    state["paragraphs"].extend(lines)
                    state["rows"].extend(lines[len(table.caption):] if table.rows else [])
            elif name == "tr":  # a row outside any table (broken markup): its cells on one line
                end_paragraph()
                row = " ".join(c for c in (clean(c.get_text(" ")) for c in child.find_all(["td", "th"])) if c)
                if row:
                    state["paragraphs"].append(row)
            elif name in _BLOCKS:
                end_paragraph()
                walk(child)
                end_paragraph()
            else:
                walk(child)  # inline element: its text joins the current paragraph

    walk(root)
    end_section()
    if not sections:
        raise ParseError(source, "the page has no readable text",
                         "check that it is the FAQ page itself, not a login or redirect page")

    title = page_title
    for sep in _SITE_SEPARATORS:  # "Short-Term Disability FAQ | PeopleHub" → the page's own name
        if sep in title:
            title = title.split(sep)[0].strip()
            break
    if not title:
        h1 = soup.find("h1")
        title = clean(h1.get_text(" ")) if h1 else Path(source).stem.replace("-", " ").title()
    full_text = " ".join(s.text for s in sections[:3])
    return ParsedDocument(source=source, title=title, sections=tuple(sections), kind="html",
                          version=find_version(full_text), effective_date=find_effective_date(full_text))


def _span(cell, attribute: str) -> int:
    try:  # spans past a real table's size are markup errors; 50 keeps a hostile page cheap
        return max(1, min(50, int(str(cell.get(attribute, "1")).strip() or 1)))
    except ValueError:
        return 1


def _grid(table) -> list[list[str]]:
    """The table's own rows (not those of tables inside its cells) as a grid of cell texts, with
    colspan and rowspan laid out: a spanned cell's text in its first column, and repeated down the
    rows it spans, so each value stays under its column header."""
    own = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column → (text, rows still to fill) from a rowspan
    for tr in own:
        row: list[str] = []
        cells = iter(tr.find_all(["td", "th"], recursive=False))
        column = 0
        while True:
            if column in carried:
                text, left = carried[column]
                row.append(text)
                carried = {**carried, column: (text, left - 1)} if left > 1 else {k: v for k, v in carried.items() if k != column}
                column += 1
                continue
            cell = next(cells, None)
            if cell is None:
                if not any(c >= column for c in carried):
                    break
                row.append("")
                column += 1
                continue
            text = clean(cell.get_text(" "))
            down = _span(cell, "rowspan")
            for offset in range(_span(cell, "colspan")):
                row.append(text if offset == 0 else "")
                if down > 1 and offset == 0:
                    carried[column] = (text, down - 1)
                column += 1
        grid.append(row)
    return grid
