"""Spreadsheets (.xlsx through openpyxl, .csv through the standard library) → sections of rows:
each sheet's first filled row is its header, each body row one statement under it, cells written
as a person reads them ("$11.30", "4%", "January 1, 2026"), blocks of rows cited by row number."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ingest.errors import ParseError
from ingest.office import check_package, damaged
from ingest.parse_text import decode
from ingest.tables import Table, row_statement, table_from_grid, table_lines
from ingest.text_utils import find_effective_date, find_version
from ingest.types import ParsedDocument, Section

# The page budget (max_pages) counted in rows: a printed page of a sheet holds about 50 rows.
ROWS_PER_PAGE = 50
# Rows are grouped into sections of about this many characters: within the chunker's 160 word-piece
# target (about 4 characters each), so a block is one chunk and its place names a few rows.
BLOCK_CHARS = 560


@dataclass(frozen=True)
class _Sheet:
    name: str
    grid: list[list[str]]
    numbers: list[int]  # each grid row's number in the sheet (1-based, as the sheet shows it)


def parse_xlsx(path: Path, source: str, max_pages: int) -> ParsedDocument:
    import openpyxl
    from lxml.etree import LxmlError
    from openpyxl.utils.exceptions import InvalidFileException

    check_package(path, source)
    max_rows = max_pages * ROWS_PER_PAGE
    try:
        # read_only streams rows (a large sheet is never held whole); data_only gives a formula's
        # last computed value, which is what the sheet shows.
        workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
        try:
            sheets, title = _read_workbook(workbook, source, max_rows), clean_title(workbook.properties.title)
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, InvalidFileException, LxmlError) as err:
        raise damaged(source, "Excel", err) from None
    return _document(source, sheets, title, "xlsx", place_prefix=True)


def clean_title(value) -> str:
    return " ".join(str(value or "").split())


def _read_workbook(workbook, source: str, max_rows: int) -> list[_Sheet]:
    sheets, filled = [], 0
    for sheet in workbook.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible" or not hasattr(sheet, "iter_rows"):
            continue  # hidden sheets hold lookups and scratch work, not what employees read
        sheet.reset_dimensions()  # the stored size is often wrong (or huge); read the rows present
        grid, numbers = [], []
        for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
            cells = [display(cell.value, getattr(cell, "number_format", "General")) for cell in row]
            if not any(cells):
                continue
            filled += 1
            if filled > max_rows:
                raise ParseError(source, f"the workbook has over {max_rows:,} filled rows, the limit",
                                 "split it into smaller workbooks, or raise BENEFITS_QA_MAX_PAGES "
                                 f"(each page counts as {ROWS_PER_PAGE} rows)")
            grid.append(cells)
            numbers.append(number)
        sheets.append(_Sheet(name=sheet.title, grid=grid, numbers=numbers))
    return sheets


def parse_csv(path: Path, source: str, max_pages: int) -> ParsedDocument:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise ParseError(source, "the file is binary, not CSV text",
                         "export the sheet again as CSV (comma-separated values), or upload the .xlsx")
    text = decode(data, source)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:  # one column, or too little to tell: commas, as most exports use
        dialect = csv.excel
    max_rows = max_pages * ROWS_PER_PAGE
    grid, numbers = [], []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1):
            if not any(cell.strip() for cell in row):
                continue
            if len(grid) >= max_rows:
                raise ParseError(source, f"the file has over {max_rows:,} filled rows, the limit",
                                 "split it into smaller files, or raise BENEFITS_QA_MAX_PAGES "
                                 f"(each page counts as {ROWS_PER_PAGE} rows)")
            grid.append(row)
            numbers.append(number)
    except csv.Error as err:
        raise ParseError(source, f"the CSV file could not be read ({err})",
                         "export the sheet again as CSV from its spreadsheet application") from None
    title = Path(source).stem.replace("-", " ").replace("_", " ").title()
    return _document(source, [_Sheet(name=title, grid=grid, numbers=numbers)], "", "csv", place_prefix=False)


def _document(source: str, sheets: list[_Sheet], title: str, kind: str, place_prefix: bool) -> ParsedDocument:
    sections: list[Section] = []
    captions: list[str] = []
    for sheet in sheets:
        table = table_from_grid(sheet.grid, sheet.numbers)
        if table is not None:
            captions.extend(table.caption)
            sections.extend(_blocks(sheet.name, table, place_prefix))
    if not sections:
        raise ParseError(source, "the spreadsheet has no filled cells",
                         "check that it is the rate sheet itself; hidden sheets are not read")
    # The workbook's own title, else a title row above the first table ("2026 Benefit Rates").
    title = title or (captions[0] if captions else "") or Path(source).stem.replace("-", " ").replace("_", " ").title()
    head = " ".join(s.text for s in sections[:3])
    return ParsedDocument(source=source, title=title, sections=tuple(sections), kind=kind,
                          version=find_version(head), effective_date=find_effective_date(head))


def _blocks(name: str, table: Table, place_prefix: bool) -> list[Section]:
    """The sheet's rows in sections of about BLOCK_CHARS, each placed by its first and last row
    ("sheet Premiums, rows 2–9"; a CSV file has one sheet: "rows 2–9"); the caption opens the first."""
    if not table.rows:  # a header and nothing under it: its cells as one line
        return [Section(heading=name, text="\n".join(table_lines(table)), place=f"sheet {name}" if place_prefix else "")]
    sections: list[Section] = []
    lines: list[str] = list(table.caption)
    rows: list[str] = []
    numbers: list[int] = []

    def end_block():
        if not lines:
            return
        span = ""
        if numbers:
            span = f"row {numbers[0]}" if numbers[0] == numbers[-1] else f"rows {numbers[0]}–{numbers[-1]}"
        place = ", ".join(p for p in (f"sheet {name}" if place_prefix else "", span) if p)
        sections.append(Section(heading=name, text="\n".join(lines), place=place, rows=tuple(rows)))
        lines.clear()
        rows.clear()
        numbers.clear()

    size = sum(len(c) for c in lines)
    for row, number in zip(table.rows, table.numbers):
        statement = row_statement(table.header, row)
        if not statement:
            continue
        if rows and size + len(statement) > BLOCK_CHARS:
            end_block()
            size = 0
        lines.append(statement)
        rows.append(statement)
        numbers.append(number)
        size += len(statement)
    end_block()
    return sections


_QUOTED = re.compile(r'"[^"]*"|\\.')
_CURRENCY = re.compile(r"\[\$([^\]-]*)(?:-[^\]]*)?\]|([$€£¥₹])")


def display(value, number_format: str = "General") -> str:
    """A cell's value as the sheet shows it, from openpyxl's value and the cell's number format:
    11.3 under '"$"#,##0.00' is "$11.30", 0.04 under '0%' is "4%", a date is "January 1, 2026".
    Only the common formats are followed; any other number is written without float noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return _date(value.date())
        return f"{_date(value.date())} {value:%H:%M}"
    if isinstance(value, date):
        return _date(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        return _number(value, number_format or "General")
    return str(value)


def _date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"  # the form find_effective_date reads, and people do


def _number(value: float, number_format: str) -> str:
    fmt = number_format.split(";")[0]  # the positive part; negatives get a plain minus sign
    currency = _CURRENCY.search(fmt)
    symbol = (currency.group(1) or currency.group(2)) if currency else ""
    plain = _QUOTED.sub("", _CURRENCY.sub("", fmt))
    if fmt == "General" or not re.search(r"[0#?]", plain):
        text = f"{value:.10g}"  # General shows about 10 significant digits: 11.3, not 11.299999999
        if "e" in text:
            text = f"{value:,.2f}"
        return f"{symbol}{text}" if symbol else text
    percent = "%" in plain
    if percent:
        value *= 100
    decimals = re.search(r"\.([0#?]+)", plain)
    places = len(decimals.group(1)) if decimals else 0
    grouping = "," if re.search(r"[0#?],[0#?]", plain) else ""
    text = f"{abs(value):{grouping}.{places}f}"
    if decimals and "0" not in decimals.group(1):  # '#' decimals are shown only when not zero
        text = text.rstrip("0").rstrip(".")
    sign = "-" if value < 0 and float(text.replace(",", "") or 0) != 0 else ""
    if symbol:
        before = fmt.find(currency.group(0)) < max(fmt.find("0"), fmt.find("#"))
        text = f"{symbol}{text}" if before else f"{text} {symbol}"
    return f"{sign}{text}{'%' if percent else ''}"
