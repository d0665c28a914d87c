"""Real Word, Excel and PowerPoint files for tests, written by the libraries that read them."""
from __future__ import annotations

from datetime import date
from pathlib import Path

DENTAL = [("Plan", "Coverage tier", "Per paycheck"), ("Dental PPO", "Employee only", "$5.10"),
          ("", "Employee + children", "$11.30"), ("", "Family", "$16.95")]


def make_leave_docx(path: Path) -> Path:
    """A leave policy: a Title, numbered headings, prose and a premium table between paragraphs."""
    import docx

    document = docx.Document()
    document.add_heading("Leave and Dental Policy", 0)
    document.add_paragraph("Effective January 1, 2026. Version 2.1.")
    document.add_heading("1. Bereavement leave", 1)
    document.add_paragraph("Employees receive five paid days of bereavement leave when an immediate "
                           "family member dies.")
    document.add_heading("2. Dental premiums", 1)
    document.add_paragraph("Your share of the dental premium is deducted from each paycheck.")
    table = document.add_table(rows=len(DENTAL), cols=3)
    for r, row in enumerate(DENTAL):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 0).merge(table.cell(3, 0))  # the plan name merged down, as HR tables often are
    document.add_paragraph("Deductions start with the first paycheck after you enroll.")
    document.save(path)
    return path


def make_rates_xlsx(path: Path, extra_rows: int = 0) -> Path:
    """A rate sheet: a title row, a header, currency/percent/date cells, a hidden lookup sheet."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Premiums"
    sheet.append(["2026 Benefit Rates"])
    sheet.append([])
    sheet.append(["Plan", "Coverage tier", "Per paycheck", "Employer share", "Effective"])
    rows = [["Vision Basic", "Employee only", 1.2, 1, date(2026, 1, 1)],
            ["Medical PPO", "Employee only", 42.5, 0.8, date(2026, 1, 1)],
            [None, "Family", 148.299999999, 0.7, date(2026, 1, 1)]]
    rows += [[f"Supplemental plan {n}", "Employee only", 2 + n / 100, 0.5, None] for n in range(extra_rows)]
    for row in rows:
        sheet.append(row)
    for r in range(4, 4 + len(rows)):
        sheet.cell(r, 3).number_format = '"$"#,##0.00'
        sheet.cell(r, 4).number_format = "0%"
    hidden = book.create_sheet("Lookup")
    hidden.append(["code", "secret lookup value"])
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def make_enrollment_pptx(path: Path, slides: int = 2) -> Path:
    """An open-enrollment deck: a bulleted slide with speaker notes, a slide with a rate table."""
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Open enrollment 2026"
    first.placeholders[1].text = "Enroll between November 1 and November 15.\nChanges take effect January 1."
    first.notes_slide.notes_text_frame.text = "The company puts $500 into each new HSA."
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Vision rates"
    table = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate([("Coverage tier", "Per paycheck"), ("Employee only", "$1.20"), ("Family", "$3.75")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    for n in range(2, slides):
        extra = deck.slides.add_slide(deck.slide_layouts[1])
        extra.shapes.title.text = f"Topic {n + 1}"
        extra.placeholders[1].text = "More details follow in the plan documents."
    deck.save(path)
    return path
