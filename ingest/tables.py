"""Tables as quotable statements: each row becomes one sentence that carries its column headers,
so a lone cell ("$11.30") can be cited with what it means ("Dental, Employee + children: $11.30").
Every parser that finds a table (PDF, Word, HTML, spreadsheets) writes its rows through here."""
from __future__ import annotations

from dataclasses import dataclass

from core.rows import CELL_SEPARATOR, LABEL_MARK, NAME_MARK  # the format; core/rows.py reads it back
from ingest.text_utils import clean


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
        return _end(f"{names[0]}{NAME_MARK}{cells[0]}")
    label, rest = (cells[0], list(zip(names[1:], cells[1:]))) if cells else ("", [])
    if label and names[0] and not any(c.isalpha() for c in label):
        # A bare figure names nothing alone ("3"): it keeps its header ("Years of service: 3").
        label = f"{names[0]}{NAME_MARK}{label}"
    parts = [f"{name}{NAME_MARK}{value}" if name else value for name, value in rest if value]
    if not parts:
        return label
    body = CELL_SEPARATOR.join(parts)
    return _end(f"{label}{LABEL_MARK}{body}" if label else body)


def _end(statement: str) -> str:
    return statement if statement.endswith((".", "!", "?")) else statement + "."


def table_lines(table: Table) -> list[str]:
    """The table as lines (the chunker keeps lines apart): its caption, then each row as a
    statement; rows that hold nothing are skipped. A table of one row (a layout box, a banner) is
    its cells as one line."""
    if not table.rows:
        return [*table.caption, " ".join(c for c in table.header if c)]
    return [*table.caption, *(s for s in (row_statement(table.header, row) for row in table.rows) if s)]
