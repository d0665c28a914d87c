"""Page rendering with highlights, on the committed corpus PDF and on one made with reportlab."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT
from ui.pages import RENDER_SCALE, find_highlight_boxes, render_page_png

STD = ROOT / "corpus" / "short-term-disability-plan.pdf"
ONE_LINE = "The waiting period is 7 consecutive calendar days of disability."
# Wraps after "starting on" in the PDF; the index stores it on one line.
TWO_LINES = ("The waiting period counts calendar days, including weekends and holidays, "
             "starting on the first full day you are unable to work.")
ABSENT = "Dental coverage includes two cleanings per year."
HEIGHT = 792.0  # US letter, both PDFs


@pytest.fixture
def hyphenated_pdf(tmp_path) -> Path:
    """A sentence broken over three lines, with a word hyphenated at the second line's end."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    path = tmp_path / "hyphenated.pdf"
    pdf = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    pdf.setFont("Helvetica", 11)
    for y, line in [(700, "Employees who return to work part time may receive a partial"),
                    (686, "benefit while they recover, as approved by the claims admin-"),
                    (672, "istrator.   Another sentence follows here.")]:
        pdf.drawString(72, y, line)
    pdf.save()
    return path


def lines(boxes) -> set[int]:
    return {round((bottom + top) / 2) for _, bottom, _, top in boxes}


def test_one_line_sentence_gets_a_box_inside_the_page():
    boxes = find_highlight_boxes(STD, 3, [ONE_LINE])
    assert boxes
    assert len(lines(boxes)) == 1
    for left, bottom, right, top in boxes:
        assert 0 <= left < right <= 612 and 0 <= bottom < top <= HEIGHT


def test_wrapped_sentence_gets_boxes_on_two_lines():
    boxes = find_highlight_boxes(STD, 3, [TWO_LINES])
    assert len(lines(boxes)) == 2


def test_hyphenation_and_extra_spaces_still_match(hyphenated_pdf):
    sentence = ("Employees who return to work part-time may receive a partial benefit while "
                "they recover, as approved by the claims administrator.")
    boxes = find_highlight_boxes(hyphenated_pdf, 1, [sentence])
    assert len(lines(boxes)) == 3
    # The highlight stops at the sentence's end, before "Another sentence".
    last = min(boxes, key=lambda box: box[1])
    assert last[2] - last[0] < 60


def test_head_and_tail_match_when_the_middle_differs():
    garbled = TWO_LINES.replace("weekends and holidays", "weekends & public holidays")
    assert len(lines(find_highlight_boxes(STD, 3, [garbled]))) == 2


def test_absent_or_empty_highlights_give_no_box():
    assert find_highlight_boxes(STD, 3, [ABSENT, "", "   "]) == []
    found = find_highlight_boxes(STD, 3, [ONE_LINE])
    assert find_highlight_boxes(STD, 3, [ABSENT, ONE_LINE]) == found


def test_highlight_paints_the_box_yellow():
    plain = Image.open(io.BytesIO(render_page_png(STD, 3))).convert("RGB")
    marked = Image.open(io.BytesIO(render_page_png(STD, 3, [ONE_LINE]))).convert("RGB")
    assert plain.size == marked.size and plain.tobytes() != marked.tobytes()

    left, bottom, right, top = find_highlight_boxes(STD, 3, [ONE_LINE])[0]
    row = round((HEIGHT - (bottom + top) / 2) * RENDER_SCALE)
    columns = range(round(left * RENDER_SCALE) + 2, round(right * RENDER_SCALE) - 2)
    # Sample the box's centre row where the plain page is white paper, not a glyph.
    paper = [x for x in columns if plain.getpixel((x, row)) == (255, 255, 255)]
    assert paper
    for x in paper:
        r, g, b = marked.getpixel((x, row))
        assert r > 230 and g > 200 and b < 200

    # Outside the boxes nothing changes.
    assert plain.getpixel((5, 5)) == marked.getpixel((5, 5))


def test_render_without_highlights_is_unchanged_and_png():
    data = render_page_png(STD, 1)
    assert data.startswith(b"\x89PNG")
    assert render_page_png(STD, 1, [ABSENT]) == data


@pytest.mark.parametrize("page", [0, 11, -1])
def test_page_out_of_range_raises(page):
    """A cited page gone from a changed document is the project's own error, which the app turns
    into a notice (issue #20, point 8), not a ValueError traceback."""
    from ui.pages import PageGoneError

    with pytest.raises(PageGoneError, match="10 pages"):
        render_page_png(STD, page)
    with pytest.raises(PageGoneError):
        find_highlight_boxes(STD, page, [ONE_LINE])


def test_a_huge_page_is_drawn_within_the_pixel_budget(tmp_path):
    """Issue #20, point 3: a 652-byte PDF with one 14,400 pt square page took 5.5 GB to draw and
    raised DecompressionBombError. It is now drawn smaller, within the budget."""
    from reportlab.pdfgen import canvas

    from core.config import Settings

    path = tmp_path / "huge.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(14400, 14400), invariant=1)
    pdf.setFont("Helvetica", 400)
    pdf.drawString(720, 7200, "The waiting period is 7 days.")
    pdf.save()
    image = Image.open(io.BytesIO(render_page_png(path, 1, ["The waiting period is 7 days."])))
    assert image.width * image.height <= Settings().page_max_pixels
    assert image.width == image.height > 1000


def test_a_page_that_cannot_be_drawn_readably_is_refused():
    from ui.pages import PageTooLargeError

    with pytest.raises(PageTooLargeError):
        render_page_png(STD, 1, max_pixels=100)
