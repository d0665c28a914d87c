"""Answer → safe Markdown for the chat. Policy text is data: nothing in it may render as a link,
image, HTML or formatting, so every Markdown control character is escaped."""
from __future__ import annotations

import re

from rag.types import Answer, Citation

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~>$:])")
_CITATION_MARK = re.compile(r"\\\[(\d+)\\\]")


# GitHub-flavoured Markdown turns bare addresses into links even when escaped; a word joiner
# (U+2060, invisible) inside "://", "www." and "@" keeps them plain text.
_AUTOLINKS = re.compile(r"(?<=[A-Za-z])(?=://)|(?<=www)(?=\.)|(?<=\w)(?=@\w)", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """Every character Markdown (or Streamlit's extensions: $math$, :emoji:, <html>) could act on."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", _AUTOLINKS.sub("\u2060", text))


# An answer's pieces: each sentence (or run of sentences) ends at its citation markers.
_PIECE_END = re.compile(r"(?<=\])\s+(?=\S)")
_MARKERS = re.compile(r"((?:\s*\[\d+\])+)\s*$")


def answer_markdown(answer: Answer) -> str:
    """The answer with its [n] markers kept readable as bold reference numbers, and two or more
    table rows quoted in a row (ingest/tables.py statements) shown as a small table again."""
    return "\n\n".join(_paragraph_markdown(paragraph) for paragraph in answer.text.split("\n\n"))


def _prose(text: str) -> str:
    return _CITATION_MARK.sub(r"**[\1]**", escape_markdown(text))


def _paragraph_markdown(paragraph: str) -> str:
    from core.rows import statement_cells

    parts: list[str] = []
    prose: list[str] = []
    run: list[tuple[str, object, str]] = []  # (the piece as written, its RowCells, its markers)

    def flush_run() -> None:
        if len(run) >= 2:
            if prose:
                parts.append(_prose(" ".join(prose)))
                prose.clear()
            columns: list[str] = []
            for _, cells, _ in run:
                columns.extend(name for name, _ in cells.cells if name not in columns)
            lines = ["| | " + " | ".join(_cell(c) for c in columns) + " | |", "|" + " --- |" * (len(columns) + 2)]
            for _, cells, markers in run:
                values = dict(cells.cells)
                lines.append("| " + " | ".join(_cell(v) for v in [cells.label, *(values.get(c, "") for c in columns)])
                             + " | " + _prose(markers) + " |")
            parts.append("\n".join(lines))
        else:
            prose.extend(piece for piece, _, _ in run)
        run.clear()

    for piece in _PIECE_END.split(paragraph.strip()):
        found = _MARKERS.search(piece)
        cells = statement_cells(piece[:found.start()].strip()) if found else None
        if cells is None or not cells.label:
            flush_run()
            prose.append(piece)
        else:
            run.append((piece, cells, found.group(1).strip()))
    flush_run()
    if prose:
        parts.append(_prose(" ".join(prose)))
    return "\n\n".join(parts)



def citation_heading(citation: Citation) -> str:
    return escape_markdown(f"[{citation.n}] {citation.label()}")


def passage_markdown(sentences: list[str], quoted: set[str]) -> str:
    """A section as escaped Markdown with the quoted sentences in bold: the quote in its context."""
    return " ".join(f"**{escape_markdown(s)}**" if s in quoted else escape_markdown(s) for s in sentences)


# A cited sheet can hold thousands of rows; the viewer shows those around the quoted ones.
MAX_TABLE_ROWS = 30


def _cell(text: str) -> str:
    return escape_markdown(text).replace("\n", " ")  # '|' is escaped by escape_markdown


def _is_quoted(sentence: str, quoted: set[str]) -> bool:
    # The quote is split at sentence ends for marking, a row statement is not: a piece counts.
    return sentence in quoted or any(len(q) > 12 and q in sentence for q in quoted)


def context_markdown(sentences: list[str], quoted: set[str]) -> str:
    """A section in context: its table rows (ingest/tables.py statements, two or more in a run) as
    a small Markdown table with the quoted rows in bold, its other sentences as a passage."""
    from core.rows import statement_cells

    parts: list[str] = []
    run: list[tuple[str, object]] = []
    prose: list[str] = []

    def flush_prose():
        if prose:
            parts.append(passage_markdown(prose, quoted))
            prose.clear()

    def flush_run():
        if len(run) >= 2:
            flush_prose()
            parts.append(_rows_markdown(run, quoted))
        else:
            prose.extend(s for s, _ in run)
        run.clear()

    for sentence in sentences:
        cells = statement_cells(sentence)
        if cells is None:
            flush_run()
            prose.append(sentence)
        else:
            run.append((sentence, cells))
    flush_run()
    flush_prose()
    return "\n\n".join(parts)


def _rows_markdown(run: list, quoted: set[str]) -> str:
    marked = [i for i, (s, _) in enumerate(run) if _is_quoted(s, quoted)]
    start = 0
    if len(run) > MAX_TABLE_ROWS:
        middle = marked[0] if marked else 0
        start = max(0, min(middle - MAX_TABLE_ROWS // 2, len(run) - MAX_TABLE_ROWS))
    shown = run[start:start + MAX_TABLE_ROWS]
    columns: list[str] = []
    for _, cells in shown:
        columns.extend(name for name, _ in cells.cells if name not in columns)
    lines = ["| | " + " | ".join(_cell(c) for c in columns) + " |", "|" + " --- |" * (len(columns) + 1)]
    for sentence, cells in shown:
        values = dict(cells.cells)
        row = [cells.label, *(values.get(c, "") for c in columns)]
        bold = _is_quoted(sentence, quoted)
        lines.append("| " + " | ".join(f"**{_cell(v)}**" if bold and v else _cell(v) for v in row) + " |")
    note = []
    if start or start + len(shown) < len(run):
        note = [escape_markdown(f"(rows {start + 1}–{start + len(shown)} of {len(run)} in this part)")]
    return "\n".join(lines + ([""] + note if note else []))
