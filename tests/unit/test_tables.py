"""Table rows as statements (ingest/tables.py), cells as a sheet shows them (ingest/parse_sheet.py),
the rows shown back as a table in the citation viewer (ui/render.py), and a PDF row's cells found
again on its page for highlighting (ui/pages.py): pure logic, no files."""
from datetime import date, datetime

import pytest

from ingest.parse_sheet import display
from core.rows import row_cells, statement_cells
from ingest.tables import Table, row_statement, table_from_grid, table_lines
from ui.pages import row_boxes
from ui.render import context_markdown

HEADER = ("Plan", "Coverage tier", "Per paycheck")


def test_a_row_carries_its_column_headers():
    assert row_statement(HEADER, ("Dental PPO", "Family", "$16.95")) == \
        "Dental PPO — Coverage tier: Family; Per paycheck: $16.95."


def test_blank_cells_are_left_out_and_a_label_alone_stays_a_label():
    assert row_statement(HEADER, ("Vision", "", "$1.20")) == "Vision — Per paycheck: $1.20."
    assert row_statement(HEADER, ("Rates are per pay period", "", "")) == "Rates are per pay period"
    assert row_statement(HEADER, ("", "", "")) == ""


def test_a_one_column_table_names_each_cell_by_its_header():
    assert row_statement(("Covered services",), ("X-rays",)) == "Covered services: X-rays."


def test_grid_drops_blank_rows_and_columns_and_fills_a_grouped_label_down():
    grid = [["2026 Dental Rates", "", "", ""],
            ["", "", "", ""],
            ["Plan", "", "Coverage tier", "Per paycheck"],
            ["Dental PPO", "", "Employee only", "$5.10"],
            ["", "", "Employee + children", "$11.30"],
            ["Rates are per paycheck", "", "", ""]]
    table = table_from_grid(grid, numbers=[1, 2, 3, 4, 5, 6])
    assert table.caption == ("2026 Dental Rates",)
    assert table.header == HEADER
    assert table.rows == (("Dental PPO", "Employee only", "$5.10"), ("Dental PPO", "Employee + children", "$11.30"),
                          ("Rates are per paycheck", "", ""))
    assert table.numbers == (4, 5, 6)
    assert table_lines(table) == ["2026 Dental Rates", "Dental PPO — Coverage tier: Employee only; Per paycheck: $5.10.",
                                  "Dental PPO — Coverage tier: Employee + children; Per paycheck: $11.30.",
                                  "Rates are per paycheck"]


def test_an_empty_grid_is_no_table_and_a_single_row_is_one_line():
    assert table_from_grid([["", ""], []]) is None
    assert table_lines(table_from_grid([["Questions?", "Call HR at extension 4410"]])) == \
        ["Questions? Call HR at extension 4410"]


def test_statement_cells_read_back_what_row_statement_wrote():
    statement = row_statement(HEADER, ("Dental PPO", "Family", "$16.95"))
    cells = statement_cells(statement)
    assert cells.label == "Dental PPO"
    assert cells.cells == (("Coverage tier", "Family"), ("Per paycheck", "$16.95"))
    assert statement_cells("Employees receive five paid days of leave.") is None
    assert statement_cells("If you are hired mid-year and enrolled in the plan before the deadline: you pay less.") is None


@pytest.mark.parametrize("value,number_format,shown", [
    (11.299999999, '"$"#,##0.00', "$11.30"), (11.299999999, "General", "11.3"), (1234.5, "#,##0.00", "1,234.50"),
    (0.04, "0%", "4%"), (0.125, "0.0%", "12.5%"), (1500, '[$€-407]#,##0', "€1,500"), (2, "0.00 [$€-407]", "2.00 €"),
    (-5.1, '"$"#,##0.00;[Red]-"$"#,##0.00', "-$5.10"), (42, "General", "42"), (True, "General", "Yes"),
    (None, "General", ""), (datetime(2026, 1, 1), "mm-dd-yy", "January 1, 2026"), (date(2026, 3, 9), "General", "March 9, 2026"),
    ("Employee + spouse", "@", "Employee + spouse"),
])
def test_cells_are_written_as_the_sheet_shows_them(value, number_format, shown):
    assert display(value, number_format) == shown


def test_the_viewer_shows_rows_as_a_table_with_the_quoted_row_bold_and_escaped():
    rows = [row_statement(HEADER, ("Dental PPO", "Employee only", "$5.10")),
            row_statement(HEADER, ("Dental [PPO](http://x.test)", "Family", "$16.95"))]
    shown = context_markdown(["Your share is deducted from each paycheck.", *rows], {rows[1]})
    lines = shown.split("\n")
    assert lines[0] == "Your share is deducted from each paycheck\\."
    assert lines[2] == "| | Coverage tier | Per paycheck |"
    assert lines[4] == "| Dental PPO | Employee only | \\$5\\.10 |"
    assert lines[5] == "| **Dental \\[PPO\\]\\(http\u2060\\://x\\.test\\)** | **Family** | **\\$16\\.95** |"


def test_a_long_sheet_shows_the_rows_around_the_quote():
    rows = [row_statement(("Employee ID band", "Rate"), (f"Band {n}", f"${n}.00")) for n in range(100)]
    shown = context_markdown(rows, {rows[70]})
    assert "**Band 70**" in shown and "Band 99" not in shown and "Band 10 " not in shown
    assert "of 100 in this part" in shown


# A PDF rate table: the row names a plan, the columns a coverage tier.
PDF_HEADER = ("Plan", "Employee only", "Employee + children")


def test_a_pdf_row_statement_carries_column_headers():
    assert row_statement(PDF_HEADER, ("Dental", "$5.10", "$11.30")) == \
        "Dental — Employee only: $5.10; Employee + children: $11.30."


def test_bare_figure_label_keeps_its_header():
    statement = row_statement(("Years of service", "Weeks"), ("3", "6"))
    assert statement == "Years of service: 3 — Weeks: 6."
    assert row_cells(statement).label == "3"


def test_empty_cells_and_rows_are_skipped():
    table = Table(PDF_HEADER, (("Vision", "", "$2.00"), ("", "", "")))
    assert table_lines(table) == ["Vision — Employee + children: $2.00."]


def test_row_cells_inverts_row_statement():
    cells = row_cells(row_statement(PDF_HEADER, ("Dental", "$5.10", "$11.30")))
    assert cells.label == "Dental" and cells.values == ("$5.10", "$11.30")


def test_ordinary_sentences_are_not_rows():
    assert row_cells("Coverage starts on the first of the month.") is None
    assert row_cells("STD — short-term disability.") is not None  # a dash alone looks like a row…
    # …which is why the page viewer tries the sentence verbatim first (ui/pages.py).


# Boxes are (left, bottom, right, top) in PDF points; a row band is its vertical extent.
def test_row_boxes_take_values_on_the_labels_band():
    label = [[(72, 700, 110, 710)], [(72, 600, 110, 610)]]  # the label twice: a heading and a row
    dental_row_value = [(200, 600, 230, 610)]
    other_row_value = [(200, 580, 230, 590)]
    values = [[other_row_value, dental_row_value], [[(300, 601, 330, 611)]]]
    assert row_boxes(label, values) == [(72, 600, 110, 610), (200, 600, 230, 610), (300, 601, 330, 611)]


def test_row_boxes_wrapped_label_spans_two_lines():
    label = [[(72, 610, 110, 620), (72, 598, 100, 608)]]
    values = [[[(200, 611, 230, 620)]]]
    assert row_boxes(label, values) == [(72, 610, 110, 620), (72, 598, 100, 608), (200, 611, 230, 620)]


def test_row_boxes_without_a_value_on_the_band_is_empty():
    assert row_boxes([[(72, 600, 110, 610)]], [[[(200, 500, 230, 510)]]]) == []
