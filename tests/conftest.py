"""Shared fixtures. Every test gets its own index folder, so no test touches a developer's index."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


# Fixtures that build the full default-corpus index: a test that uses one is marked slow.
_FULL_INDEX = {"corpus_index", "assistant"}


def pytest_collection_modifyitems(items):
    for item in items:
        if _FULL_INDEX & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def run_cli(*args, index=None, env=None, timeout=300) -> subprocess.CompletedProcess:
    """`benefits-qa ARGS` in a fresh process, as a user or a script runs it (output captured)."""
    environ = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    if index is not None:
        environ["BENEFITS_QA_INDEX"] = str(index)
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=environ, timeout=timeout)


@pytest.fixture(autouse=True)
def isolated_index(tmp_path, monkeypatch):
    index = tmp_path / "index"
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(index))
    return index


@pytest.fixture(scope="session")
def embedder():
    from core.config import load_settings
    from core.embed import Embedder

    return Embedder(load_settings())


@pytest.fixture(scope="session")
def safety_check(embedder):
    """The shipped safety classifier, as the assistant runs it, without an index."""
    from rag.safety_model import DEFAULT_MODEL, SafetyClassifier, SafetyModel

    return SafetyClassifier(SafetyModel.load(DEFAULT_MODEL), embedder).check


@pytest.fixture(scope="session")
def token_counter():
    from core.config import load_settings
    from core.embed import TokenCounter

    return TokenCounter(load_settings().embed_model_path)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """The default corpus ingested once for the whole run (real PDFs, model and Chroma)."""
    from ingest.pipeline import run_ingest
    from core.config import load_settings

    index = tmp_path_factory.mktemp("corpus-index")
    report = run_ingest([CORPUS], load_settings(index_dir=index))
    assert report.ok, [f for f in report.files if f.status == "failed"]
    return index


@pytest.fixture(scope="session")
def assistant(corpus_index, embedder):
    from rag.answer import Assistant
    from core.config import load_settings

    return Assistant(load_settings(index_dir=corpus_index), embedder=embedder)


@pytest.fixture
def small_corpus(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("short-term-disability-plan.pdf", "faq-leave-and-time-off.html"):
        shutil.copy(CORPUS / name, docs / name)
    return docs


@pytest.fixture
def corpus_copy(tmp_path):
    """A writable copy of the default corpus, for tests that change files."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target, ignore=shutil.ignore_patterns("src"))
    return target


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`) on loopback for the whole run; its URL."""
    from tests.servers import free_port, wait_until_up

    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen([str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/v2/heartbeat", process, 60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(params=["embedded", "server"])
def store_mode(request, monkeypatch):
    """Run a test against the embedded store and against a Chroma server (own collections per test)."""
    if request.param == "server":
        monkeypatch.setenv("BENEFITS_QA_CHROMA_URL", request.getfixturevalue("chroma_server"))
        monkeypatch.setenv("BENEFITS_QA_CHROMA_PREFIX", f"t{uuid.uuid4().hex[:12]}")
    return request.param


@pytest.fixture(scope="session")
def server_corpus_settings(chroma_server, tmp_path_factory):
    """The default corpus ingested once into the Chroma server."""
    from ingest.pipeline import run_ingest
    from core.config import load_settings

    settings = load_settings(index_dir=tmp_path_factory.mktemp("server-index"), chroma_url=chroma_server,
                             chroma_prefix="corpus")
    report = run_ingest([CORPUS], settings)
    assert report.ok, [f for f in report.files if f.status == "failed"]
    return settings
