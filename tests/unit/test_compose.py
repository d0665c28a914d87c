"""Sentence selection, ordering, citation numbering and abstention, on typed data (no model)."""
from rag.compose import compose_answer, select_sentences
from rag.types import ScoredSentence
from core.types import Chunk

ABSTAIN = "Not covered; ask HR."


def chunk(cid, sentences, source="plan.pdf", page=1, section="Waiting period", ordinal=0):
    return Chunk(id=cid, doc_hash="h" + cid, source=source, title="Plan", section=section, page=page,
                 sentences=tuple(sentences), ordinal=ordinal)


def test_abstains_below_threshold_with_no_citations():
    c = chunk("a", ["The cafeteria is on floor 2."])
    answer = compose_answer([ScoredSentence(c, 0, 0, similarity=0.2, overlap=0.0)], 0.45, 4, ABSTAIN)
    assert answer.abstained and answer.text == ABSTAIN and answer.citations == ()
    assert answer.semantic_evidence == 0.2


def test_abstains_when_nothing_retrieved():
    answer = compose_answer([], 0.45, 4, ABSTAIN)
    assert answer.abstained and answer.semantic_evidence == 0.0


def test_best_sentence_first_and_each_sentence_cited():
    a = chunk("a", ["Intro sentence here.", "The waiting period is 7 days."], page=3)
    b = chunk("b", ["Benefits are 60% of pay."], page=4, section="Benefit amount")
    cands = [ScoredSentence(a, 1, 0, 0.30, 0.0), ScoredSentence(a, 1, 1, 0.80, 0.5),
             ScoredSentence(b, 0, 0, 0.72, 0.2)]
    answer = compose_answer(cands, 0.45, 4, ABSTAIN)
    assert not answer.abstained
    assert answer.text.startswith("The waiting period is 7 days. [1]")
    assert "Benefits are 60% of pay. [2]" in answer.text
    assert "Intro sentence" not in answer.text  # far below the margin
    assert [c.page for c in answer.citations] == [3, 4]
    assert answer.citations[0].snippet == "The waiting period is 7 days."


def test_sentences_from_one_place_share_a_citation_the_best_first_then_reading_order():
    a = chunk("a", ["First rule applies.", "Second rule applies too.", "Third rule applies as well."])
    cands = [ScoredSentence(a, 0, 1, 0.80, 0.0), ScoredSentence(a, 0, 0, 0.78, 0.0), ScoredSentence(a, 0, 2, 0.77, 0.0)]
    answer = compose_answer(cands, 0.45, 4, ABSTAIN)
    assert answer.text == "Second rule applies too. [1] First rule applies. [1] Third rule applies as well. [1]"
    assert len(answer.citations) == 1


def test_a_sentence_leaning_back_leads_after_the_one_it_leans_on():
    a = chunk("a", ["Part-time staff get 50% of pay.", "This lasts up to 13 weeks."])
    answer = compose_answer([ScoredSentence(a, 0, 1, 0.8, 0.5), ScoredSentence(a, 0, 0, 0.5, 0.0)], 0.45, 4, ABSTAIN)
    assert answer.text == "Part-time staff get 50% of pay. [1] This lasts up to 13 weeks. [1]"


def test_near_duplicates_are_quoted_once_and_both_places_cited():
    a = chunk("a", ["You may take 12 weeks of FMLA leave per year."], source="policy.pdf")
    b = chunk("b", ["You may take 12 weeks of FMLA leave per year!"], source="faq.html", page=None)
    cands = [ScoredSentence(a, 0, 0, 0.9, 0.5), ScoredSentence(b, 1, 0, 0.89, 0.5)]
    answer = compose_answer(cands, 0.45, 4, ABSTAIN)
    assert answer.text == "You may take 12 weeks of FMLA leave per year. [1][2]"
    assert [c.source for c in answer.citations] == ["policy.pdf", "faq.html"]


def test_paraphrases_are_told_apart_by_meaning_but_not_across_figures():
    import numpy as np

    same, other = np.array([1.0, 0.0]), np.array([0.95, 0.312])  # cosine 0.95
    a = chunk("a", ["STD benefits begin on the eighth day of disability.", "Caregiver leave lasts 4 weeks."])
    b = chunk("b", ["Payments start once the waiting week is over.", "Caregiver leave lasts 2 weeks."], page=2)
    cands = [ScoredSentence(a, 0, 0, 0.9, 0.5, vector=same), ScoredSentence(b, 1, 0, 0.88, 0.5, vector=other),
             ScoredSentence(a, 0, 1, 0.85, 0.5, vector=same), ScoredSentence(b, 1, 1, 0.84, 0.5, vector=other)]
    chosen = select_sentences(cands, 4)
    texts = [c.text for c in chosen]
    assert "Payments start once the waiting week is over." not in texts  # the same rule in other words
    assert "Caregiver leave lasts 4 weeks." in texts and "Caregiver leave lasts 2 weeks." in texts  # other figures


def test_questions_headings_and_cover_lines_are_never_quoted():
    from rag.compose import is_statement

    assert not is_statement("My father is having heart surgery. Can I take time off to care for him?")
    assert not is_statement("Larkspur Analytics, Inc.") and not is_statement("Effective March 1, 2026")
    assert not is_statement("Buy-up LTD (employee-paid)") and not is_statement("(see below)")
    assert is_statement("Caregiver leave gives up to 4 weeks of paid leave.")
    assert is_statement("you have worked at least 1,250 hours in the 12 months before the leave starts; and")
    a = chunk("a", ["Can I take time off to care for my father?", "Caregiver leave gives up to 4 weeks of paid leave."])
    answer = compose_answer([ScoredSentence(a, 0, 0, 0.95, 0.9), ScoredSentence(a, 0, 1, 0.80, 0.5)], 0.45, 4, ABSTAIN)
    assert answer.text == "Caregiver leave gives up to 4 weeks of paid leave. [1]"


def test_sentence_leaning_back_brings_its_antecedent():
    a = chunk("a", ["Part-time staff get 50% of pay.", "This lasts up to 13 weeks."])
    cands = [ScoredSentence(a, 0, 1, 0.8, 0.5), ScoredSentence(a, 0, 0, 0.5, 0.0)]
    chosen = select_sentences(cands, 4)
    assert {c.index for c in chosen} == {0, 1}


def test_max_sentences_is_respected():
    a = chunk("a", [f"Rule number {i} is here." for i in range(10)])
    cands = [ScoredSentence(a, 0, i, 0.8 - i * 0.001, 0.0) for i in range(10)]
    assert len(select_sentences(cands, 3)) == 3


def test_sentence_ending_in_colon_brings_its_list():
    a = chunk("a", ["You are eligible when you meet all of these conditions:", "12 months of employment;",
                    "1,250 hours worked;", "a worksite with 50 employees nearby.", "Item four.", "Beyond the list."])
    chosen = select_sentences([ScoredSentence(a, 0, 0, 0.9, 0.5)] +
                              [ScoredSentence(a, 0, i, 0.3, 0.0) for i in range(1, 6)], 4)
    assert sorted(c.index for c in chosen) == [0, 1, 2, 3, 4]  # at most LIST_ITEMS items follow


def test_the_most_relevant_place_comes_first_whatever_its_kind():
    faq = chunk("f", ["STD starts after a 7-day wait."], source="faq.html", page=None, section="Q")
    pdf = chunk("p", ["Benefits begin on day 8."], source="plan.pdf", page=3)
    answer = compose_answer([ScoredSentence(faq, 0, 0, 0.9, 0.5), ScoredSentence(pdf, 1, 0, 0.8, 0.5)], 0.45, 4, ABSTAIN)
    assert [c.source for c in answer.citations] == ["faq.html", "plan.pdf"]
    assert answer.text.startswith("STD starts after a 7-day wait. [1]")


def test_each_case_is_quoted_when_the_rule_depends_on_who_asks():
    from rag.compose import distinctions

    a = chunk("a", ["Full-time employees receive 60% of base weekly pay.", "Part-time employees receive 50% of base weekly pay.",
                    "The Plan is self-insured."])
    cands = [ScoredSentence(a, 0, 0, 0.80, 0.5), ScoredSentence(a, 0, 1, 0.55, 0.2), ScoredSentence(a, 0, 2, 0.50, 0.0)]
    chosen = select_sentences(cands, 4)
    assert {c.index for c in chosen} == {0, 1}  # part-time is far below the margin, but it is the other case
    assert distinctions([c.text for c in chosen]) == ["full-time or part-time"]
    assert distinctions(["Full-time employees receive 60%."]) == []


def test_state_rules_are_quoted_side_by_side():
    from rag.compose import distinctions

    a = chunk("a", ["In California final pay is due on the last day.", "In Texas final pay is due within 6 days.",
                    "Returning equipment is required."])
    chosen = select_sentences([ScoredSentence(a, 0, 0, 0.8, 0.5), ScoredSentence(a, 0, 1, 0.55, 0.2),
                               ScoredSentence(a, 0, 2, 0.52, 0.0)], 4)
    assert {c.index for c in chosen} == {0, 1}
    assert distinctions([c.text for c in chosen]) == ["state"]


def test_a_second_part_of_the_question_gets_its_sentence_from_a_quoted_page():
    # "How long do I have to choose, and when is severance paid?" — four close sentences on the
    # choice fill the answer; the one on payment timing (same page) is brought in for "paid", the
    # one on another page is not (it would cost a citation that may not be expected).
    page4 = chunk("p4", [f"Choice sentence {i}." for i in range(5)] + ["Severance is paid within 30 days."], page=4)
    page9 = chunk("p9", ["Bonuses are paid in March."], page=9)
    choose, paid = frozenset({"choos"}), frozenset({"paid"})
    cands = [ScoredSentence(page4, 0, i, similarity=0.80 - i * 0.01, overlap=0.5, matched=choose) for i in range(5)]
    cands += [ScoredSentence(page9, 1, 0, similarity=0.76, overlap=0.5, matched=paid),
              ScoredSentence(page4, 0, 5, similarity=0.72, overlap=0.5, matched=paid)]
    answer = compose_answer(cands, 0.45, 4, ABSTAIN)
    assert "within 30 days" in answer.text and "March" not in answer.text
    assert {c.page for c in answer.citations} == {4}
    assert answer.text.count("Choice sentence") == 4  # the cap still holds for the first part
