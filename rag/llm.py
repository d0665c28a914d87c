"""Optional generated answers through llama-index LLM integrations, with mechanical checks.

The extractive answer stays the default. With BENEFITS_QA_LLM set, the retrieved chunks are passed
to the model as numbered, quoted data, and its answer is kept only if every sentence passes the
checks below; otherwise the extractive answer is shown, with a note saying so.
- Citations to sources that were not given to the model are dropped.
- Every sentence must cite at least one source.
- Every number in a sentence (amounts, days, weeks, percentages) must appear in a cited source.
- Most of a sentence's content words must appear in its cited sources.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from core.config import Settings
from core.errors import ConfigError
from rag.errors import LLMUnavailable
from core.lexical import content_terms
from rag.prompts import read_raw
from rag.safety import addresses_model
from rag.types import GroundingCheck
from core.types import Chunk

CITATION = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# A sentence ends after its citation markers ("… days. [1] Next…") or at . ! ? not followed by one.
_SENTENCE_END = re.compile(r"(?<=\])\s+(?=[^\[\s])|(?<=[.!?])\s+(?!\[)")
# Share of a sentence's content words that its cited sources must contain to count as supported:
# a faithful paraphrase keeps most policy words, an invented rule brings its own.
SUPPORT_SHARE = 0.6
_SOURCE_MARK = "<<<SOURCE {n}>>>\n{text}\n<<<END SOURCE {n}>>>"
def data_only(chunk: Chunk) -> str:
    """The chunk's text without sentences that try to instruct the model."""
    return " ".join(s for s in chunk.sentences if not addresses_model(s))




def build_messages(settings: Settings, question: str, chunks: list[Chunk]) -> tuple[str, str]:
    """System and user prompts. Sources are fenced and neutralised so a document cannot close its
    own fence or pose as the system."""
    sources = "\n\n".join(
        _SOURCE_MARK.format(n=n, text=f"{c.title}, {c.section}: {data_only(c)}".replace("<<<", "« ").replace(">>>", " »"))
        for n, c in enumerate(chunks, start=1))
    user = read_raw(settings, "answer_user.md").format(sources=sources, question=question)
    return read_raw(settings, "answer_system.md"), user


def check_grounding(text: str, chunks: list[Chunk]) -> GroundingCheck:
    """Apply the checks in the module docstring to a generated answer (pure: tested on typed data)."""
    problems: list[str] = []
    valid = set(range(1, len(chunks) + 1))

    def keep_known(match):
        return match.group(0) if int(match.group(1)) in valid else ""

    cleaned = CITATION.sub(keep_known, text).strip()
    sentences = [s.strip() for s in _SENTENCE_END.split(cleaned) if s.strip()]
    if not sentences:
        return GroundingCheck(False, cleaned, ("the answer is empty",))
    for sentence in sentences:
        cited = [int(n) for n in CITATION.findall(sentence)]
        body = CITATION.sub("", sentence).strip()
        if not body:
            continue
        if not cited:
            problems.append(f"no citation: {body[:80]}")
            continue
        evidence = " ".join(data_only(chunks[n - 1]) for n in cited)
        for number in _NUMBER.findall(body):
            if number.replace(",", "") not in evidence.replace(",", ""):
                problems.append(f"number {number} is not in source {cited}: {body[:80]}")
        terms = content_terms(body)
        if terms and len(terms & content_terms(evidence)) / len(terms) < SUPPORT_SHARE:
            problems.append(f"not supported by source {cited}: {body[:80]}")
    return GroundingCheck(not problems, cleaned, tuple(problems))


class LLMBackend:
    """An OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, OpenAI) or a local GGUF file."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.llm = self._load(settings)

    @staticmethod
    def _load(settings: Settings):
        if settings.llm in {"openai", "gguf"}:
            try:
                import llama_index.core  # noqa: F401  (the clients below are built on it)
            except ModuleNotFoundError:
                raise ConfigError(f"BENEFITS_QA_LLM={settings.llm} needs the llm extra: make llm "
                                  "(or pip install -e '.[llm]').") from None
        if settings.llm == "openai":
            from llama_index.llms.openai_like import OpenAILike

            if not settings.llm_url:
                raise ConfigError("BENEFITS_QA_LLM=openai needs BENEFITS_QA_LLM_URL (e.g. http://127.0.0.1:8000/v1).")
            return OpenAILike(api_base=settings.llm_url, model=settings.llm_model or "default",
                              api_key=settings.llm_api_key or "none", is_chat_model=True,
                              temperature=0.0, max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout)
        if settings.llm == "gguf":
            from llama_index.llms.llama_cpp import LlamaCPP

            if not settings.llm_gguf:
                raise ConfigError("BENEFITS_QA_LLM=gguf needs BENEFITS_QA_LLM_GGUF, the path of a .gguf model file.")
            if not Path(settings.llm_gguf).is_file():
                raise ConfigError(f"BENEFITS_QA_LLM_GGUF={settings.llm_gguf} is not a file: give the path of a .gguf model file.")
            return LlamaCPP(model_path=settings.llm_gguf, temperature=0.0, max_new_tokens=settings.llm_max_tokens,
                            context_window=4096, verbose=False)
        raise ConfigError(f"BENEFITS_QA_LLM must be openai or gguf (or unset), not {settings.llm!r}.")

    def stream(self, question: str, chunks: list[Chunk]) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        system, user = build_messages(self.settings, question, chunks)
        messages = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]
        try:
            for delta in self.llm.stream_chat(messages):
                if delta.delta:
                    yield delta.delta
        except self._failures() as err:
            raise LLMUnavailable(f"The model did not answer ({type(err).__name__}).") from err

    def _failures(self) -> tuple[type[BaseException], ...]:
        """What the backend raises when the model fails to answer, as opposed to a bug here."""
        if self.settings.llm == "openai":
            import httpx
            import openai

            return (openai.APIError, httpx.HTTPError, OSError, TimeoutError)
        return (RuntimeError, ValueError, OSError)  # llama.cpp: a prompt over the context window, a failed decode
