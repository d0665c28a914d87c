"""The index on disk: the ledger of live documents and the Chroma store it points to, plus a BM25
index built from the live chunks.

Stores are generations. An ingest run copies the live store into a new folder, changes the copy,
and then commits by replacing the ledger (atomic), which names the new store. Readers follow the
ledger, so they see the old generation or the new one, never a store being written: a run that
fails or is killed leaves the index exactly as it was, and the app keeps answering during a run.

Both `ingest` (writes) and `rag` (reads) go through this module; nothing else touches the files.
"""
from __future__ import annotations

import fcntl
import math
import shutil
import threading
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from rag.config import Settings
from rag.errors import BenefitsQAError, IndexMissingError
from rag.ledger import Ledger, read_ledger, write_ledger
from rag.types import Chunk

COLLECTION = "policy_chunks"
STORE_PREFIX = "chroma-"
# Generations kept after a commit besides the live one: a reader that read the previous ledger a
# moment ago may still be querying its store.
KEEP_PREVIOUS = 2
_LOCK_FILE = ".ingest.lock"
_COMMITTED = ".committed"  # marks a store folder that some ledger has pointed to


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


class ChromaStore:
    """One generation: a Chroma collection in its own folder, used through llama-index."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @cached_property
    def collection(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(self.path),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        return client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"})

    @cached_property
    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    # -- writes --------------------------------------------------------------------------------
    def add_chunks(self, chunks: list[Chunk], embeddings) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for chunk, vector in zip(chunks, embeddings):
            node = TextNode(id_=chunk.id, text="\n".join(chunk.sentences), metadata=_metadata(chunk),
                            embedding=[float(x) for x in vector])
            # The document version is the node's source: delete(doc_hash) removes all its chunks.
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_hash)
            nodes.append(node)
        # Content-addressed ids: a chunk already here (the same text twice) is not added again.
        existing = set(self.collection.get(ids=[n.node_id for n in nodes], include=[])["ids"]) if nodes else set()
        fresh = [n for n in nodes if n.node_id not in existing]
        if fresh:
            self.vector_store.add(fresh)

    def delete_documents(self, doc_hashes: set[str]) -> None:
        for doc_hash in doc_hashes:
            self.vector_store.delete(ref_doc_id=doc_hash)

    def rename_source(self, doc_hash: str, source: str) -> None:
        """A moved or renamed file with the same content keeps its vectors: only metadata changes."""
        found = self.collection.get(where={"doc_hash": doc_hash}, include=["metadatas"])
        if found["ids"]:
            self.collection.update(ids=found["ids"],
                                   metadatas=[{**m, "source": source} for m in found["metadatas"]])

    # -- reads ---------------------------------------------------------------------------------
    def doc_hashes(self) -> set[str]:
        return {m["doc_hash"] for m in self.collection.get(include=["metadatas"])["metadatas"]}

    def dense_search(self, embedding, k: int) -> list[tuple[Chunk, float]]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        result = self.vector_store.query(VectorStoreQuery(
            query_embedding=[float(x) for x in embedding], similarity_top_k=k))
        hits = []
        for node, similarity in zip(result.nodes or [], result.similarities or []):
            # llama-index reports exp(-distance); with cosine space, distance = 1 - cosine.
            cosine = 1.0 + math.log(max(similarity, 1e-12))
            hits.append((_chunk(node.node_id, node.get_content(), _strip(node.metadata)), cosine))
        return hits

    def embeddings_for(self, ids: list[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        found = self.collection.get(ids=ids, include=["embeddings"])
        return dict(zip(found["ids"], found["embeddings"]))

    def section_chunks(self, source: str, section: str) -> list[Chunk]:
        found = self.collection.get(where={"$and": [{"source": source}, {"section": section}]},
                                    include=["documents", "metadatas"])
        chunks = [_chunk(i, d, _strip(m)) for i, d, m in zip(found["ids"], found["documents"], found["metadatas"])]
        return sorted(chunks, key=lambda c: c.ordinal)

    def all_chunks(self) -> list[Chunk]:
        found = self.collection.get(include=["documents", "metadatas"])
        chunks = [_chunk(i, d, _strip(m)) for i, d, m in zip(found["ids"], found["documents"], found["metadatas"])]
        return sorted(chunks, key=lambda c: (c.source, c.ordinal))


def _strip(meta: dict) -> dict:
    # llama-index keeps a JSON copy of the node in '_node_content'; the flat fields are enough.
    return {k: v for k, v in meta.items() if not k.startswith("_")}


class IndexStore:
    """The index folder: follows the ledger to the live store; commits new generations."""

    def __init__(self, settings: Settings, create: bool = False):
        self.settings = settings
        self.dir = Path(settings.index_dir)
        if not create and read_ledger(self.dir) is None:
            raise IndexMissingError(
                f"No index at {self.dir}. Build it with `benefits-qa ingest corpus/ --index {self.dir}` "
                "(or `make run`, which does it for you).")
        self._lock = threading.Lock()
        self._stores: dict[str, ChromaStore] = {}
        self._lexical = None  # (store name, LexicalIndex)

    def ledger(self) -> Ledger:
        return read_ledger(self.dir) or Ledger()

    def store_for(self, ledger: Ledger) -> ChromaStore | None:
        if not ledger.store:
            return None
        with self._lock:
            if ledger.store not in self._stores:
                self._stores = {ledger.store: ChromaStore(self.dir / ledger.store)}  # drop older ones
            return self._stores[ledger.store]

    # -- reads (rag) ---------------------------------------------------------------------------
    def dense_search(self, ledger: Ledger, embedding, k: int) -> list[tuple[Chunk, float]]:
        store = self.store_for(ledger)
        return store.dense_search(embedding, k) if store else []

    def embeddings_for(self, ledger: Ledger, ids: list[str]) -> dict[str, list[float]]:
        store = self.store_for(ledger)
        return store.embeddings_for(ids) if store else {}

    def section_sentences(self, source: str, section: str) -> list[str]:
        """Every sentence of one section of a live document, in reading order (a passage in context)."""
        store = self.store_for(self.ledger())
        return [s for c in store.section_chunks(source, section) for s in c.sentences] if store else []

    def live_chunks(self, ledger: Ledger | None = None) -> list[Chunk]:
        store = self.store_for(ledger or self.ledger())
        return store.all_chunks() if store else []

    def lexical(self, ledger: Ledger):
        """The BM25 index of the live chunks, rebuilt only when a new generation is committed."""
        from rag.lexical import LexicalIndex

        with self._lock:
            cached = self._lexical
        if cached is None or cached[0] != ledger.store:
            cached = (ledger.store, LexicalIndex(self.live_chunks(ledger)))
            with self._lock:
                self._lexical = cached
        return cached[1]

    # -- writes (ingest) -----------------------------------------------------------------------
    @contextmanager
    def writing(self):
        """One writer at a time per index folder."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / _LOCK_FILE, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BenefitsQAError(f"Another ingest is updating {self.dir}; wait for it to finish.") from None
            yield

    def new_generation(self, base: Ledger) -> ChromaStore:
        """A writable copy of the live store in a fresh folder (no reader ever opens it before commit)."""
        target = self.dir / f"{STORE_PREFIX}{time.time_ns()}"  # names sort in creation order
        if base.store and (self.dir / base.store).exists():
            shutil.copytree(self.dir / base.store, target, ignore=shutil.ignore_patterns(_COMMITTED))
        else:
            target.mkdir(parents=True)
        return ChromaStore(target)

    def commit(self, ledger: Ledger) -> None:
        """Make `ledger` (and the store it names) live, then remove generations no one needs."""
        write_ledger(self.dir, ledger)
        self.collect_garbage(ledger)

    def collect_garbage(self, ledger: Ledger) -> None:
        stores = sorted((p for p in self.dir.glob(f"{STORE_PREFIX}*") if p.is_dir()),
                        key=lambda p: p.name, reverse=True)
        committed = [p for p in stores if p.name != ledger.store and (p / _COMMITTED).exists()]
        keep = {ledger.store, *(p.name for p in committed[:KEEP_PREVIOUS])}
        for path in stores:
            if path.name not in keep:  # older generations and folders left by interrupted runs
                shutil.rmtree(path, ignore_errors=True)
        if ledger.store:
            (self.dir / ledger.store / _COMMITTED).touch()
