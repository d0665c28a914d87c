"""A question in parts ("How many bereavement days do I get, and can I get grief counseling?"):
each part is also searched on its own, so that the answer has a sentence for each."""
from __future__ import annotations

import re

from core.config import MAX_QUESTION_PARTS
from core.lexical import sentences

_ASKS = r"(?:how|when|what|whats|who|where|which|why|can|could|do|does|did|is|are|will|would|should|must|may|am)"
# ", and can I…", " and when is…": a second question joined to the first
_JOINED = re.compile(rf",? (?:and|or|also|plus|and also)(?: then)? (?={_ASKS}\b)", re.IGNORECASE)
# "If I take the Transition Option, …": a condition that every part of the question shares
_CONDITION = re.compile(r"^((?:if|when|once|after|before|while|since|as)\b[^,?]{3,80}),\s*", re.IGNORECASE)
MIN_PART_WORDS = 4


def question_parts(question: str, limit: int = MAX_QUESTION_PARTS) -> list[str]:
    """The separate questions in a message, each with the message's statements ("My father just
    died.") and shared condition in front; [] when there is only one question. At most `limit`
    parts, the first ones: each is a search of its own (core/config.py says why)."""
    split = sentences(question)
    context = " ".join(s for s in split if not s.endswith("?"))
    parts = []
    for sentence in (s for s in split if s.endswith("?")):
        condition = _CONDITION.match(sentence)
        for i, piece in enumerate(_JOINED.split(sentence)):
            piece = piece.strip(" ,?") + "?"
            if i and condition and not piece.lower().startswith(condition.group(1).lower()):
                piece = f"{condition.group(1)}, {piece}"
            parts.append(piece)
    parts = [p for p in parts if len(p.split()) >= MIN_PART_WORDS][:limit]
    if len(parts) < 2:
        return []
    return [f"{context} {p}" if context else p for p in parts]
