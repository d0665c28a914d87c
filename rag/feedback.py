"""Thumbs up/down on answers, kept in a small SQLite file in the index folder, and their summary.

Privacy: a row holds the day (UTC), the vote, the question's topic, the cited file names and whether
the assistant abstained. The question text is stored only when the caller passes it, which the app
does only when the user ticks "include my question"; otherwise the column is NULL and the text is
never written. Comments, and questions shared by choice, are redacted (emails, phone numbers,
ID-like numbers) before they are written.
"""
from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from core.config import Settings
from core.errors import BenefitsQAError
from rag.topics import TOPICS

FEEDBACK_FILE = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    vote INTEGER CHECK (vote IN (0, 1)),
    topic TEXT NOT NULL,
    sources TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    question TEXT
)"""

# Applied in order: an email may hold digits and an SSN is a run of digits, so the specific
# patterns go before the generic ones.
_REDACTIONS = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<!\d)\d{3}[-\s]\d{2}[-\s]\d{4}(?!\d)"), "[number]"),  # SSN
    (re.compile(r"\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)"), "[phone]"),  # +country
    (re.compile(r"(?<![\w+])(?:1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)"), "[phone]"),
    (re.compile(r"(?<![\w.-])\d{3}[.-]\d{4}(?!\d)"), "[phone]"),  # local 555-0142
    (re.compile(r"(?<!\d)\d{4}(?:[\s-]\d{4}){3}(?!\d)"), "[number]"),  # card-like
    (re.compile(r"(?<!\d)\d{6,}(?!\d)"), "[number]"),  # employee, account, member ids
)


def redact(text: str) -> str:
    """The text with emails, phone numbers and ID-like numbers replaced by [email], [phone], [number]."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def feedback_path(settings: Settings) -> Path:
    return Path(settings.index_dir) / FEEDBACK_FILE


def record(settings: Settings, *, vote: int | None, topic: str, sources: list[str], abstained: bool,
           comment: str = "", question: str | None = None) -> None:
    """Store one vote: 1 up, 0 down, None for an abstention recorded without a vote.

    Pass `question` only when the user chose to share it; it is redacted like the comment.
    """
    if vote not in (0, 1, None):
        raise BenefitsQAError(f"A feedback vote is 1 (up), 0 (down) or None, not {vote!r}.")
    if vote is None and not abstained:
        raise BenefitsQAError("Feedback without a vote is only for abstentions: pass abstained=True or a vote.")
    if topic not in TOPICS:
        raise BenefitsQAError(f"Unknown feedback topic {topic!r}: use rag.topics.topic_of(question).")
    names = list(dict.fromkeys(sources))  # a document cited on two pages counts once
    shared = redact(question.strip()) if question and question.strip() else None
    # A day is enough to see trends; a finer time would help match a row to a person's session.
    day = datetime.now(timezone.utc).date().isoformat()
    path = feedback_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=10)) as db, db:
            db.execute(_SCHEMA)
            db.execute("INSERT INTO feedback (day, vote, topic, sources, abstained, comment, question) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (day, vote, topic, json.dumps(names), int(abstained), redact(comment.strip()), shared))
    except (sqlite3.Error, OSError) as err:
        raise BenefitsQAError(f"Could not save feedback to {path}: {err}. Check that the index folder "
                              "is writable, or move a damaged file aside to start a new one.") from None


@dataclass
class TopicCounts:
    up: int = 0
    down: int = 0
    abstained: int = 0


@dataclass
class DocumentCounts:
    up: int = 0
    down: int = 0


@dataclass
class Gap:
    """Where the documents fall short on a topic: abstentions, thumbs-down, and what people asked."""

    topic: str
    abstentions: int = 0
    thumbs_down: int = 0
    questions: list[str] = field(default_factory=list)  # only those shared by choice
    comments: list[str] = field(default_factory=list)  # redacted


@dataclass
class FeedbackSummary:
    total_votes: int = 0
    up: int = 0
    down: int = 0
    abstentions: int = 0
    by_topic: dict[str, TopicCounts] = field(default_factory=dict)  # in TOPICS order
    by_document: dict[str, DocumentCounts] = field(default_factory=dict)  # most thumbs-down first
    gaps: list[Gap] = field(default_factory=list)  # largest first


def summarize(settings: Settings) -> FeedbackSummary:
    """Counts over every stored vote. No file yet (or no table) is an empty summary, not an error."""
    path = feedback_path(settings)
    if not path.is_file():
        return FeedbackSummary()
    try:
        # Read-only: summarising must never create or change the file.
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='feedback'").fetchone() is None:
                return FeedbackSummary()
            rows = db.execute("SELECT vote, topic, sources, abstained, comment, question "
                              "FROM feedback ORDER BY id").fetchall()
    except sqlite3.Error as err:
        raise BenefitsQAError(f"Could not read feedback from {path}: {err}. "
                              "Move the damaged file aside; a new one is started on the next vote.") from None
    return _summarize_rows(rows)


def _summarize_rows(rows) -> FeedbackSummary:
    summary = FeedbackSummary()
    topics: dict[str, TopicCounts] = {}
    documents: dict[str, DocumentCounts] = {}
    gaps: dict[str, Gap] = {}
    for vote, topic, sources, abstained, comment, question in rows:
        counts = topics.setdefault(topic, TopicCounts())
        if abstained:
            summary.abstentions += 1
            counts.abstained += 1
        if vote is not None:
            summary.total_votes += 1
            summary.up += vote == 1
            summary.down += vote == 0
            counts.up += vote == 1
            counts.down += vote == 0
            for name in json.loads(sources):
                doc = documents.setdefault(name, DocumentCounts())
                doc.up += vote == 1
                doc.down += vote == 0
        if abstained or vote == 0:
            gap = gaps.setdefault(topic, Gap(topic))
            gap.abstentions += bool(abstained)
            gap.thumbs_down += vote == 0
            if question and question not in gap.questions:
                gap.questions.append(question)
            if comment and comment not in gap.comments:
                gap.comments.append(comment)
    order = {t: i for i, t in enumerate(TOPICS)}
    summary.by_topic = {t: topics[t] for t in sorted(topics, key=lambda t: order.get(t, len(order)))}
    summary.by_document = dict(sorted(documents.items(), key=lambda kv: (-kv[1].down, kv[0])))
    summary.gaps = sorted(gaps.values(), key=lambda g: (-(g.abstentions + g.thumbs_down), order.get(g.topic, 99)))
    return summary
