"""Word, Excel, CSV and PowerPoint files (issue #16): parsed from their own structure into sections
and places, cited by heading, sheet and rows, or slide; bad files fail with a reason and a hint."""
import json
import zipfile

import pytest

from core.errors import BenefitsQAError
from ingest.errors import ParseError
from ingest.formats import OLE_MAGIC, suffixes
from ingest.parse import parse_file
from ingest.uploads import save_upload
from tests.conftest import ROOT, run_cli
from tests.office_factory import make_enrollment_pptx, make_leave_docx, make_rates_xlsx


def test_word_headings_start_sections_and_the_table_stays_in_place(tmp_path):
    doc = parse_file(make_leave_docx(tmp_path / "leave.docx"), "leave.docx")
    assert doc.kind == "docx" and doc.title == "Leave and Dental Policy"
    assert doc.effective_date == "2026-01-01" and doc.version == "2.1"
    by_heading = {s.heading: s for s in doc.sections}
    assert "five paid days" in by_heading["1. Bereavement leave"].text
    dental = by_heading["2. Dental premiums"].text.split("\n")
    assert dental == ["Your share of the dental premium is deducted from each paycheck.",
                      "Dental PPO — Coverage tier: Employee only; Per paycheck: $5.10.",
                      "Dental PPO — Coverage tier: Employee + children; Per paycheck: $11.30.",
                      "Dental PPO — Coverage tier: Family; Per paycheck: $16.95.",
                      "Deductions start with the first paycheck after you enroll."]
    assert by_heading["2. Dental premiums"].rows == tuple(dental[1:4])


def test_excel_rows_are_statements_placed_by_sheet_and_row(tmp_path):
    doc = parse_file(make_rates_xlsx(tmp_path / "rates.xlsx"), "rates.xlsx")
    assert doc.kind == "xlsx" and doc.title == "2026 Benefit Rates"
    assert [(s.heading, s.place, s.page) for s in doc.sections] == [("Premiums", "sheet Premiums, rows 4–6", None)]
    lines = doc.sections[0].text.split("\n")
    assert lines[0] == "2026 Benefit Rates"
    assert lines[3] == "Medical PPO — Coverage tier: Family; Per paycheck: $148.30; Employer share: 70%; Effective: January 1, 2026."
    assert "secret lookup value" not in doc.sections[0].text  # the hidden sheet


def test_a_long_sheet_is_cited_by_narrow_row_ranges(tmp_path):
    doc = parse_file(make_rates_xlsx(tmp_path / "rates.xlsx", extra_rows=60), "rates.xlsx")
    places = [s.place for s in doc.sections]
    assert len(places) > 3 and places[0].startswith("sheet Premiums, rows 4–")
    spans = [tuple(int(n) for n in p.rsplit(" ", 1)[1].split("–")) for p in places]
    assert spans[-1][1] == 66 and all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:]))  # no gap, no overlap
    assert all(len(s.text) <= 700 for s in doc.sections)


def test_csv_rows_with_semicolons_and_a_grouped_label(tmp_path):
    path = tmp_path / "dental-rates.csv"
    path.write_text("Plan;Coverage tier;Per paycheck\nDental PPO;Employee only;$5.10\n;Family;$16.95\n\n", encoding="utf-8")
    doc = parse_file(path, "dental-rates.csv")
    assert doc.kind == "csv" and doc.title == "Dental Rates"
    assert [(s.heading, s.place) for s in doc.sections] == [("Dental Rates", "rows 2–3")]
    assert doc.sections[0].text.split("\n")[1] == "Dental PPO — Coverage tier: Family; Per paycheck: $16.95."


def test_powerpoint_slides_are_sections_with_notes_and_tables(tmp_path):
    doc = parse_file(make_enrollment_pptx(tmp_path / "deck.pptx"), "deck.pptx")
    assert doc.kind == "pptx" and doc.title == "Open enrollment 2026"
    first, second = doc.sections
    assert (first.heading, first.place, first.page) == ("Open enrollment 2026", "slide 1", None)
    assert first.text.split("\n") == ["Enroll between November 1 and November 15.", "Changes take effect January 1.",
                                      "The company puts $500 into each new HSA."]
    assert (second.heading, second.place) == ("Vision rates", "slide 2")
    assert second.text.split("\n") == ["Employee only — Per paycheck: $1.20.", "Family — Per paycheck: $3.75."]


def test_a_deck_over_the_page_budget_is_refused(tmp_path):
    with pytest.raises(ParseError, match="3 slides, over the limit of 2") as err:
        parse_file(make_enrollment_pptx(tmp_path / "deck.pptx", slides=3), "deck.pptx", max_pages=2)
    assert "BENEFITS_QA_MAX_PAGES" in err.value.hint


def _truncated(tmp_path, name, make):
    data = make(tmp_path / f"full-{name}").read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) // 2])
    return tmp_path / name


def _zip_of_other_things(tmp_path, name):
    with zipfile.ZipFile(tmp_path / name, "w") as archive:
        archive.writestr("photos/readme.txt", "not an Office document")
    return tmp_path / name


@pytest.mark.parametrize("name,build,reason,hint", [
    ("leave.docx", lambda t: _truncated(t, "leave.docx", make_leave_docx), "Word file is damaged or truncated", "save it again"),
    ("rates.xlsx", lambda t: _truncated(t, "rates.xlsx", make_rates_xlsx), "Excel file is damaged or truncated", "save it again"),
    ("deck.pptx", lambda t: _truncated(t, "deck.pptx", make_enrollment_pptx), "PowerPoint file is damaged", "save it again"),
    ("locked.docx", lambda t: (t / "locked.docx").write_bytes(OLE_MAGIC + b"\0" * 600) and t / "locked.docx",
     "password-protected", "remove the password"),
    ("page.xlsx", lambda t: (t / "page.xlsx").write_bytes(b"<html><body>Rates</body></html>") and t / "page.xlsx",
     "named .xlsx but is not an Excel file", "real type"),
    ("photos.pptx", lambda t: _zip_of_other_things(t, "photos.pptx"), "zip archive but not a PowerPoint", "save it as .pptx"),
    ("old.doc", lambda t: (t / "old.doc").write_bytes(OLE_MAGIC + b"\0" * 600) and t / "old.doc",
     "old binary format", "save it as .docx"),
    ("rates.xls", lambda t: (t / "rates.xls").write_bytes(OLE_MAGIC + b"\0" * 600) and t / "rates.xls",
     "old binary format", "save it as .xlsx"),
    ("binary.csv", lambda t: (t / "binary.csv").write_bytes(b"\x00\x01\x02" * 100) and t / "binary.csv",
     "binary, not CSV", "export the sheet again"),
])
def test_bad_office_files_fail_with_a_reason_and_a_hint(tmp_path, name, build, reason, hint):
    path = build(tmp_path)
    with pytest.raises(ParseError) as err:
        parse_file(path, name)
    assert err.value.source == name and reason in err.value.reason and hint in err.value.hint


def test_a_word_table_row_is_cited_by_its_heading(tmp_path):
    """The issue's own question: the Family row of the dental table, quoted with what it means."""
    docs = tmp_path / "docs"
    docs.mkdir()
    make_leave_docx(docs / "leave-policy.docx")
    make_rates_xlsx(docs / "benefit-rates.xlsx")
    index = tmp_path / "office-index"
    ingest = run_cli("ingest", docs, "--json", "--index", index)
    assert ingest.returncode == 0, ingest.stderr
    assert {f["source"]: f["status"] for f in json.loads(ingest.stdout)["files"]} == \
        {"leave-policy.docx": "added", "benefit-rates.xlsx": "added"}

    answer = json.loads(run_cli("ask", "family dental per paycheck?", "--json", index=index).stdout)
    assert not answer["abstained"]
    first = answer["citations"][0]
    assert first["source"] == "leave-policy.docx" and first["section"] == "2. Dental premiums" and first["page"] is None
    assert "Family; Per paycheck: $16.95" in first["snippet"] and "$16.95" in answer["answer"]

    answer = json.loads(run_cli("ask", "how much is family medical coverage per paycheck?", "--json", index=index).stdout)
    cited = [c for c in answer["citations"] if c["source"] == "benefit-rates.xlsx"]
    assert cited and cited[0]["place"] == "sheet Premiums, rows 4–6"
    assert "$148.30" in answer["answer"]


def test_word_upload_is_accepted_and_a_wrong_one_is_told_why(tmp_path):
    data = make_leave_docx(tmp_path / "leave.docx").read_bytes()
    corpus = tmp_path / "corpus"
    saved = save_upload(corpus, "Leave Policy.docx", data, max_bytes=len(data) + 1)
    assert saved.path.name == "Leave-Policy.docx" and parse_file(saved.path, saved.path.name).kind == "docx"
    with pytest.raises(BenefitsQAError, match="old binary .doc format.*save it as .docx"):
        save_upload(corpus, "policy.doc", OLE_MAGIC + b"\0" * 100, max_bytes=10_000)
    with pytest.raises(BenefitsQAError, match="password-protected"):
        save_upload(corpus, "locked.xlsx", OLE_MAGIC + b"\0" * 100, max_bytes=10_000)
    with pytest.raises(BenefitsQAError, match=r"not a supported type \(\.pages\).*Word \(\.docx\)"):
        save_upload(corpus, "notes.pages", b"PK\x03\x04", max_bytes=10_000)
    assert sorted(p.name for p in corpus.iterdir()) == ["Leave-Policy.docx"]


def test_the_maintainers_uploader_accepts_the_registered_types(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("BENEFITS_QA_CORPUS", str(tmp_path / "corpus"))
    monkeypatch.setenv("BENEFITS_QA_ADMIN_TOKEN", "s3cret-token")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.sidebar.text_input(key="admin-token").set_value("s3cret-token").run()
    at.switch_page("ui/maintainer_page.py").run()
    assert not at.exception
    uploader = at.get("file_uploader")[0]
    accepted = list(uploader.proto.type)
    assert {".docx", ".xlsx", ".csv", ".pptx", ".pdf"} <= set(accepted)
    assert len(accepted) == len(suffixes()) and "Word" in uploader.proto.label
