"""Follow-up questions: "and for part-time staff?" means nothing alone. Retrieval on the raw
follow-up loses the context, so a follow-up is condensed with the question it follows.

Extractive and deterministic: a message counts as a follow-up when it opens like one ("and…",
"what about…"), leans on a pronoun ("can I use PTO during it?"), or is short and names no topic of
its own ("is there a maximum?").
"""
from __future__ import annotations

import re

from core.config import MAX_SEARCHED_CHARS
from rag.topics import topic_of

_OPENERS = re.compile(r"^\s*(and|but|or|also|so|then|what about|how about|what if|same for|and if|"
                      r"and what|and how|and for|plus|what else)\b", re.IGNORECASE)
_PRONOUNS = {"it", "that", "they", "them", "those", "these", "its", "he", "she"}
# A question this short that names no topic ("is there a maximum?") continues the previous one.
_SHORT = 8


def is_follow_up(message: str) -> bool:
    words = re.findall(r"[a-z']+", message.lower())
    if _OPENERS.match(message):
        return True
    if _PRONOUNS & set(words) and len(words) <= 2 * _SHORT:
        return True
    return len(words) <= _SHORT and topic_of(message) == "other"


def condense(message: str, history: list[str], limit: int = MAX_SEARCHED_CHARS) -> str:
    """The question to retrieve with. `history` holds the earlier (condensed) questions, oldest first.
    A chain of follow-ups is kept within `limit` characters: its start (the question that named
    the topic) and the newest message are kept, the follow-ups between them dropped."""
    if not (history and is_follow_up(message)):
        return message
    message = message.strip()
    room = limit - len(message) - 1
    if room <= 0:
        return message  # a long message carries its own context
    context = history[-1]
    if len(context) > room:
        context = context[:room].rsplit(" ", 1)[0]  # at a word boundary
    return f"{context} {message}"
