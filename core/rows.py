"""The row statement's format, read back: ingest/tables.py writes each table row as one sentence
("Dental PPO — Coverage tier: Family; Per paycheck: $16.95."), and the answer's ranker, the
citation viewer and the page highlighter read its parts here. Core, so every side can."""
from __future__ import annotations

import re
from dataclasses import dataclass

LABEL_MARK = " — "  # between the row's name and its cells
CELL_SEPARATOR = "; "
NAME_MARK = ": "


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


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
    if not text.endswith(".") or NAME_MARK not in text:
        return None
    text = text[:-1]
    label, mark, body = text.partition(LABEL_MARK)
    if not mark:
        label, body = "", text
    cells = []
    for part in body.split(CELL_SEPARATOR):
        name, found, value = part.partition(NAME_MARK)
        if not found or not name or not value or len(name.split()) > 8:
            return None  # a long "name" is a clause of prose, not a column header
        cells.append((name, value))
    return RowCells(label=label, cells=tuple(cells))


def row_cells(statement: str) -> RowCells | None:
    """The cells of a statement that row_statement wrote, or None for any other sentence. Lenient,
    for finding a row on its page: a cell without a header keeps '' as its column, a value that
    itself holds "; " comes back in pieces (each still text of its cell), and a bare figure's label
    loses the header it was given ("Years of service: 3": the cell holds the 3)."""
    label, sep, body = _clean(statement).partition(LABEL_MARK)
    if not sep or not label or not body:
        return None
    if NAME_MARK in label and not any(c.isalpha() for c in label.rsplit(NAME_MARK, 1)[1]):
        label = label.rsplit(NAME_MARK, 1)[1]
    body = body[:-1] if body.endswith(".") else body
    cells = []
    for piece in body.split(CELL_SEPARATOR):
        name, found, value = piece.partition(NAME_MARK)
        name, value = (name, value) if found else ("", piece)
        if value:
            cells.append((name, value))
    return RowCells(label, tuple(cells)) if cells else None
