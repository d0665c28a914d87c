"""The index on disk: the ledger of live documents and the Chroma store it points to, plus a BM25
index built from the live chunks.

Stores are generations. An ingest run copies the live store into a new folder, changes the copy,
and then commits by replacing the ledger (atomic), which names the new store. Readers follow the
ledger, so they see the old generation or the new one, never a store being written: a run that
fails or is killed leaves the index exactly as it was, and the app keeps answering during a run.

Where the stores live is a `StoreHost`: `LocalHost` keeps each generation in a folder of the
index directory and the ledger in ledger.json beside them (Chroma embedded); `ServerHost` keeps
each generation as a collection on a Chroma server and the ledger as a record on that server, so
app replicas hold no state of their own (client/server mode, BENEFITS_QA_CHROMA_URL).

Both `ingest` (writes) and `rag` (reads) go through this module; nothing else touches the stores.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from core.config import Settings
from core.errors import BenefitsQAError, IndexMissingError
from core.ledger import LEDGER_FILE, Ledger, ledger_from_json, ledger_to_json, read_ledger, write_ledger
from core.types import Chunk, StoreHit

COLLECTION = "policy_chunks"
STORE_PREFIX = "chroma-"
# Generations kept after a commit besides the live one: a reader that read the previous ledger a
# moment ago may still be querying its store.
KEEP_PREVIOUS = 2
_LOCK_FILE = ".ingest.lock"
_COMMITTED = ".committed"
# A generation is built under this prefix and renamed to `chroma-<time>` only once whole: a run
# killed while copying leaves a half-copied store that no name ever points to, and the next
# writer deletes it (a half-copied chroma.sqlite3 is a malformed database).
PARTIAL_PREFIX = ".partial-"
LEDGER_MAX_AGE = 2.0  # seconds a server-mode reader may answer from the previous generation
_PAGE = 5000  # records per Chroma get: SQLite allows 32,766 variables per query
_LEXICAL_DIR = "lexical"  # saved BM25 indexes, one per store generation


def _metadata(chunk: Chunk) -> dict:
    # Chroma metadata values must be str/int/float/bool: page None is stored as 0.
    return {"doc_hash": chunk.doc_hash, "source": chunk.source, "title": chunk.title,
            "section": chunk.section, "page": chunk.page or 0, "ordinal": chunk.ordinal,
            "effective_date": chunk.effective_date, "place": chunk.place}


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(id=chunk_id, doc_hash=meta["doc_hash"], source=meta["source"], title=meta["title"],
                 section=meta.get("section", ""), page=int(meta.get("page") or 0) or None,
                 sentences=tuple(text.split("\n")), ordinal=int(meta.get("ordinal", 0)),
                 effective_date=meta.get("effective_date", ""), place=meta.get("place", ""))


class ChromaStore:
    """One generation: a Chroma collection (cosine space; a chunk's id is its document's hash and its place in it).

    chromadb is used directly. llama-index's ChromaVectorStore wrapper cost a second of imports in
    every ingest and serving process and stored a JSON copy of each node beside its fields; the
    flat fields written here are the same ones it wrote, so stores made through it read the same.
    """

    def __init__(self, name: str, open_collection, close_client=None):
        self.name = name
        self._open_collection = open_collection  # () -> the chromadb Collection
        self._close_client = close_client  # releases the store's files and threads (embedded only)

    @cached_property
    def collection(self):
        return self._open_collection()

    def close(self) -> None:
        """Release the store's open files, threads and memory; a later use opens it again."""
        self.__dict__.pop("collection", None)
        if self._close_client is not None:
            self._close_client()

    # -- writes --------------------------------------------------------------------------------
    def add_chunks(self, chunks: list[Chunk], embeddings, embed_model: str = "") -> None:
        # Content-addressed ids: a chunk already here (the same text twice) is not added again.
        existing = set(self.collection.get(ids=[c.id for c in chunks], include=[])["ids"]) if chunks else set()
        fresh = {}
        for chunk, vector in zip(chunks, embeddings):
            if chunk.id not in existing:
                fresh.setdefault(chunk.id, (chunk, vector))
        if fresh:
            pairs = list(fresh.values())
            # Each vector records its model, so a later run may reuse it only for the same model.
            self.collection.add(ids=list(fresh), documents=["\n".join(c.sentences) for c, _ in pairs],
                                embeddings=[[float(x) for x in v] for _, v in pairs],
                                metadatas=[{**_metadata(c), "embed_model": embed_model} for c, _ in pairs])

    def delete_documents(self, doc_hashes: set[str]) -> None:
        for doc_hash in doc_hashes:
            self.collection.delete(where={"doc_hash": doc_hash})

    def rename_source(self, doc_hash: str, source: str) -> None:
        """A moved or renamed file with the same content keeps its vectors: only metadata changes."""
        found = self.collection.get(where={"doc_hash": doc_hash}, include=["metadatas"])
        if found["ids"]:
            self.collection.update(ids=found["ids"],
                                   metadatas=[{**m, "source": source} for m in found["metadatas"]])

    # -- reads ---------------------------------------------------------------------------------
    def _all_rows(self, include: list[str]):
        """Every record, a page at a time: one get of a whole large collection exceeds SQLite's
        limit on query variables (seen at 100k chunks)."""
        rows = {"ids": [], **{field: [] for field in include}}
        for offset in range(0, self.collection.count(), _PAGE):
            page = self.collection.get(limit=_PAGE, offset=offset, include=include)
            for field in rows:
                rows[field] += page[field]
        return rows

    def doc_hashes(self) -> set[str]:
        return {m["doc_hash"] for m in self._all_rows(["metadatas"])["metadatas"]}

    def dense_search(self, embedding, k: int, hidden: frozenset[str] = frozenset()) -> list[StoreHit]:
        """The k nearest chunks, none of a document in `hidden` (content hashes): Chroma filters
        before it ranks, so a hidden document takes no place among the k."""
        where = {"doc_hash": {"$nin": sorted(hidden)}} if hidden else None
        found = self.collection.query(query_embeddings=[[float(x) for x in embedding]], n_results=k, where=where,
                                      include=["documents", "metadatas", "distances"])
        # Cosine space: distance = 1 - cosine similarity.
        return [StoreHit(_chunk(i, d, _strip(m)), 1.0 - distance) for i, d, m, distance
                in zip(found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0])]

    def embeddings_for(self, ids: list[str]) -> dict[str, list[float]]:
        return {i: e for i, e in self.records_for(ids, ["embeddings"])}

    def reusable_vectors(self, chunks: list[Chunk], embed_model: str) -> dict[str, list[float]]:
        """Vectors stored here for exactly these chunks (same id, text, title, section and model)."""
        wanted = {c.id: c for c in chunks}
        out = {}
        for chunk_id, vector, text, meta in self.records_for(list(wanted), ["embeddings", "documents", "metadatas"]):
            chunk = wanted[chunk_id]
            if (text == "\n".join(chunk.sentences) and meta.get("embed_model") == embed_model
                    and meta.get("title") == chunk.title and meta.get("section") == chunk.section):
                out[chunk_id] = vector
        return out

    def records_for(self, ids: list[str], include: list[str]) -> list[tuple]:
        """(id, first included field, second ...) of the records among `ids` that exist, by pages."""
        out = []
        for first in range(0, len(ids), _PAGE):
            found = self.collection.get(ids=ids[first:first + _PAGE], include=include)
            out += zip(found["ids"], *(found[field] for field in include))
        return out

    def chunks_by_ids(self, ids: list[str]) -> list[Chunk]:
        found = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return [_chunk(i, d, _strip(m)) for i, d, m in zip(found["ids"], found["documents"], found["metadatas"])]

    def section_chunks(self, source: str, section: str) -> list[Chunk]:
        found = self.collection.get(where={"$and": [{"source": source}, {"section": section}]},
                                    include=["documents", "metadatas"])
        chunks = [_chunk(i, d, _strip(m)) for i, d, m in zip(found["ids"], found["documents"], found["metadatas"])]
        return sorted(chunks, key=lambda c: c.ordinal)

    def all_chunks(self) -> list[Chunk]:
        found = self._all_rows(["documents", "metadatas"])
        chunks = [_chunk(i, d, _strip(m)) for i, d, m in zip(found["ids"], found["documents"], found["metadatas"])]
        return sorted(chunks, key=lambda c: (c.source, c.ordinal))


def _strip(meta: dict) -> dict:
    # Stores written through llama-index also hold a JSON copy of the node ('_node_content').
    return {k: v for k, v in meta.items() if not k.startswith("_")}


def _created_ns(store_name: str) -> int:
    return int(store_name.removeprefix(STORE_PREFIX) or 0)


class LocalHost:
    """Generations as folders of the index directory, each an embedded Chroma (PersistentClient)."""

    def __init__(self, index_dir: Path):
        self.dir = index_dir
        self._ledger_cache: tuple[tuple, Ledger | None] | None = None

    def __str__(self) -> str:
        return str(self.dir)

    def read_ledger(self, fresh: bool = False) -> Ledger | None:
        # Always fresh, but parsed only when the file changed: with thousands of documents the
        # ledger is megabytes of JSON, and readers ask for it on every question.
        try:
            stat = (self.dir / LEDGER_FILE).stat()
        except FileNotFoundError:
            return None
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # os.replace gives a new inode
        if self._ledger_cache is None or self._ledger_cache[0] != key:
            self._ledger_cache = (key, read_ledger(self.dir))
        return self._ledger_cache[1]

    def write_ledger(self, ledger: Ledger) -> None:
        write_ledger(self.dir, ledger)

    def open_store(self, name: str) -> ChromaStore:
        clients = []

        def open_collection():
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            client = chromadb.PersistentClient(path=str(self.dir / name),
                                               settings=ChromaSettings(anonymized_telemetry=False))
            clients.append(client)
            return client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"},
                                                   embedding_function=None)

        def close():
            # chromadb shares one system per folder in a process and stops it with its last client
            while clients:
                clients.pop().close()
        return ChromaStore(name, open_collection, close)

    def create_store(self, name: str, copy_of: str) -> ChromaStore:
        partial = self.dir / f"{PARTIAL_PREFIX}{name}"
        if copy_of and (self.dir / copy_of).exists():
            shutil.copytree(self.dir / copy_of, partial, ignore=shutil.ignore_patterns(_COMMITTED))
        else:
            partial.mkdir(parents=True)
        os.rename(partial, self.dir / name)  # the name appears only for a whole copy
        return self.open_store(name)

    def discard_partial(self) -> None:
        """Delete what runs killed while copying left (only a writer holding the lock calls this)."""
        for folder in self.dir.glob(f"{PARTIAL_PREFIX}*"):
            shutil.rmtree(folder, ignore_errors=True)

    def store_names(self) -> list[str]:
        return [p.name for p in self.dir.glob(f"{STORE_PREFIX}*") if p.is_dir()]

    def committed(self) -> set[str]:
        return {name for name in self.store_names() if (self.dir / name / _COMMITTED).exists()}

    def mark_committed(self, name: str) -> None:
        (self.dir / name / _COMMITTED).touch()

    def delete_store(self, name: str) -> None:
        shutil.rmtree(self.dir / name, ignore_errors=True)


class ServerHost:
    """Generations as collections on a Chroma server (HttpClient), named `<prefix>-chroma-<time>`;
    the ledger and the list of committed generations are records of the `<prefix>-ledger` collection."""

    def __init__(self, url: str, prefix: str):
        self.url, self.prefix = url, prefix
        self._ledger_cache: tuple[float, Ledger | None] | None = None

    def __str__(self) -> str:
        return f"{self.url} (collections {self.prefix}-*)"

    @cached_property
    def client(self):
        import chromadb
        import httpx
        from chromadb.config import Settings as ChromaSettings
        from urllib.parse import urlsplit

        parts = urlsplit(self.url if "://" in self.url else f"http://{self.url}")
        ssl = parts.scheme == "https"
        try:
            return chromadb.HttpClient(host=parts.hostname or "localhost", port=parts.port or (443 if ssl else 8000),
                                       ssl=ssl, settings=ChromaSettings(anonymized_telemetry=False))
        # The client checks the server at once: chromadb reports an unreachable one as a ValueError
        # ("Could not connect to a Chroma server"), a refused or broken connection as httpx's.
        except (ValueError, httpx.HTTPError, OSError) as err:
            raise BenefitsQAError(f"Cannot reach the Chroma server at {self.url} ({type(err).__name__}): "
                                  "start it (`chroma run --path DIR --port PORT`) or fix BENEFITS_QA_CHROMA_URL.") from None

    @cached_property
    def _ledger_collection(self):
        return self.client.get_or_create_collection(f"{self.prefix}-ledger", embedding_function=None)

    def _record(self, key: str) -> str | None:
        found = self._ledger_collection.get(ids=[key], include=["documents"])
        return found["documents"][0] if found["ids"] else None

    def _put_record(self, key: str, text: str) -> None:
        # One record, one write: Chroma applies it whole, so readers see the old ledger or the new.
        self._ledger_collection.upsert(ids=[key], documents=[text], embeddings=[[0.0]])

    def read_ledger(self, fresh: bool = False) -> Ledger | None:
        # Readers ask for the ledger on every question; over the network that costs a round trip,
        # so a replica looks again at most every LEDGER_MAX_AGE seconds. Writers always look.
        now = time.monotonic()
        if fresh or self._ledger_cache is None or now - self._ledger_cache[0] > LEDGER_MAX_AGE:
            text = self._record("ledger")
            self._ledger_cache = (now, ledger_from_json(text) if text else None)
        return self._ledger_cache[1]

    def write_ledger(self, ledger: Ledger) -> None:
        self._put_record("ledger", ledger_to_json(ledger))
        self._ledger_cache = (time.monotonic(), ledger)

    def _collection_name(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def open_store(self, name: str) -> ChromaStore:
        return ChromaStore(name, lambda: self.client.get_or_create_collection(
            self._collection_name(name), metadata={"hnsw:space": "cosine"}, embedding_function=None))

    def create_store(self, name: str, copy_of: str) -> ChromaStore:
        partial = self.client.get_or_create_collection(f"{self.prefix}-{PARTIAL_PREFIX.strip('.')}{name}",
                                                       metadata={"hnsw:space": "cosine"}, embedding_function=None)
        if copy_of:
            source = self.open_store(copy_of).collection
            page = 1000
            for offset in range(0, source.count(), page):
                rows = source.get(limit=page, offset=offset, include=["embeddings", "documents", "metadatas"])
                if rows["ids"]:
                    partial.add(ids=rows["ids"], embeddings=rows["embeddings"],
                                documents=rows["documents"], metadatas=rows["metadatas"])
        partial.modify(name=self._collection_name(name))  # the name appears only for a whole copy
        return self.open_store(name)

    def discard_partial(self) -> None:
        """Delete copies that killed runs left half done (one ingest at a time per server: README)."""
        from chromadb.errors import NotFoundError

        head = f"{self.prefix}-{PARTIAL_PREFIX.strip('.')}"
        for collection in self.client.list_collections():
            if collection.name.startswith(head):
                try:
                    self.client.delete_collection(collection.name)
                except NotFoundError:  # another process collected it
                    pass

    def store_names(self) -> list[str]:
        head = f"{self.prefix}-{STORE_PREFIX}"
        return [c.name.removeprefix(f"{self.prefix}-") for c in self.client.list_collections()
                if c.name.startswith(head)]

    def committed(self) -> set[str]:
        return set(json.loads(self._record("committed") or "[]"))

    def mark_committed(self, name: str) -> None:
        live = set(self.store_names())
        self._put_record("committed", json.dumps(sorted((self.committed() & live) | {name})))

    def delete_store(self, name: str) -> None:
        from chromadb.errors import NotFoundError

        try:
            self.client.delete_collection(self._collection_name(name))
        except NotFoundError:  # already gone: another process collected it
            pass


class IndexStore:
    """The index: follows the ledger to the live store; commits new generations."""

    def __init__(self, settings: Settings, create: bool = False):
        self.settings = settings
        self.dir = Path(settings.index_dir)  # the lock, fetched pages and feedback live here in both modes
        self.host = ServerHost(settings.chroma_url, settings.chroma_prefix) if settings.chroma_url else LocalHost(self.dir)
        if not create and self.host.read_ledger() is None:
            raise IndexMissingError(
                f"No index at {self.host}. Build it with `benefits-qa ingest corpus/ --index {self.dir}` "
                "(or `make run`, which does it for you).")
        self._lock = threading.Lock()
        self._stores: dict[str, ChromaStore] = {}  # open for readers, by generation
        self._users: dict[str, int] = {}  # readers in the middle of using each
        self._written: list[ChromaStore] = []  # opened by this process's ingest: closed by close()
        self._lexical = None  # (store name, LexicalIndex)
        self._lexical_build = threading.Lock()
        self._words: dict[tuple[str, frozenset[str]], dict[str, int]] = {}  # typo repair's words, per hidden set
        # Sections shown in context, for one generation: the chat redraws every web-page citation of
        # the conversation on each question, and a Chroma read for each cost more than the answer.
        self._sections: tuple[str, dict[tuple[str, str], tuple[str, ...]]] = ("", {})

    def ledger(self, fresh: bool = False) -> Ledger:
        """The live ledger; `fresh` for writers (a reader's may be up to LEDGER_MAX_AGE s old)."""
        return self.host.read_ledger(fresh) or Ledger()

    def store_for(self, ledger: Ledger) -> ChromaStore | None:
        """The ledger's store, kept open until a newer generation is read (see _reading)."""
        with self._reading(ledger) as store:
            return store

    @contextmanager
    def _reading(self, ledger: Ledger):
        """The ledger's store (None for an empty index), open while the block runs. Once a newer
        generation is in use, older ones are closed as their last reader leaves: each open
        generation holds files (deleted ones keep their disk space), threads and memory."""
        name = ledger.store
        if not name:
            yield None
            return
        with self._lock:
            if name not in self._stores:
                self._stores[name] = self.host.open_store(name)
            self._users[name] = self._users.get(name, 0) + 1
            store = self._stores[name]
        try:
            yield store
        finally:
            with self._lock:
                self._users[name] -= 1
                newest = max(self._stores, key=_created_ns)
                for old in [n for n in self._stores if n != newest and not self._users.get(n)]:
                    self._stores.pop(old).close()
                    self._users.pop(old, None)

    def close(self) -> None:
        """Release every store this object opened (the end of an ingest run, say)."""
        with self._lock:
            stores, self._stores, self._users = list(self._stores.values()), {}, {}
            stores += self._written
            self._written = []
            self._lexical = None
        for store in stores:
            store.close()

    # -- reads (rag) ---------------------------------------------------------------------------
    def dense_search(self, ledger: Ledger, embedding, k: int, hidden: frozenset[str] = frozenset()) -> list[StoreHit]:
        with self._reading(ledger) as store:
            return store.dense_search(embedding, k, hidden) if store else []

    def embeddings_for(self, ledger: Ledger, ids: list[str]) -> dict[str, list[float]]:
        with self._reading(ledger) as store:
            return store.embeddings_for(ids) if store else {}

    def section_sentences(self, source: str, section: str) -> list[str]:
        """Every sentence of one section of a live document, in reading order (a passage in context).
        Kept until a new generation is committed."""
        ledger = self.ledger()
        generation, found = self._sections
        if generation != ledger.store:
            generation, found = ledger.store, {}
            self._sections = (generation, found)  # one assignment: readers see one pair or the other
        key = (source, section)
        if key not in found:
            with self._reading(ledger) as store:
                found[key] = tuple(s for c in store.section_chunks(source, section) for s in c.sentences) if store else ()
        return list(found[key])

    def live_chunks(self, ledger: Ledger | None = None) -> list[Chunk]:
        with self._reading(ledger or self.ledger()) as store:
            return store.all_chunks() if store else []

    def lexical(self, ledger: Ledger):
        """The BM25 index of the live store: loaded from `index/lexical/<store>` if an ingest or an
        earlier start saved it there, else built from the live chunks and saved. Kept in memory
        until a new generation is committed."""
        from core.lexical import LexicalIndex

        with self._lock:
            cached = self._lexical
        if cached is not None and cached[0] == ledger.store:
            return cached[1]
        with self._lexical_build:  # twenty first questions at once build it once, not twenty times
            cached = self._lexical
            if cached is not None and cached[0] == ledger.store:
                return cached[1]
            folder = self.dir / _LEXICAL_DIR / ledger.store
            index = LexicalIndex.load(folder) if ledger.store else None
            if index is None:
                index = LexicalIndex.build(self.live_chunks(ledger))
                if ledger.store:
                    shutil.rmtree(folder, ignore_errors=True)  # one saved by an older version, if any
                    index.save(folder)
                    self._drop_lexical_except(ledger.store)
            cached = (ledger.store, index)
            with self._lock:
                self._lexical = cached
        return cached[1]

    def save_lexical(self, ledger: Ledger) -> None:
        """Make sure the live generation's BM25 index is saved (built now if missing or outdated)."""
        from core.lexical import LexicalIndex

        if ledger.store and not LexicalIndex.saved_in(self.dir / _LEXICAL_DIR / ledger.store):
            self.lexical(ledger)

    def lexical_search(self, ledger: Ledger, query: str, k: int, hidden: frozenset[str] = frozenset()) -> list[StoreHit]:
        hits = self.lexical(ledger).search(query, k, hidden)
        with self._reading(ledger) as store:
            by_id = {c.id: c for c in store.chunks_by_ids([h.chunk_id for h in hits])} if store and hits else {}
        return [StoreHit(by_id[h.chunk_id], h.score) for h in hits if h.chunk_id in by_id]

    def words(self, ledger: Ledger, hidden: frozenset[str] = frozenset()) -> dict[str, int]:
        """The live chunks' words and their counts, for typo repair: a word only a hidden document
        holds is left out, so a correction never names it. Kept per generation and hidden set."""
        if not hidden:
            return self.lexical(ledger).words
        from core.spelling import word_counts

        key = (ledger.store, hidden)
        with self._lock:
            found = self._words.get(key)
        if found is None:
            chunks = [c for c in self.live_chunks(ledger) if c.doc_hash not in hidden]
            found = word_counts([f"{c.title} {c.section} {c.text}" for c in chunks])
            with self._lock:
                self._words = {k: v for k, v in self._words.items() if k[0] == ledger.store}
                self._words[key] = found
        return found

    def _drop_lexical_except(self, keep: str) -> None:
        for folder in (self.dir / _LEXICAL_DIR).glob(f"{STORE_PREFIX}*"):
            if folder.name != keep:
                shutil.rmtree(folder, ignore_errors=True)

    # -- writes (ingest) -----------------------------------------------------------------------
    @contextmanager
    def writing(self):
        """One writer at a time per index folder (per machine; see commit for the server case)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / _LOCK_FILE, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BenefitsQAError(f"Another ingest is updating {self.dir}; wait for it to finish.") from None
            yield

    def _uncommitted(self, ledger: Ledger) -> list[str]:
        """Generations newer than the live one that no commit made live, newest first."""
        committed = self.host.committed()
        live_ns = _created_ns(ledger.store) if ledger.store else 0
        return [n for n in sorted(self.host.store_names(), key=_created_ns, reverse=True)
                if n not in committed and _created_ns(n) > live_ns]

    def leftovers(self, ledger: Ledger, exclude: str) -> list[ChromaStore]:
        """Generations that runs newer than the live one wrote but never committed (interrupted or
        failed): their vectors can save an expensive re-embedding. Never read by answers."""
        stores = [self.host.open_store(n) for n in self._uncommitted(ledger) if n != exclude]
        self._written += stores
        return stores

    def reusable_vectors(self, leftovers: list[ChromaStore], chunks: list[Chunk],
                         embed_model: str) -> dict[str, list[float]]:
        """Vectors of these chunks found in leftover generations. A leftover that cannot be read
        (damaged by a crash, say) is deleted: it can only save time, never block a run."""
        from chromadb.errors import ChromaError

        found: dict[str, list[float]] = {}
        for leftover in leftovers:
            wanted = [c for c in chunks if c.id not in found]
            if not wanted:
                break
            try:
                found.update(leftover.reusable_vectors(wanted, embed_model))
            except ChromaError:
                leftover.close()
                self.host.delete_store(leftover.name)
        return found

    def new_generation(self, base: Ledger) -> ChromaStore:
        """A writable copy of the live store under a fresh name (no reader opens it before commit).
        First, what killed or failed runs left: half-made copies go, and of the whole generations
        no commit made live only the newest stays (its vectors may be reused), so repeated failed
        runs do not fill the disk."""
        self.host.discard_partial()
        for name in self._uncommitted(base)[1:]:
            self.host.delete_store(name)
        store = self.host.create_store(f"{STORE_PREFIX}{time.time_ns()}", copy_of=base.store)  # names sort by age
        self._written.append(store)
        return store

    def commit(self, ledger: Ledger, base: Ledger | None = None) -> None:
        """Make `ledger` (and the store it names) live, then remove generations no one needs.
        With `base`, refuse if another writer committed since `base` was read (two machines
        ingesting into one Chroma server): its work would be silently lost otherwise."""
        if base is not None and self.ledger(fresh=True).generation != base.generation:
            self.host.delete_store(ledger.store)
            raise BenefitsQAError(f"Another ingest changed {self.host} while this one ran; nothing was "
                                  "changed by this run. Run it again.")
        self.host.write_ledger(ledger)
        self.collect_garbage(ledger)

    def collect_garbage(self, ledger: Ledger) -> None:
        if ledger.store:
            self.host.mark_committed(ledger.store)
        names = sorted(self.host.store_names(), key=_created_ns, reverse=True)
        committed = self.host.committed()
        previous = [n for n in names if n != ledger.store and n in committed]
        keep = {ledger.store, *previous[:KEEP_PREVIOUS]}
        live_ns = _created_ns(ledger.store) if ledger.store else 0
        for name in names:
            # Older generations go, and uncommitted ones older than the live store (left by an
            # interrupted run); a newer uncommitted one may belong to a run in progress.
            if name not in keep and (name in committed or _created_ns(name) < live_ns):
                self.host.delete_store(name)
