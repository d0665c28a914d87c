"""Parsers on real files: PDFs made with reportlab, HTML FAQ pages in several CMS shapes."""

import pytest

from ingest.parse import parse_file
from ingest.errors import ParseError
from tests.pdf_factory import make_policy_pdf

PAGES = [
    [("1. Purpose", "This plan replaces part of your income when illness keeps you from work."),
     ("2. Waiting period", "The waiting period is 7 consecutive calendar days. Benefits start on day 8.")],
    [("3. Benefit amount", "The plan pays 60% of base weekly pay, up to $2,500 per week.")],
    [("4. Claims", "Notify the claims administrator within 30 days of the first day of absence.")],
]


@pytest.fixture
def policy_pdf(tmp_path):
    return make_policy_pdf(tmp_path / "std.pdf", "Short-Term Disability Plan", PAGES,
                           header="Acme Corp | Short-Term Disability Plan")


def test_pdf_pages_keep_their_numbers(policy_pdf):
    doc = parse_file(policy_pdf, "std.pdf")
    by_heading = {s.heading: s for s in doc.sections}
    assert by_heading["2. Waiting period"].page == 1
    assert by_heading["3. Benefit amount"].page == 2
    assert by_heading["4. Claims"].page == 3
    assert "7 consecutive calendar days" in by_heading["2. Waiting period"].text


def test_pdf_running_header_and_footer_are_dropped(policy_pdf):
    text = " ".join(s.text for s in parse_file(policy_pdf, "std.pdf").sections)
    assert "Acme Corp" not in text and "Internal | Page" not in text


def test_pdf_title_and_effective_date(policy_pdf):
    doc = parse_file(policy_pdf, "std.pdf")
    assert doc.title == "Short-Term Disability Plan"
    assert doc.effective_date == "2026-01-01"
    assert doc.kind == "pdf"


def test_corrupt_pdf_is_a_parse_error(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n this is not really a pdf \n%%EOF")
    with pytest.raises(ParseError) as err:
        parse_file(bad, "bad.pdf")
    assert err.value.source == "bad.pdf" and err.value.hint


def test_empty_and_unsupported_files(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse_file(empty, "empty.pdf")
    doc = tmp_path / "notes.pages"
    doc.write_bytes(b"PK\x03\x04")
    with pytest.raises(ParseError, match="unsupported file type '.pages'"):
        parse_file(doc, "notes.pages")


FAQ_SHAPES = {
    "headings": "<h2>Leave</h2><h3>How many weeks of FMLA leave can I take?</h3>"
                "<p>Up to 12 weeks in a rolling 12-month period.</p><p>It is job-protected.</p>",
    "details": "<details><summary>How many weeks of FMLA leave can I take?</summary>"
               "<p>Up to 12 weeks in a rolling 12-month period.</p><p>It is job-protected.</p></details>",
    "dl": "<dl><dt>How many weeks of FMLA leave can I take?</dt>"
          "<dd>Up to 12 weeks in a rolling 12-month period. It is job-protected.</dd></dl>",
    "divs": '<div class="faq-item"><h3 class="q">How many weeks of FMLA leave can I take?</h3>'
            '<div class="a">Up to 12 weeks in a rolling 12-month period. <b>It is job-protected.</b></div></div>',
}


@pytest.mark.parametrize("shape", sorted(FAQ_SHAPES))
def test_html_question_stays_with_its_answer(tmp_path, shape):
    page = tmp_path / "faq.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Leave FAQ | PeopleHub</title>"
        "<style>.x{color:red}</style><script>track('visit')</script></head><body>"
        "<nav><a href='/'>Home</a><a href='/benefits'>Benefits menu</a></nav>"
        f"<main>{FAQ_SHAPES[shape]}</main><footer>Copyright PeopleHub</footer></body></html>",
        encoding="utf-8")
    doc = parse_file(page, "faq.html")
    assert doc.title == "Leave FAQ"
    answer = next(s for s in doc.sections if s.heading == "How many weeks of FMLA leave can I take?")
    assert "12 weeks" in answer.text and "job-protected" in answer.text and answer.page is None
    text = " ".join(s.heading + " " + s.text for s in doc.sections)
    for dropped in ("track(", "color:red", "Benefits menu", "Copyright"):
        assert dropped not in text


def test_html_in_a_legacy_encoding(tmp_path):
    page = tmp_path / "faq.htm"
    page.write_bytes("<html><head><meta charset='windows-1252'><title>Café benefits</title></head>"
                     "<body><h2>Résumé help</h2><p>Employees’ “wellbeing” days: 2 per year.</p></body></html>"
                     .encode("cp1252"))
    doc = parse_file(page, "faq.htm")
    assert doc.title == "Café benefits"
    assert "Employees’ “wellbeing” days: 2 per year." in doc.sections[0].text


def test_markdown_sections(tmp_path):
    md = tmp_path / "note.md"
    md.write_text("# Bereavement\n\nYou get 5 paid days.\nFor immediate family.\n\n## Other relatives\n\n3 days.\n")
    doc = parse_file(md, "note.md")
    assert [s.heading for s in doc.sections] == ["Bereavement", "Other relatives"]
    assert doc.sections[0].text == "You get 5 paid days. For immediate family."


def test_a_bug_in_our_layout_code_is_not_reported_as_a_bad_pdf(policy_pdf, monkeypatch):
    from ingest import parse_pdf

    def broken(fragments):  # the fault: our heading code, not the file
        raise ZeroDivisionError("bug in the heading code")

    monkeypatch.setattr(parse_pdf, "_heading_lines", broken)
    with pytest.raises(ZeroDivisionError, match="bug in the heading code"):
        parse_pdf.parse_pdf(policy_pdf, "std.pdf")
