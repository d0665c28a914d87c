"""My situation: the asker's employment type, state, years of service, age band and medical plan,
and which policy sentences state a case that applies to them.

A sentence *states a case* of a facet when it names one of the facet's cases ("part-time
employees…", "with less than 2 years of service…", "in California…"). For a situation that sets
the facet, such a sentence applies when one of the cases it names is the asker's, and contradicts
when every case it names is someone else's. Sentences that name no case of any set facet (the
general rule) are neutral. Pure logic on text, tested on typed data.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from core.situation import EMPLOYMENT, FACETS, US_STATES, Situation
from rag.compose import LIST_ITEMS
from rag.types import ScoredSentence

@dataclass(frozen=True)
class Fit:
    """How one sentence stands to a situation: the facets whose cases it states for the asker, and
    those whose cases it states only for others."""

    applies: frozenset[str] = frozenset()
    contradicts: frozenset[str] = frozenset()


_YEARS = r"(?:completed\s+)?years?(?:\s+of\s+(?:service|employment))?"
_NUMBER = r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)"
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# Bands of service a sentence can state, each a test of the asker's completed years.
_SERVICE_BANDS = (
    (re.compile(rf"\b{_NUMBER}\s*(?:-|–|to)\s*{_NUMBER}\s+{_YEARS}", re.I), lambda y, a, b: a <= y <= b),
    (re.compile(rf"\b(?:less|fewer)\s+than\s+{_NUMBER}\s+{_YEARS}", re.I), lambda y, a: y < a),
    (re.compile(rf"\bunder\s+{_NUMBER}\s+{_YEARS}", re.I), lambda y, a: y < a),
    (re.compile(rf"\b{_NUMBER}\s+or\s+more\s+{_YEARS}", re.I), lambda y, a: y >= a),
    (re.compile(rf"\bat\s+least\s+{_NUMBER}\s+{_YEARS}", re.I), lambda y, a: y >= a),
)
_EXACT_SERVICE = re.compile(rf"\bwith\s+{_NUMBER}\s+{_YEARS}", re.I)
_AGE = ((re.compile(r"\b(?:age\s+)?(?:40|forty)\s+(?:or|and)\s+(?:older|over)\b", re.I), True),
        (re.compile(r"\b(?:under|younger\s+than)\s+(?:age\s+)?(?:40|forty)\b", re.I), False))
_EMPLOYMENT = {kind: re.compile(rf"\b{kind.split('-')[0]}[- ]time\b", re.I) for kind in EMPLOYMENT}
_STATE = {code: re.compile(rf"\b{re.escape(name)}\b(?!\s+(?:D\.?C\.?|Street|Avenue))") for code, name in US_STATES.items()}


def _overlaps(match: re.Match, taken: list[tuple[int, int]]) -> bool:
    return any(match.start() < end and start < match.end() for start, end in taken)


def _number(text: str) -> float:
    return float(_WORDS.get(text.lower(), text))


def fit_service(text: str, years: float) -> bool | None:
    """True when a band of service the text states holds the asker's completed years, False when
    it states bands and none holds them, None when it states none."""
    completed = math.floor(years)
    found = []
    taken: list[tuple[int, int]] = []
    for pattern, holds in _SERVICE_BANDS:
        for match in pattern.finditer(text):
            if _overlaps(match, taken):
                continue  # "2 to 6 years" is one band, not also "6 years"
            taken.append(match.span())
            found.append(holds(completed, *(_number(g) for g in match.groups())))
    if any(found):
        return True
    # "With 2 years of service you keep 66 2/3%": an example of the asker's own count states their
    # case; an example of another count says nothing against it.
    for match in _EXACT_SERVICE.finditer(text):
        if not _overlaps(match, taken) and _number(match.group(1)) == completed:
            return True
    return False if found else None


def fit(text: str, situation: Situation, plans: tuple[str, ...] = ()) -> Fit:
    """Which of the situation's facets the sentence states a case of, for the asker or for others.
    `plans` are the medical plans' names, to tell the asker's from the others'."""
    applies, contradicts = set(), set()

    def judge(facet: str, verdict: bool | None) -> None:
        if verdict is True:
            applies.add(facet)
        elif verdict is False:
            contradicts.add(facet)

    if situation.employment is not None:
        named = [kind for kind, pattern in _EMPLOYMENT.items() if pattern.search(text)]
        judge("employment", situation.employment in named if named else None)
    if situation.state is not None:
        named = [code for code, pattern in _STATE.items() if pattern.search(text)]
        judge("state", situation.state in named if named else None)
    if situation.years_of_service is not None:
        judge("years_of_service", fit_service(text, situation.years_of_service))
    if situation.age_40_or_over is not None:
        named = [band for pattern, band in _AGE if pattern.search(text)]
        judge("age_40_or_over", situation.age_40_or_over in named if named else None)
    if situation.medical_plan is not None:
        names = {p.lower() for p in plans} | {situation.medical_plan.lower()}
        named = [p for p in names if re.search(rf"\b{re.escape(p)}\b", text, re.I)]
        judge("medical_plan", situation.medical_plan.lower() in named if named else None)
    return Fit(frozenset(applies), frozenset(contradicts))


def named_in(question: str, plans: tuple[str, ...] = ()) -> frozenset[str]:
    """The facets the question itself names a case of ("do part-time employees get LTD?"): there
    the question, not the asker's situation, says which case is asked about."""
    every = Situation(employment="part-time", state="CA", years_of_service=0, age_40_or_over=True,
                      medical_plan=plans[0] if plans else "PPO")
    found = fit(question, every, plans)
    named = found.applies | found.contradicts
    if any(re.search(rf"\b{code}\b", question) for code in US_STATES if code not in ("IN", "OR", "ME", "OK", "HI")):
        named |= {"state"}
    return frozenset(named)



# The distinctions of rag/compose.py CASE_GROUPS that each facet decides: the "it depends" note
# does not name a distinction the asker's situation settled.
DISTINCTION_OF = {"employment": "full-time or part-time", "years_of_service": "length of service",
                  "age_40_or_over": "age 40 and over", "state": "state", "medical_plan": "medical plan"}


@dataclass(frozen=True)
class SituatedCandidates:
    """The candidate sentences for one asker: those that state only other people's cases left
    out, those that state theirs marked (ScoredSentence.fits); and the facets that decided."""

    candidates: tuple[ScoredSentence, ...]
    decided: frozenset[str] = frozenset()


def situate(candidates: list[ScoredSentence], situation: Situation, question: str,
            plans: tuple[str, ...] = ()) -> SituatedCandidates:
    """Fit the candidates to the asker's situation. A facet the question names itself ("what do
    part-time employees get?") is the question's to decide, not the situation's. If fitting would
    leave nothing to answer from, the candidates stay as they were."""
    facets = {f for f in FACETS if getattr(situation, f) is not None} - named_in(question, plans)
    if not facets or not candidates:
        return SituatedCandidates(tuple(candidates))
    kept, decided = [], set()
    for candidate in candidates:
        found = fit(" ".join([candidate.chunk.section, *_lead_in(candidate), candidate.text]), situation, plans)
        against, mine = found.contradicts & facets, found.applies & facets
        decided |= against | mine
        if not against:
            kept.append(replace(candidate, fits=len(mine)) if mine else candidate)
    if not kept:
        return SituatedCandidates(tuple(candidates))
    return SituatedCandidates(tuple(kept), frozenset(decided))


def _lead_in(candidate: ScoredSentence) -> list[str]:
    """The sentence that introduces the list a sentence is an item of ("For full-time employees,
    the amount depends on your length of service:"): an item states the case its lead-in names."""
    sentences = candidate.chunk.sentences
    for back in range(candidate.index - 1, max(candidate.index - 1 - LIST_ITEMS, -1), -1):
        if sentences[back].rstrip().endswith(":"):
            return [sentences[back]]
    return []


def whose_case(decided: frozenset[str], situation: Situation, words: dict[str, str]) -> str:
    """'For part-time employees in California:', from the facets that decided (the words are
    prompts/situation.tsv's); '' when none did."""
    if not decided:
        return ""
    who = [words[situation.employment] if "employment" in decided else words["employees"]]
    if "state" in decided:
        who.append(words["state"].format(state=US_STATES[situation.state]))
    if "years_of_service" in decided:
        years = situation.years_of_service
        key = "one_year_of_service" if math.floor(years) == 1 else "years_of_service"
        who.append(words[key].format(years=math.floor(years)))
    if "age_40_or_over" in decided:
        who.append(words["age_40_or_over" if situation.age_40_or_over else "under_40"])
    if "medical_plan" in decided:
        who.append(words["medical_plan"].format(plan=situation.medical_plan))
    return words["lead"].format(who=" ".join(who))
