"""HTML FAQ pages → sections: navigation and scripts dropped, each question kept with its answer."""
from __future__ import annotations

import warnings
from pathlib import Path

from ingest.text_utils import clean, find_effective_date, find_version
from ingest.errors import ParseError
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
    state = {"heading": "", "paragraphs": [], "inline": []}

    def end_paragraph():
        text = clean(" ".join(state["inline"]))
        if text:
            state["paragraphs"].append(text)
        state["inline"] = []

    def end_section():
        end_paragraph()
        if state["paragraphs"]:
            sections.append(Section(heading=state["heading"], text="\n".join(state["paragraphs"])))
        state["paragraphs"] = []

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
            elif name == "tr":
                end_paragraph()
                cells = [clean(c.get_text(" ")) for c in child.find_all(["td", "th"])]
                row = " | ".join(c for c in cells if c)
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
