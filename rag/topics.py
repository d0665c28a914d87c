"""Which benefits topic a question is about, by keyword rules: the label feedback is counted under.

The topics are the app's sidebar shortcuts plus "other". Rules run in order and the first match
wins, so a question that touches two topics lands under the more specific process: "STD while on
FMLA leave" is disability, "my PIP and my severance" is a performance plan.
"""
from __future__ import annotations

import re

TOPICS = ("disability", "leave", "insurance", "severance", "performance plans", "other")

# "leave" the noun, not the verb: "parental leave", "on leave", "leave of absence" count, while
# "when I leave the company" does not (that question is about what ends, not about time off).
_LEAVE_NOUN = (r"(?:on|of|take|taking|took|unpaid|paid|sick|medical|family|parental|maternity|paternity"
               r"|military|personal|caregiver|caregiving|company|extended|approved|jury|disability|bereavement"
               r")\s+leave\b|\bleave\s+(?:of\s+absence|policy|policies|balance|request|entitlement)")

_RULES: tuple[tuple[str, str], ...] = (
    ("disability", r"\b(?:std|ltd|ssdi|disability|disabled|short[\s-]term\s+dis\w*|long[\s-]term\s+dis\w*)\b"),
    ("performance plans", r"\b(?:pips?|performance|coaching|improvement\s+plan|written\s+warning)\b"),
    ("leave", r"\b(?:fmla|pfml|pto|parental|maternity|paternity|bereavement|sabbatical|vacation"
              r"|time\s+off|sick\s+days?|" + _LEAVE_NOUN + r")"),
    ("insurance", r"\b(?:cobra|medical|dental|vision|life\s+insurance|insurance|insured|hsa|fsa|hdhp"
                  r"|health\s+(?:plan|coverage|benefits)|coverage|deductible|premiums?|copays?"
                  r"|open\s+enrollment|beneficiar(?:y|ies))\b"),
    # A visa question belongs here when it is about separation, and the separation words catch it.
    ("severance", r"(?:\bseverance|\breleases?\b|\bfinal\s+pay|\bfinal\s+paycheck|\blast\s+paycheck"
                  r"|\b401\s*\(?k\)?|\brsus?\b|\bvest(?:ed|ing)?\b|\blaid\s+off|\blay\s*offs?\b"
                  r"|\bterminat\w*|\bseparation|\bseparated|\bresign\w*|\bfired\b"
                  r"|\bleav(?:e|ing)\s+(?:the\s+company|my\s+job|the\s+job))"),
)
_COMPILED = tuple((topic, re.compile(pattern)) for topic, pattern in _RULES)


def topic_of(question: str) -> str:
    """One of TOPICS for the question; "other" when no rule matches."""
    text = question.lower()
    for topic, pattern in _COMPILED:
        if pattern.search(text):
            return topic
    return "other"
