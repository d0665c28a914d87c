"""Tables as quotable statements: each row becomes one sentence that carries its column headers,
so a lone cell ("$11.30") can be cited with what it means ("Dental, Employee + children: $11.30").
Every parser that finds a table (PDF, Word, HTML, spreadsheets) writes its rows through here."""
from __future__ import annotations

from dataclasses import dataclass

from ingest.text_utils import clean


@dataclass(frozen=True)
class Table:
    """A table as a parser found it: one header row, then body rows (cells as text, '' if empty)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def row_statement(header: tuple[str, ...], row: tuple[str, ...]) -> str:
    """One row as a sentence. The first cell names the row (under its header too when it is only a
    figure); each other filled cell is given under its column header:
    "Dental — Employee only: $5.10; Employee + children: $11.30."."""
    cells = [clean(c) for c in row]
    names = [clean(h) for h in header] + [""] * max(0, len(cells) - len(header))
    label, rest = (cells[0], list(zip(names[1:], cells[1:]))) if cells else ("", [])
    if label and names[0] and not any(c.isalpha() for c in label):
        # A bare figure names nothing alone ("3"): it keeps its header ("Years of service: 3").
        label = f"{names[0]}: {label}"
    parts = [f"{name}: {value}" if name else value for name, value in rest if value]
    if not parts:
        return label
    body = "; ".join(parts)
    statement = f"{label} — {body}" if label else body
    return statement if statement.endswith((".", "!", "?")) else statement + "."


def table_lines(table: Table) -> list[str]:
    """The table's rows as statements, one per line (the chunker keeps lines apart); rows that
    hold nothing are skipped."""
    return [s for s in (row_statement(table.header, row) for row in table.rows) if s]


@dataclass(frozen=True)
class RowCells:
    """What a row statement says, back in cells: its label and its values (without headers)."""

    label: str
    values: tuple[str, ...]


def row_cells(statement: str) -> RowCells | None:
    """The cells of a statement that row_statement wrote, or None for any other sentence. A value
    that itself holds "; " comes back in pieces, each still text of its cell."""
    label, sep, body = clean(statement).partition(" — ")
    if not sep or not label or not body:
        return None
    if ": " in label and not any(c.isalpha() for c in label.rsplit(": ", 1)[1]):
        label = label.rsplit(": ", 1)[1]  # "Years of service: 3": the cell holds the 3
    body = body[:-1] if body.endswith(".") else body
    values = tuple(piece.split(": ", 1)[1] if ": " in piece else piece for piece in body.split("; "))
    values = tuple(v for v in values if v)
    return RowCells(label, values) if values else None
