"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused by reciprocal rank fusion."""
from __future__ import annotations

from datetime import date
from functools import cached_property


from core.errors import ConfigError
from core.spelling import Speller, english_words
from core.types import Asker, Chunk
from rag.types import Retrieval, ScoredChunk
from rag.versions import CURRENT, VersionRole, asks_about_past, version_roles


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """score(id) = Σ 1 / (k + rank) over the rankings it appears in (rank from 1)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


class HybridRetriever:
    def __init__(self, store, embedder, glossary, settings):
        self.store, self.embedder, self.glossary, self.settings = store, embedder, glossary, settings
        self._roles = None  # (generation key, roles)
        self._speller = None  # (store generation, Speller)

    @cached_property
    def model_id(self) -> str:
        from core.embed import model_id

        return model_id(self.settings)

    def roles(self, ledger) -> dict[str, VersionRole]:
        """Version roles of the documents in `ledger` (all live ones, or those shown to one asker:
        a version they may not see neither replaces nor dates the one they may), worked out once
        per generation, set of documents and day."""
        key = (ledger.store, ledger.generation, frozenset(ledger.documents), date.today())
        cached = self._roles
        if cached is None or cached[0] != key:
            cached = self._roles = (key, version_roles(ledger.documents.values(), key[-1]))
        return cached[1]

    def speller(self, ledger, hidden: frozenset[str] = frozenset()) -> Speller:
        """Typo repair from the words of the live generation's documents the asker may see."""
        cached = self._speller
        if cached is None or cached[0] != (ledger.store, hidden):
            cached = self._speller = ((ledger.store, hidden), Speller(self.store.words(ledger, hidden), english_words()))
        return cached[1]

    def retrieve(self, question: str, asker: Asker = Asker()) -> Retrieval:
        """The ranked chunks for a question, from the documents shown to the asker's groups only:
        the others are filtered out inside both searches, never after."""
        settings = self.settings
        live = self.store.ledger()
        hidden = live.hidden_from(asker.groups)
        ledger = live.shown(asker.groups) if hidden else live
        if ledger.embed_model and ledger.embed_model != self.model_id:
            # Questions embedded by another model (or backend) than the chunks rank badly, silently.
            raise ConfigError(
                f"The index was embedded with {ledger.embed_model}, but questions would be embedded with "
                f"{self.model_id}. Set BENEFITS_QA_EMBED_MODEL / BENEFITS_QA_EMBED_BACKEND to match the index, "
                "or re-ingest (`benefits-qa ingest corpus/`) to embed it again with the current settings.")
        question = self.speller(live, hidden).correct(question)  # "improvment" → "improvement"
        expanded = self.glossary.expand(question)
        query_vector = self.embedder.embed([expanded])[0]
        dense = self.store.dense_search(live, query_vector, settings.retrieve_k, hidden)
        lexical = self.store.lexical_search(live, expanded, settings.retrieve_k, hidden)
        by_id: dict[str, Chunk] = {h.chunk.id: h.chunk for h in dense}
        by_id.update({h.chunk.id: h.chunk for h in lexical})
        similarity = {h.chunk.id: h.score for h in dense}
        fused = reciprocal_rank_fusion([[h.chunk.id for h in dense], [h.chunk.id for h in lexical]],
                                       k=settings.rrf_k)
        # Of two live versions of one policy, answer from the one in effect today, unless the
        # question asks about the older one by its year.
        roles = self.roles(ledger)
        ranked = [i for i in sorted(fused, key=lambda i: (-fused[i], i))
                  if by_id[i].doc_hash not in roles or roles[by_id[i].doc_hash].role == CURRENT
                  or asks_about_past(question, roles[by_id[i].doc_hash])]
        return Retrieval(
            question=question, ranked=tuple(ScoredChunk(by_id[i], fused[i], similarity.get(i, 0.0)) for i in ranked),
            query_vector=query_vector, expanded_query=expanded, context_k=settings.context_k,
            versions=roles, ledger=ledger,
            lexical_evidence=max((h.score for h in lexical), default=0.0) / self.store.lexical(live).rare_word_weight)
