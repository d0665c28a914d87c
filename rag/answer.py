"""The assistant: question in, cited extractive Answer out. Heavy parts load once, lazily."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from functools import cached_property

import numpy as np

from rag import safety
from rag.compose import CASE_MARGIN, SNIPPET_CHARS, best_evidence, compose_answer, distinctions, should_abstain
from rag.conversation import condense
from core.config import MAX_QUESTION_CHARS, Settings
from core.embed import Embedder
from core.errors import BenefitsQAError
from rag.errors import LLMUnavailable, QuestionTooLong
from rag.glossary import Glossary
from core.store import IndexStore
from core.types import Asker
from core.lexical import content_terms, without_words
from core.rows import LABEL_MARK, NAME_MARK, row_cells
from rag.parts import question_parts
from rag.prompts import read_raw, read_table, render
from rag.ranker import DEFAULT_RANKER, SentenceRanker
from rag.retrieve import HybridRetriever
from rag.situation import DISTINCTION_OF, situate, whose_case
from rag.safety_model import DEFAULT_MODEL, SafetyClassifier, SafetyModel
from rag.types import Answer, Answered, Citation, CitedDocument, IndexStatus, Retrieval, SafetyCheck, ScoredSentence
from rag.versions import CURRENT, latest_change

# Logs carry timings and counts only: question and answer text never reach a log (privacy).
log = logging.getLogger("benefits_qa.answer")

# Fragments shorter than this (a lone table cell, "Yes.") cannot stand alone as an answer.
_MIN_SENTENCE_WORDS = 3
# Document sentences whose vectors are kept (about 1.5 KB each); the default corpus has ~4,000.
SENTENCE_CACHE_SIZE = 20_000
# A sentence's first words: where its subject is (the ranker's early_overlap).
EARLY_WORDS = 8


def rarity_weights(question_terms: set[str], sentence_terms: list[set[str]]) -> dict[str, float]:
    """Each question word's weight among one question's retrieved sentences: an inverse document
    frequency over those sentences alone, so the word every one of them holds counts least."""
    n = len(sentence_terms)
    return {t: math.log((n + 1) / (1 + sum(t in terms for terms in sentence_terms))) + 1e-3 for t in question_terms}


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.store = IndexStore(settings)
        self.embedder = embedder or Embedder(settings)
        self.glossary = Glossary.parse(read_raw(settings, "glossary.tsv"), read_raw(settings, "phrasings.tsv"))
        self.retriever = HybridRetriever(self.store, self.embedder, self.glossary, settings)
        self._sentence_cache: dict[str, np.ndarray] = {}

    def ask(self, question: str, history: list[str] | None = None, on_token=None, asker: Asker = Asker()) -> Answer:
        return self.ask_with_evidence(question, history, on_token, asker).answer

    def cited_document(self, citation: Citation, asker: Asker = Asker()) -> CitedDocument:
        """The cited document as the index has it now, for the citation viewer; nothing of it (no
        file, page or passage) when it is not shown to the asker's groups."""
        ledger = self.store.ledger()
        entry = ledger.documents.get(citation.source)
        if entry is not None and not entry.shown_to(asker.groups):
            return CitedDocument(path=None, page_file=None, withheld=True)
        passage = () if citation.page else tuple(self.store.section_sentences(citation.source, citation.section))
        return CitedDocument(path=ledger.path_of(citation.source),
                             page_file=ledger.page_file(citation.source, self.settings.index_dir), passage=passage)

    def index_status(self, today: date, asker: Asker = Asker()) -> IndexStatus:
        """The documents the asker may see, and when they changed (the others are not counted)."""
        ledger = self.store.ledger().shown(asker.groups)
        return IndexStatus(documents=len(ledger.documents), latest_change=latest_change(ledger.documents.values(), today),
                           updated_at=ledger.updated_at or "")

    @cached_property
    def llm(self):
        from rag.llm import LLMBackend

        return LLMBackend(self.settings)

    def ask_with_evidence(self, question: str, history: list[str] | None = None,
                          on_token=None, asker: Asker = Asker()) -> Answered:
        """The answer and the retrieval behind it (the evaluation scores both). `history` holds the
        conversation's earlier questions as they were searched (Answer.searched_for), oldest first.
        Only documents shown to the asker's groups are searched."""
        started = time.perf_counter()
        question = " ".join(question.split())
        if not question:
            raise BenefitsQAError("The question is empty: type what you want to know.")
        found = self.safety_check(question)  # first, and on every message however long
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionTooLong("\n\n".join(filter(None, [self.preamble(found), f"The question is over {MAX_QUESTION_CHARS} characters: "
                                                                                  "shorten it to the point you need answered."])),
                                  found.outcome)
        searched_for = condense(question, history or [])
        retrieval = self.retriever.retrieve(searched_for, asker)
        # With a situation set, sentences of other people's cases go, the asker's own lead.
        situated = situate(self.score_sentences(retrieval), asker.situation, searched_for, self.settings.plan_names)
        candidates = list(situated.candidates)
        # A follow-up is searched with the question before it: it is not split in parts.
        in_parts = searched_for == question and not self.evidence_is_weak(candidates, retrieval)
        composed = compose_answer(candidates, self.settings.abstain_threshold,
                                  self.settings.max_answer_sentences, render(self.settings, "abstain.md"),
                                  lexical=retrieval.lexical_evidence,
                                  lexical_weight=self.settings.abstain_lexical_weight,
                                  required=self.best_for_each_part(question, asker) if in_parts else ())
        fallback: tuple[str, ...] = ()  # the note that a generated answer was not used
        if self.settings.llm and not composed.abstained:
            composed, fallback = self.generate(composed, retrieval, on_token)
        decided = frozenset() if composed.abstained else situated.decided
        answer = replace(composed, searched_for=searched_for, safety=found.outcome,
                         preamble=self.preamble(found), applies_to=self.whose_case(decided, asker.situation),
                         notices=fallback + self.answer_notes(composed, retrieval, decided) + self.safety_notes(found))
        log.info("answered in %.0f ms: %d citations, abstained=%s, crisis=%s, follow-up=%s",
                 (time.perf_counter() - started) * 1000, len(answer.citations), answer.abstained,
                 answer.crisis, searched_for != question)
        return Answered(answer, retrieval)

    def best_for_each_part(self, question: str, asker: Asker = Asker()) -> tuple[ScoredSentence, ...]:
        """For a question in parts, the best sentence for each part that the documents cover (by the
        same abstention rule): the whole question's ranking may leave a part unanswered."""
        best = []
        for part in question_parts(question):
            retrieval = self.retriever.retrieve(part, asker)
            candidates = list(situate(self.score_sentences(retrieval), asker.situation, part,
                                      self.settings.plan_names).candidates)
            if candidates and not self.evidence_is_weak(candidates, retrieval):
                best.append(max(candidates, key=lambda c: c.score))
        return tuple(best)

    def evidence_is_weak(self, candidates: list[ScoredSentence], retrieval: Retrieval) -> bool:
        """The abstention rule (rag/compose.py) with this assistant's calibrated settings."""
        return should_abstain(best_evidence(candidates), retrieval.lexical_evidence,
                              self.settings.abstain_threshold, self.settings.abstain_lexical_weight)

    def generate(self, answer: Answer, retrieval: Retrieval, on_token=None) -> tuple[Answer, tuple[str, ...]]:
        """The generated answer if it passes every grounding check; otherwise the extractive one
        and the note that says so. `on_token` sees the text as it streams."""
        from rag.llm import CITATION, check_grounding

        chunks = [scored.chunk for scored in retrieval.chunks]
        streamed: list[str] = []
        backend = self.llm  # a wrong BENEFITS_QA_LLM setting raises its ConfigError here, with the fix
        try:
            for token in backend.stream(retrieval.question, chunks):
                streamed.append(token)
                if on_token:
                    on_token(token)
        except LLMUnavailable as err:  # an unreachable or failing model must not cost the employee an answer
            log.warning("LLM failed (%s); extractive answer kept", err.__cause__.__class__.__name__)
            return answer, (render(self.settings, "llm_fallback.md"),)
        check = check_grounding("".join(streamed), chunks)
        if not check.ok:
            log.info("generated answer failed %d grounding checks; extractive answer kept", len(check.problems))
            return replace(answer, grounding_problems=check.problems), (render(self.settings, "llm_fallback.md"),)
        cited = sorted({int(n) for n in CITATION.findall(check.text)})
        by_n = {n: scored for n, scored in enumerate(retrieval.chunks, start=1)}
        return replace(answer, text=check.text, generated=True, citations=tuple(
            Citation.of(n, by_n[n].chunk, by_n[n].chunk.text[:SNIPPET_CHARS], round(by_n[n].dense_similarity, 4))
            for n in cited)), ()

    @cached_property
    def safety_classifier(self) -> SafetyClassifier:
        path = Path(self.settings.safety_model) if self.settings.safety_model else DEFAULT_MODEL
        return SafetyClassifier(SafetyModel.load(path), self.embedder)

    def safety_check(self, message: str) -> SafetyCheck:
        """Crisis, concern for someone else, distress or none: the trained classifier over the
        message's windows, with explicit first-person statements deciding alone."""
        return self.safety_classifier.check(message)

    def preamble(self, found: SafetyCheck) -> str:
        """What comes before the answer: crisis resources, or how to help someone else."""
        if found.crisis:
            return render(self.settings, "crisis.md")
        return render(self.settings, "concern.md") if found.concern else ""

    def safety_notes(self, found: SafetyCheck) -> tuple[str, ...]:
        """What comes after the answer for the message itself: the EAP pointer, legal notes."""
        distress = (render(self.settings, "distress.md"),) if found.distress else ()
        notes = dict(read_table(self.settings, "legal_notes.tsv"))
        return distress + tuple(notes[topic] for topic in found.legal_topics if topic in notes)

    def answer_notes(self, answer: Answer, retrieval: Retrieval, decided: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """What comes after the answer for what it quotes: that the rule depends on the case (unless
        the asker's situation decided it: then that it was), and which version of a policy is quoted."""
        if answer.abstained:
            return ()
        settled = {DISTINCTION_OF[f] for f in decided}
        cases = [c for c in distinctions([answer.text]) if c not in settled]
        depends = (render(self.settings, "depends_note.md", cases=" and by ".join(cases)),) if cases else ()
        situated = (dict(read_table(self.settings, "situation.tsv"))["notice"],) if decided else ()
        return depends + situated + tuple(self.version_notes(answer, retrieval))

    def whose_case(self, decided: frozenset[str], situation) -> str:
        return whose_case(decided, situation, dict(read_table(self.settings, "situation.tsv")))

    def version_notes(self, answer: Answer, retrieval: Retrieval) -> list[str]:
        """Say which version is quoted when a cited policy has other live versions."""
        notes = []
        hashes = {s.chunk.source: s.chunk.doc_hash for s in retrieval.chunks}
        for citation in answer.citations:
            role = retrieval.versions.get(hashes.get(citation.source, ""))
            if role is None:
                continue
            others = sorted({r.effective_date for r in retrieval.versions.values()
                             if r.title.lower() == role.title.lower() and r.effective_date != role.effective_date})
            template = "version_note.md" if role.role == CURRENT else "version_note_past.md"
            note = render(self.settings, template, title=role.title, effective_date=role.effective_date,
                          others=", ".join(f"effective {d}" for d in others))
            if note not in notes:
                notes.append(note)
        return notes

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Vectors of document sentences, kept across questions: the parts of a question, and the
        next question on the same topic, mostly score the same sentences. Only document text is
        kept, never a question."""
        cache = self._sentence_cache
        found = {t: cache.get(t) for t in texts}  # read once: another thread may clear the cache
        missing = [t for t, vector in found.items() if vector is None]
        if missing:
            fresh = dict(zip(missing, self.embedder.embed(missing)))
            found.update(fresh)
            if len(cache) + len(fresh) > SENTENCE_CACHE_SIZE:
                cache.clear()
            cache.update(fresh)
        return np.stack([found[t] for t in texts])

    def _best_cell(self, cells_of: list[tuple[int, str]], similarities, topic_similarities, query, topic_vector):
        """A table row's statement holds every cell of its row, so its vector is an average of them
        all, and a question about one cell ("english class - annual cap?") finds it only weakly. A
        row is as close to the question as its closest cell, said with the row's name and column
        (`cells_of`: the statement's place among the texts, and each of its cells so said)."""
        if not cells_of:
            return similarities, topic_similarities
        vectors = self.sentence_vectors([cell for _, cell in cells_of])
        similarities, topic_similarities = similarities.copy(), topic_similarities.copy()
        for (k, _), s, t in zip(cells_of, vectors @ query, vectors @ topic_vector):
            similarities[k] = max(similarities[k], s)
            topic_similarities[k] = max(topic_similarities[k], t)
        return similarities, topic_similarities

    def score_sentences(self, retrieval: Retrieval) -> list[ScoredSentence]:
        """Every sentence of the retrieved chunks, scored against the question."""
        slots, texts = [], []
        cells_of: list[tuple[int, str]] = []  # a table row's cells, each said with its row and column
        for rank, scored in enumerate(retrieval.chunks):
            chunk = scored.chunk
            for i, sentence in enumerate(chunk.sentences):
                if len(sentence.split()) >= _MIN_SENTENCE_WORDS and not safety.addresses_model(sentence):
                    slots.append((rank, chunk, i))
                    # The section heading gives a bare sentence its subject ("Waiting period: …").
                    subject = f"{chunk.section}: " if chunk.section else ""
                    texts.append(subject + sentence)
                    row = row_cells(sentence) if LABEL_MARK in sentence else None
                    if row is not None and len(row.cells) > 1:
                        cells_of += [(len(texts) - 1, f"{subject}{row.label}{LABEL_MARK}{name}{NAME_MARK if name else ''}{value}")
                                     for name, value in row.cells]
        if not texts:
            return []
        query = np.asarray(retrieval.query_vector)
        topic = without_words(retrieval.question, self.settings.employer_words)
        # Most questions do not name the employer: their topic vector is the query vector.
        topic_vector = query if topic == retrieval.question else self.embedder.embed([self.glossary.expand(topic)])[0]
        vectors = self.sentence_vectors(texts)
        similarities, topic_similarities = vectors @ query, vectors @ topic_vector
        similarities, topic_similarities = self._best_cell(cells_of, similarities, topic_similarities, query, topic_vector)
        chunk_similarity = {s.chunk.id: s.dense_similarity for s in retrieval.chunks if s.dense_similarity}
        missing = [s.chunk.id for s in retrieval.chunks if s.chunk.id not in chunk_similarity]
        for chunk_id, vector in self.store.embeddings_for(retrieval.ledger, missing).items():
            chunk_similarity[chunk_id] = float(np.asarray(vector) @ query)
        # Acronyms and their spelled-out forms count as the same word ("STD" = "short-term disability"),
        # and the words a phrasing added are searched-for words too ("after I leave" → separation).
        question_terms = content_terms(self.glossary.collapse(retrieval.expanded_query))
        for phrase in self.glossary.rephrased(retrieval.question):
            question_terms -= content_terms(phrase)
        question_terms |= content_terms(self.glossary.collapse(
            " ".join(self.glossary.expansions(retrieval.question))))
        headings = sorted({chunk.section for _, chunk, _ in slots if chunk.section})
        heading_similarity = dict(zip(headings, self.sentence_vectors(headings) @ query)) if headings else {}
        terms_of = [content_terms(self.glossary.collapse(text)) for text in texts]
        openings = [content_terms(self.glossary.collapse(" ".join(chunk.sentences[i].split()[:EARLY_WORDS])))
                    for _, chunk, i in slots]
        weight = rarity_weights(question_terms, terms_of)
        total = sum(weight.values()) or 1.0
        out = []
        for (rank, chunk, i), text, similarity, topical, terms, opening in zip(
                slots, texts, similarities, topic_similarities, terms_of, openings):
            matched = frozenset(question_terms & terms)
            overlap = len(matched) / len(question_terms) if question_terms else 0.0
            early = len(question_terms & opening) / len(question_terms) if question_terms else 0.0
            out.append(ScoredSentence(chunk=chunk, chunk_rank=rank, index=i, similarity=float(similarity),
                                      overlap=overlap, chunk_similarity=chunk_similarity.get(chunk.id, 0.0),
                                      topic_similarity=float(topical), matched=matched,
                                      heading_similarity=float(heading_similarity.get(chunk.section, 0.0)),
                                      early_overlap=early,
                                      distinct_overlap=sum(weight[t] for t in matched) / total,
                                      distinct_early_overlap=sum(weight[t] for t in question_terms & opening) / total))
        # The sentence alone (no heading) for the duplicate check, for those that can enter the
        # answer: an FAQ's question heading makes its answer look unlike the policy's same rule.
        best = max(c.score for c in out)
        near = [k for k, c in enumerate(out) if c.score >= best - CASE_MARGIN]
        relevance = self.ranker.relevance(retrieval.question, [out[k] for k in near]) if self.ranker else [None] * len(near)
        for k, vector, p in zip(near, self.sentence_vectors([out[k].text for k in near]), relevance):
            out[k] = replace(out[k], vector=vector, relevance=p)
        return out

    @cached_property
    def ranker(self) -> SentenceRanker | None:
        """The learned lead-sentence ranker; None while `train-ranker` is running (it trains on
        the hand-set score alone)."""
        if self.settings.sentence_ranker == "off":
            return None
        return SentenceRanker.load(Path(self.settings.sentence_ranker) if self.settings.sentence_ranker else DEFAULT_RANKER)
