"""Answers on the default corpus that depend on who is asking, and on the policy version in effect."""


def test_answer_gives_each_case_and_says_it_depends(assistant):
    answer = assistant.ask("How much does short-term disability pay?")
    text = answer.text.lower()
    assert "100%" in text and "60%" in text and "part-time" in text
    assert any(n.startswith("The rule differs by") for n in answer.notices)


def test_current_parental_leave_version_is_quoted_and_named(assistant):
    answer = assistant.ask("How many weeks of paid parental leave do I get?")
    assert "16 weeks" in answer.text
    assert "parental-leave-policy-2024.pdf" not in {c.source for c in answer.citations}
    if "parental-leave-policy-2026.pdf" in {c.source for c in answer.citations}:
        assert any("effective 2026-07-01" in n for n in answer.notices)


def test_old_version_when_asked_by_year(assistant):
    answered = assistant.ask_with_evidence("How many weeks of paid parental leave did the 2024 policy give?")
    answer, retrieval = answered.answer, answered.retrieval
    assert "12 weeks" in answer.text
    assert "parental-leave-policy-2024.pdf" in {s.chunk.source for s in retrieval.ranked}


def test_leaving_the_company_is_not_read_as_a_leave_of_absence(assistant):
    # "after I leave" is a phrasing (prompts/phrasings.tsv): the search adds "separation from
    # employment", and sentences with those words count as on topic when the answer is composed.
    answer = assistant.ask("Can I keep my health insurance after I leave?")
    first = answer.text.split("\n\n")[0].lower()
    assert "employment ends" in first and "cobra" in first
    assert "continue during leave" not in first


def test_a_typo_finds_what_the_right_spelling_finds(assistant):
    typed = assistant.ask("How many goals can a performance improvment plan have?")
    spelt = assistant.ask("How many goals can a performance improvement plan have?")
    assert not typed.abstained and typed.text == spelt.text
    assert "3–5" in typed.text
