"""Small text helpers shared by the parsers: whitespace, sentence splitting, dates."""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\ufffd]")


def clean(text: str) -> str:
    """Collapse all whitespace (including newlines and NBSP) to single spaces; drop control characters."""
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd  # rule-based, handles "Inc.", "e.g.", "U.S." and numbers like 4.2 well

    return pysbd.Segmenter(language="en", clean=False)


# Sentence punctuation before the last character: only then can a paragraph hold two sentences.
_INNER_STOP = re.compile(r"[.!?][^.!?]")


# pysbd's time grows with the square of its input (a 165 KB paragraph took 80 s), so a long
# paragraph is given to it in windows of about this many characters, cut where a sentence surely
# ends: a lower-case word of 3+ letters, a stop, a space, a capital ("…is paid. Leave…").
WINDOW_CHARS = 1000
_MAX_WINDOW_CHARS = 4 * WINDOW_CHARS  # with no such end in sight, cut at a space (or anywhere)
_SURE_END = re.compile(r"\b[a-z]{3,}[.!?][\"')\]]?\s+(?=[A-Z])")


def _windows(paragraph: str) -> list[str]:
    windows, start = [], 0
    while len(paragraph) - start > _MAX_WINDOW_CHARS:
        # endpos bounds each search, so text without sentence ends costs linear time too
        end = _SURE_END.search(paragraph, start + WINDOW_CHARS, start + _MAX_WINDOW_CHARS)
        cut = end.end() if end else paragraph.rfind(" ", start + WINDOW_CHARS, start + _MAX_WINDOW_CHARS) + 1
        cut = cut if cut > start else start + _MAX_WINDOW_CHARS
        windows.append(paragraph[start:cut])
        start = cut
    windows.append(paragraph[start:])
    return windows


def split_sentences(paragraph: str) -> list[str]:
    paragraph = clean(paragraph)
    if not paragraph:
        return []
    if not _INNER_STOP.search(paragraph):
        return [paragraph]  # most headings, list items and table cells; pysbd would take 0.4 ms each
    return [s for window in _windows(paragraph)
            for s in (clean(s) for s in _segmenter().segment(window)) if s]


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_PATTERNS = (
    (re.compile(r"\b(\d{4}-\d{2}-\d{2})\b"), "%Y-%m-%d"),
    (re.compile(rf"\b((?:{_MONTHS}) \d{{1,2}}, \d{{4}})\b"), "%B %d, %Y"),
    (re.compile(r"\b(\d{1,2}/\d{1,2}/\d{4})\b"), "%m/%d/%Y"),
)
_EFFECTIVE = re.compile(r"\beffective(?: date)?\s*(?:as of|on|from)?\s*:?\s*", re.IGNORECASE)


def find_effective_date(text: str) -> str:
    """The ISO date that follows the first 'Effective …' in text, or ''."""
    for match in _EFFECTIVE.finditer(text):
        tail = text[match.end() : match.end() + 40]
        for pattern, fmt in _DATE_PATTERNS:
            found = pattern.match(tail)
            if found:
                try:
                    return datetime.strptime(found.group(1), fmt).date().isoformat()
                except ValueError:
                    continue
    return ""


_VERSION = re.compile(r"\b(?:version|v)\s?(\d+(?:\.\d+){0,3})\b", re.IGNORECASE)


def find_version(text: str) -> str:
    found = _VERSION.search(text)
    return found.group(1) if found else ""
