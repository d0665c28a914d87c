"""The conversation as the chat page keeps it in st.session_state: one typed turn per message."""
from __future__ import annotations

from dataclasses import dataclass

from rag.types import Answer


@dataclass(frozen=True)
class AskedTurn:
    """A question as the employee typed it (kept in their session only, never on disk)."""

    text: str


@dataclass(frozen=True)
class AnsweredTurn:
    """The assistant's answer to the question before it."""

    answer: Answer
