"""Ruled tables in real PDFs come out as row statements, and the page viewer highlights the row."""
from pathlib import Path

from ingest.parse_pdf import parse_pdf
from ingest.tables import row_statement
from tests.conftest import CORPUS
from ui.pages import find_highlight_boxes

HEADER = ["Plan", "Employee only", "Employee + children", "Family"]
ROWS = [["Medical", "$86.00", "$162.00", "$276.00"],
        ["Dental", "$5.10", "$11.30", "$16.95"],
        ["Vision", "$1.20", "$2.60", "$16.95"]]


def premium_pdf(path: Path) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    table = Table([HEADER] + ROWS)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold")]))
    story = [Paragraph("Premiums 2026", styles["Title"]), Paragraph("What you pay", styles["Heading2"]),
             Paragraph("Your share is deducted from each of the 26 biweekly paychecks in the year.", styles["BodyText"]),
             table,
             Paragraph("Premiums change each January at open enrollment.", styles["BodyText"])]
    SimpleDocTemplate(str(path), pagesize=letter, title="Premiums 2026", invariant=1).build(story)
    return path


def test_rows_become_statements_with_headers(tmp_path):
    doc = parse_pdf(premium_pdf(tmp_path / "premiums.pdf"), "premiums.pdf")
    lines = [line for s in doc.sections for line in s.text.split("\n")]
    for row in ROWS:
        assert row_statement(tuple(HEADER), tuple(row)) in lines
    assert "Dental — Employee only: $5.10; Employee + children: $11.30; Family: $16.95." in lines
    # The cells are not also flattened one per line, and no header cell becomes a heading.
    assert not any(line.strip() in {"$16.95", "Family", "Dental"} for line in lines)
    assert {s.heading for s in doc.sections} <= {"Premiums 2026", "What you pay"}
    # The paragraphs around the table stay whole and in order.
    text = "\n".join(lines)
    assert text.index("26 biweekly paychecks") < text.index("Medical —") < text.index("Premiums change each January")


def test_default_corpus_std_schedule_is_rows():
    doc = parse_pdf(CORPUS / "short-term-disability-plan.pdf", "short-term-disability-plan.pdf")
    assert "Part-time" not in {s.heading for s in doc.sections}
    schedule = "\n".join(s.text for s in doc.sections if s.heading == "6.3 Benefit schedule")
    assert ("Benefit weeks 1–6 — Days of disability: Days 8–49; Full-time, 2+ years of service: 100%; "
            "Full-time, less than 2 years: 60%; Part-time: 50%.") in schedule.split("\n")


def test_viewer_highlights_the_rows_cells(tmp_path):
    path = premium_pdf(tmp_path / "premiums.pdf")
    statement = row_statement(tuple(HEADER), tuple(ROWS[1]))
    boxes = find_highlight_boxes(path, 1, [statement])
    assert len(boxes) == 4  # the label and the three values, each one line
    bottoms = [b[1] for b in boxes]
    assert max(bottoms) - min(bottoms) < 2  # all on the Dental row's band
    # "$16.95" is also in the Vision row: the one highlighted is on Dental's band, not Vision's.
    vision = find_highlight_boxes(path, 1, [row_statement(tuple(HEADER), tuple(ROWS[2]))])
    assert min(b[1] for b in vision) < min(bottoms) - 5
    lefts = sorted(b[0] for b in boxes)
    assert lefts == sorted(set(lefts))  # four different columns
