"""The index on disk: a Chroma collection of chunks (through llama-index's ChromaVectorStore),
the ledger of live documents, and a BM25 index built from the live chunks.

Both `ingest` (writes) and `rag` (reads) go through IndexStore; nothing else touches the files.
"""
from __future__ import annotations

import json
import math
import threading
from functools import cached_property
from pathlib import Path

from rag.config import Settings
from rag.errors import IndexMissingError
from rag.ledger import Ledger, read_ledger
from rag.types import Chunk

COLLECTION = "policy_chunks"
_CHROMA_DIR = "chroma"
# Dense search fetches this many extra candidates so that chunks of documents that are not live
# (left by an interrupted ingest) can be dropped without a second query.
_OVERFETCH = 2


def _metadata(chunk: Chunk) -> dict:
    # Chroma metadata values must be str/int/float/bool: page None is stored as 0.
    return {"doc_hash": chunk.doc_hash, "source": chunk.source, "title": chunk.title,
            "section": chunk.section, "page": chunk.page or 0, "ordinal": chunk.ordinal,
            "effective_date": chunk.effective_date}


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(id=chunk_id, doc_hash=meta["doc_hash"], source=meta["source"], title=meta["title"],
                 section=meta.get("section", ""), page=int(meta.get("page") or 0) or None,
                 sentences=tuple(text.split("\n")), ordinal=int(meta.get("ordinal", 0)),
                 effective_date=meta.get("effective_date", ""))


class IndexStore:
    def __init__(self, settings: Settings, create: bool = False):
        self.settings = settings
        self.dir = Path(settings.index_dir)
        if not create and read_ledger(self.dir) is None:
            raise IndexMissingError(
                f"No index at {self.dir}. Build it with `benefits-qa ingest corpus/ --index {self.dir}` "
                "(or `make run`, which does it for you).")
        self._lexical_lock = threading.Lock()
        self._lexical = None  # (generation, LexicalIndex)

    # -- storage -------------------------------------------------------------------------------
    @cached_property
    def collection(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(self.dir / _CHROMA_DIR),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        return client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"})

    @cached_property
    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def ledger(self) -> Ledger:
        return read_ledger(self.dir) or Ledger()

    # -- writes (ingest) -----------------------------------------------------------------------
    def add_chunks(self, chunks: list[Chunk], embeddings) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for chunk, vector in zip(chunks, embeddings):
            node = TextNode(id_=chunk.id, text="\n".join(chunk.sentences), metadata=_metadata(chunk),
                            embedding=[float(x) for x in vector])
            # The document version is the node's source: delete(doc_hash) removes all its chunks.
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_hash)
            nodes.append(node)
        # upsert semantics: a chunk id is content-addressed, re-adding after a crash is harmless
        existing = set(self.collection.get(ids=[n.node_id for n in nodes], include=[])["ids"])
        fresh = [n for n in nodes if n.node_id not in existing]
        if fresh:
            self.vector_store.add(fresh)

    def delete_documents(self, doc_hashes: set[str]) -> None:
        for doc_hash in doc_hashes:
            self.vector_store.delete(ref_doc_id=doc_hash)

    def stored_doc_hashes(self) -> set[str]:
        metas = self.collection.get(include=["metadatas"])["metadatas"]
        return {m["doc_hash"] for m in metas}

    def chunk_count_for(self, doc_hash: str) -> int:
        return len(self.collection.get(where={"doc_hash": doc_hash}, include=[])["ids"])

    def rename_source(self, doc_hash: str, source: str) -> None:
        """A moved or renamed file with the same content keeps its vectors: only metadata changes."""
        found = self.collection.get(where={"doc_hash": doc_hash}, include=["metadatas"])
        if found["ids"]:
            metas = [{**m, "source": source} for m in found["metadatas"]]
            self.collection.update(ids=found["ids"], metadatas=metas)

    # -- reads (rag) ---------------------------------------------------------------------------
    def dense_search(self, embedding, k: int, live: set[str]) -> list[tuple[Chunk, float]]:
        from llama_index.core.vector_stores.types import (FilterOperator, MetadataFilter,
                                                          MetadataFilters, VectorStoreQuery)

        if not live:
            return []
        query = VectorStoreQuery(query_embedding=[float(x) for x in embedding],
                                 similarity_top_k=k * _OVERFETCH)
        result = self.vector_store.query(query)
        hits = self._hits(result, live)
        if len(hits) < min(k, self.settings.retrieve_k) and len(result.ids or []) >= k * _OVERFETCH:
            # Many non-live chunks crowd the top: ask again, restricted to live documents.
            filters = MetadataFilters(filters=[MetadataFilter(key="doc_hash", operator=FilterOperator.IN,
                                                              value=sorted(live))])
            result = self.vector_store.query(VectorStoreQuery(
                query_embedding=query.query_embedding, similarity_top_k=k, filters=filters))
            hits = self._hits(result, live)
        return hits[:k]

    @staticmethod
    def _hits(result, live: set[str]) -> list[tuple[Chunk, float]]:
        hits = []
        for node, similarity in zip(result.nodes or [], result.similarities or []):
            meta = node.metadata
            if meta.get("doc_hash") not in live:
                continue
            # llama-index reports exp(-distance); with cosine space, distance = 1 - cosine.
            cosine = 1.0 + math.log(max(similarity, 1e-12))
            hits.append((_chunk(node.node_id, node.get_content(), meta), cosine))
        return hits

    def embeddings_for(self, ids: list[str]) -> dict[str, list[float]]:
        """Stored vectors of the given chunks (to score a BM25-only hit without re-embedding it)."""
        if not ids:
            return {}
        found = self.collection.get(ids=ids, include=["embeddings"])
        return dict(zip(found["ids"], found["embeddings"]))

    def live_chunks(self, live: set[str]) -> list[Chunk]:
        if not live:
            return []
        found = self.collection.get(where={"doc_hash": {"$in": sorted(live)}},
                                    include=["documents", "metadatas"])
        chunks = [_chunk(i, d, _strip(m)) for i, d, m in
                  zip(found["ids"], found["documents"], found["metadatas"])]
        return sorted(chunks, key=lambda c: (c.source, c.ordinal))

    def lexical(self, ledger: Ledger):
        """The BM25 index of the ledger's live chunks, rebuilt only when the ledger changes."""
        from rag.lexical import LexicalIndex

        with self._lexical_lock:
            if self._lexical is None or self._lexical[0] != (ledger.generation, ledger.updated_at):
                index = LexicalIndex(self.live_chunks(ledger.live_hashes))
                self._lexical = ((ledger.generation, ledger.updated_at), index)
            return self._lexical[1]


def _strip(meta: dict) -> dict:
    # llama-index keeps a JSON copy of the node in '_node_content'; the flat fields are enough.
    return {k: v for k, v in meta.items() if not k.startswith("_")}
