"""Document text renders as inert text: no links, images, HTML or math in the chat."""
from ui.render import answer_markdown, escape_markdown
from rag.types import Answer


def test_markdown_controls_are_escaped():
    hostile = "![x](http://evil/img.png) [click](javascript:alert(1)) <script>alert(1)</script> $x$ *b*"
    escaped = escape_markdown(hostile)
    for raw in ("![", "](", "<script>", "$x$", "*b*"):
        assert raw not in escaped


def test_citation_markers_stay_readable():
    md = answer_markdown(Answer(text="Pay is 60% of base. [1]\n\nSee the plan. [2]"))
    assert "**[1]**" in md and "**[2]**" in md and "60%" in md


def test_bare_addresses_do_not_become_links():
    escaped = escape_markdown("See http://evil.example/x, www.evil.example and a@b.example")
    assert "http://" not in escaped and "www." not in escaped and "a@b" not in escaped
    assert escaped.replace("\u2060", "").replace("\\", "") == "See http://evil.example/x, www.evil.example and a@b.example"


def test_passage_in_context_bolds_the_quote_and_escapes_everything():
    from ui.render import passage_markdown

    md = passage_markdown(["Intro [link](javascript:x).", "You get 5 days."], {"You get 5 days."})
    assert md.endswith("**You get 5 days\\.**") and "](" not in md


def test_rows_quoted_together_are_a_table_and_one_row_stays_a_sentence():
    rows = ("Employee + child(ren) — Employee share per paycheck: $13.20; Company share per paycheck: $32.03. [1] "
            "Family — Employee share per paycheck: $19.40. [1] Deductions start with the first paycheck. [2]")
    lines = answer_markdown(Answer(text=rows)).split("\n")
    assert lines[0] == "| | Employee share per paycheck | Company share per paycheck | |"
    assert lines[2] == "| Employee \\+ child\\(ren\\) | \\$13\\.20 | \\$32\\.03 | **[1]** |"
    assert lines[3] == "| Family | \\$19\\.40 |  | **[1]** |"
    assert lines[5] == "Deductions start with the first paycheck\\. **[2]**"
    alone = answer_markdown(Answer(text="Pay is 60% of base. [1] Family — Per paycheck: $5.10. [1]"))
    assert "|" not in alone.replace("\\|", "") and alone.endswith("\\$5\\.10\\. **[1]**")
