"""My situation (issue #17, point 4): which sentences state the asker's case, on typed data."""
from __future__ import annotations

from datetime import date

import pytest

from core.situation import Situation
from core.types import Chunk
from rag.situation import fit, fit_service, named_in, situate, whose_case
from rag.types import ScoredSentence
from ui.identity import situation_from

PLANS = ("PPO", "HDHP", "Kaiser HMO")
WORDS = {"lead": "For {who}:", "employees": "employees", "full-time": "full-time employees",
         "part-time": "part-time employees", "state": "in {state}", "years_of_service": "with {years} years of service",
         "one_year_of_service": "with 1 year of service", "age_40_or_over": "aged 40 or over", "under_40": "under 40",
         "medical_plan": "in the {plan}"}


@pytest.mark.parametrize("text, years, verdict", [
    ("With 2 or more years of service, STD pays 100% of base pay.", 2, True),
    ("With 2 or more years of service, STD pays 100% of base pay.", 1.9, False),  # completed years only
    ("With less than 2 years of service, STD pays 60%.", 1, True),
    ("Employees with 2 to 6 years of service accrue 20 days.", 7, False),
    ("Employees with 2 to 6 years of service accrue 20 days.", 6.5, True),
    ("7 or more years: 25 days per year.", 8, True),
    ("For example, with 2 years of service you keep 66 2/3% of the match.", 2, True),
    ("For example, with 2 years of service you keep 66 2/3% of the match.", 5, None),  # another's example
    ("The match is fully vested after 3 years of service.", 1, None),  # a rule, not a case
])
def test_bands_of_service(text, years, verdict):
    assert fit_service(text, years) is verdict


def test_a_sentence_applies_contradicts_or_says_nothing():
    part_time_in_ca = Situation(employment="part-time", state="CA")
    assert fit("Part-time employees receive 50% of base weekly pay.", part_time_in_ca).applies == {"employment"}
    assert fit("Full-time employees receive 60%.", part_time_in_ca).contradicts == {"employment"}
    both = fit("Full-time and part-time employees are eligible after 90 days.", part_time_in_ca)
    assert both.applies == {"employment"} and not both.contradicts
    states = fit("Washington and North Carolina: on the next regular payday.", part_time_in_ca)
    assert states.contradicts == {"state"}
    assert fit("Final pay is due by law.", part_time_in_ca) == fit("", Situation())  # neutral
    plan = fit("The Kaiser HMO has no deductible.", Situation(medical_plan="PPO"), PLANS)
    assert plan.contradicts == {"medical_plan"}
    assert fit("If you are 40 or older, you have 45 days.", Situation(age_40_or_over=False)).contradicts == {"age_40_or_over"}


def test_a_case_the_question_names_is_the_questions_to_decide():
    assert named_in("do part-time employees get LTD?") == {"employment"}
    assert named_in("final pay in California?") == {"state"}
    assert named_in("how much severance do i get") == frozenset()


def scored(text: str, index: int = 0, sentences: tuple[str, ...] = (), section: str = "") -> ScoredSentence:
    chunk = Chunk(id=f"c{hash(text) % 1000}", doc_hash="h", source="plan.pdf", title="Plan", section=section, page=1,
                  sentences=sentences or (text,), ordinal=0)
    return ScoredSentence(chunk=chunk, chunk_rank=0, index=index, similarity=0.5, overlap=0.5)


def test_situate_drops_other_cases_marks_the_askers_and_keeps_list_items_with_their_lead_in():
    lead_in = "For full-time employees, the amount depends on your length of service:"
    items = (lead_in, "With 2 or more years, 100%.", "With less than 2 years, 60%.")
    candidates = [scored("Part-time employees receive 50% of base weekly pay."),
                  scored(items[1], 1, items), scored(items[2], 2, items), scored("Benefits start on day 8.")]
    situated = situate(candidates, Situation(employment="part-time"), "how much does std pay")
    kept = [c.text for c in situated.candidates]
    assert kept == ["Part-time employees receive 50% of base weekly pay.", "Benefits start on day 8."]
    assert situated.candidates[0].fits == 1 and situated.decided == {"employment"}
    assert situated.candidates[0].lead_rank > situated.candidates[1].lead_rank
    # Named in the question: every case stays.
    assert len(situate(candidates, Situation(employment="part-time"), "what do full-time employees get").candidates) == 4
    # Nothing left to answer from: the candidates stay as they were.
    alone = [scored("Full-time employees receive 60%.")]
    assert situate(alone, Situation(employment="part-time"), "pay?").candidates == tuple(alone)


def test_the_answer_says_whose_case_it_quotes():
    situation = Situation(employment="part-time", state="CA", years_of_service=1)
    assert whose_case(frozenset({"employment", "state"}), situation, WORDS) == "For part-time employees in California:"
    assert whose_case(frozenset({"years_of_service"}), situation, WORDS) == "For employees with 1 year of service:"
    assert whose_case(frozenset(), situation, WORDS) == ""


def test_claims_fill_in_what_they_say_and_nothing_else():
    today = date(2026, 12, 8)
    claims = {"employment_type": "Part Time", "address": {"region": "wa"}, "hire_date": "2023-12-09",
              "birthdate": "1986-12-08", "medical_plan": "kaiser hmo"}
    assert situation_from(claims, PLANS, today) == Situation(employment="part-time", state="WA", years_of_service=2.0,
                                                             age_40_or_over=True, medical_plan="Kaiser HMO")
    odd = {"employment_type": "contractor", "work_state": "Atlantis", "hire_date": "soon", "birthdate": 1990}
    assert situation_from(odd, PLANS, today) == Situation()


def test_a_situation_rejects_what_it_cannot_mean():
    with pytest.raises(ValueError, match="two-letter"):
        Situation(state="California")
    with pytest.raises(ValueError, match="unknown situation keys: tenure"):
        Situation.from_json({"tenure": 3})
