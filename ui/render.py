"""Answer → safe Markdown for the chat. Policy text is data: nothing in it may render as a link,
image, HTML or formatting, so every Markdown control character is escaped."""
from __future__ import annotations

import re

from rag.types import Answer, Citation

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~>$:])")
_CITATION_MARK = re.compile(r"\\\[(\d+)\\\]")


# GitHub-flavoured Markdown turns bare addresses into links even when escaped; a word joiner
# (U+2060, invisible) inside "://", "www." and "@" keeps them plain text.
_AUTOLINKS = re.compile(r"(?<=[A-Za-z])(?=://)|(?<=www)(?=\.)|(?<=\w)(?=@\w)", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """Every character Markdown (or Streamlit's extensions: $math$, :emoji:, <html>) could act on."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", _AUTOLINKS.sub("\u2060", text))


def answer_markdown(answer: Answer) -> str:
    """The answer with its [n] markers kept readable as bold reference numbers."""
    paragraphs = []
    for paragraph in answer.text.split("\n\n"):
        escaped = escape_markdown(paragraph)
        paragraphs.append(_CITATION_MARK.sub(r"**[\1]**", escaped))
    return "\n\n".join(paragraphs)


def citation_heading(citation: Citation) -> str:
    return escape_markdown(f"[{citation.n}] {citation.label()}")


def passage_markdown(sentences: list[str], quoted: set[str]) -> str:
    """A section as escaped Markdown with the quoted sentences in bold: the quote in its context."""
    return " ".join(f"**{escape_markdown(s)}**" if s in quoted else escape_markdown(s) for s in sentences)
