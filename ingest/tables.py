"""Tables as quotable statements: each row becomes one sentence that carries its column headers,
so a lone cell ("$11.30") can be cited with what it means ("Dental, Employee + children: $11.30").
Every parser that finds a table (PDF, Word, HTML, spreadsheets) writes its rows through here."""
from __future__ import annotations

from dataclasses import dataclass

from ingest.text_utils import clean

_LABEL_MARK = " — "  # between the row's name and its cells
_CELL_SEPARATOR = "; "
_NAME_MARK = ": "


@dataclass(frozen=True)
class Table:
    """A table as a parser found it: one header row, then body rows (cells as text, '' if empty).
    `caption` holds the lines above the header (a sheet's title row), `numbers` each body row's
    number in its file (a spreadsheet's row numbers; empty when the format has none)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()


def table_from_grid(grid: list[list[str]], numbers: list[int] | None = None) -> Table | None:
    """A Table from a grid of cells as read (rows of any width, '' for blank cells), or None when
    it holds no text. Blank rows and columns are dropped; the first filled row is the header, except
    that leading rows with one filled cell above a wider row are a caption ("2026 Premium Rates").
    A body row with a blank first cell under a filled one takes the name above: that is how a
    merged or visually grouped row label reads ("Dental PPO" over its three coverage tiers)."""
    numbers = list(numbers) if numbers is not None else []
    cells = [[clean(c) for c in row] for row in grid]
    kept = [i for i, row in enumerate(cells) if any(row)]
    if not kept:
        return None
    width = max(len(cells[i]) for i in kept)
    rows = [cells[i] + [""] * (width - len(cells[i])) for i in kept]
    row_numbers = [numbers[i] for i in kept] if numbers else []
    columns = [c for c in range(width) if any(row[c] for row in rows)]
    rows = [[row[c] for c in columns] for row in rows]

    caption: list[str] = []
    while len(rows) > 1 and sum(1 for c in rows[0] if c) == 1 and sum(1 for c in rows[1] if c) > 1:
        caption.append(next(c for c in rows[0] if c))
        rows, row_numbers = rows[1:], row_numbers[1:]
    header, body = rows[0], rows[1:]
    filled: list[tuple[str, ...]] = []
    for row in body:
        if not row[0] and any(row[1:]) and filled and filled[-1][0]:
            row = [filled[-1][0], *row[1:]]
        filled.append(tuple(row))
    return Table(header=tuple(header), rows=tuple(filled), caption=tuple(caption),
                 numbers=tuple(row_numbers[1:]))


def row_statement(header: tuple[str, ...], row: tuple[str, ...]) -> str:
    """One row as a sentence. The first cell names the row (under its header too when it is only a
    figure); each other filled cell is given under its column header:
    "Dental — Employee only: $5.10; Employee + children: $11.30."."""
    cells = [clean(c) for c in row]
    names = [clean(h) for h in header] + [""] * max(0, len(cells) - len(header))
    if len(cells) == 1 and names[0] and cells[0]:  # a one-column table: the header names each cell
        return _end(f"{names[0]}{_NAME_MARK}{cells[0]}")
    label, rest = (cells[0], list(zip(names[1:], cells[1:]))) if cells else ("", [])
    if label and names[0] and not any(c.isalpha() for c in label):
        # A bare figure names nothing alone ("3"): it keeps its header ("Years of service: 3").
        label = f"{names[0]}{_NAME_MARK}{label}"
    parts = [f"{name}{_NAME_MARK}{value}" if name else value for name, value in rest if value]
    if not parts:
        return label
    body = _CELL_SEPARATOR.join(parts)
    return _end(f"{label}{_LABEL_MARK}{body}" if label else body)


def _end(statement: str) -> str:
    return statement if statement.endswith((".", "!", "?")) else statement + "."


def table_lines(table: Table) -> list[str]:
    """The table as lines (the chunker keeps lines apart): its caption, then each row as a
    statement; rows that hold nothing are skipped. A table of one row (a layout box, a banner) is
    its cells as one line."""
    if not table.rows:
        return [*table.caption, " ".join(c for c in table.header if c)]
    return [*table.caption, *(s for s in (row_statement(table.header, row) for row in table.rows) if s)]


@dataclass(frozen=True)
class RowCells:
    """A row statement read back into its parts: the row's name and its (column, value) cells."""

    label: str
    cells: tuple[tuple[str, str], ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for _, value in self.cells)


def statement_cells(statement: str) -> RowCells | None:
    """The inverse of row_statement for what it writes, or None for a sentence that is not a row
    statement (prose). Strict: every cell must be "column: value". Used to show a section's cited
    rows as a table again."""
    text = statement.strip()
    if not text.endswith(".") or _NAME_MARK not in text:
        return None
    text = text[:-1]
    label, mark, body = text.partition(_LABEL_MARK)
    if not mark:
        label, body = "", text
    cells = []
    for part in body.split(_CELL_SEPARATOR):
        name, found, value = part.partition(_NAME_MARK)
        if not found or not name or not value or len(name.split()) > 8:
            return None  # a long "name" is a clause of prose, not a column header
        cells.append((name, value))
    return RowCells(label=label, cells=tuple(cells))


def row_cells(statement: str) -> RowCells | None:
    """The cells of a statement that row_statement wrote, or None for any other sentence. Lenient,
    for finding a row on its page: a cell without a header keeps '' as its column, a value that
    itself holds "; " comes back in pieces (each still text of its cell), and a bare figure's label
    loses the header it was given ("Years of service: 3": the cell holds the 3)."""
    label, sep, body = clean(statement).partition(_LABEL_MARK)
    if not sep or not label or not body:
        return None
    if _NAME_MARK in label and not any(c.isalpha() for c in label.rsplit(_NAME_MARK, 1)[1]):
        label = label.rsplit(_NAME_MARK, 1)[1]
    body = body[:-1] if body.endswith(".") else body
    cells = []
    for piece in body.split(_CELL_SEPARATOR):
        name, found, value = piece.partition(_NAME_MARK)
        name, value = (name, value) if found else ("", piece)
        if value:
            cells.append((name, value))
    return RowCells(label, tuple(cells)) if cells else None
