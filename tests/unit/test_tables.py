"""Table rows as statements (ingest/tables.py) and their cells found again for highlighting."""
from ingest.tables import Table, row_cells, row_statement, table_lines
from ui.pages import row_boxes

HEADER = ("Plan", "Employee only", "Employee + children")


def test_row_statement_carries_column_headers():
    assert row_statement(HEADER, ("Dental", "$5.10", "$11.30")) == \
        "Dental — Employee only: $5.10; Employee + children: $11.30."


def test_bare_figure_label_keeps_its_header():
    statement = row_statement(("Years of service", "Weeks"), ("3", "6"))
    assert statement == "Years of service: 3 — Weeks: 6."
    assert row_cells(statement).label == "3"


def test_empty_cells_and_rows_are_skipped():
    table = Table(HEADER, (("Vision", "", "$2.00"), ("", "", "")))
    assert table_lines(table) == ["Vision — Employee + children: $2.00."]


def test_row_cells_inverts_row_statement():
    cells = row_cells(row_statement(HEADER, ("Dental", "$5.10", "$11.30")))
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
