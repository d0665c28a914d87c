"""Ingest benchmark on the default corpus: full ingest, no-op re-ingest, embedding throughput.

    python bench/ingest_speed.py [--corpus DIR] [--json FILE]

Full and no-op runs are timed as a user runs them: `benefits-qa ingest` in a fresh process.
Throughput compares the pipeline's own embedding stage with the configured backend called bare
(ONNX Runtime session or SentenceTransformer.encode) on the same chunk texts, in this run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed_cli(*args: str, env: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started, json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "BENEFITS_QA_INDEX": str(index)}
        full_s, full = timed_cli("ingest", args.corpus, "--json", env=env)
        noop_s, noop = timed_cli("ingest", args.corpus, "--json", env=env)
        assert noop["counts"]["unchanged"] == full["counts"]["added"], noop["counts"]

        from core.config import load_settings
        from core.embed import Embedder
        from core.store import IndexStore

        settings = load_settings(index_dir=index)
        texts = [c.embedding_text() for c in IndexStore(settings).live_chunks()]
        # The same backend called directly, as its own documentation shows it, on the same texts.
        model = Embedder(settings).model
        encode = model.encode
        encode(texts[:32])  # warm-up, as the pipeline's model is warm after its first batch
        started = time.perf_counter()
        encode(texts)
        bare_s = time.perf_counter() - started

    ours = full["embedded_chunks"] / full["embed_seconds"]
    bare = len(texts) / bare_s
    figures = {
        "documents": full["live_documents"], "chunks": full["live_chunks"],
        "full_ingest_s": round(full_s, 2), "noop_reingest_s": round(noop_s, 2),
        "pipeline_chunks_per_s": round(ours, 1), "bare_backend_chunks_per_s": round(bare, 1),
        "throughput_ratio": round(ours / bare, 3),
    }
    print(f"{'metric':<28} value")
    for key, value in figures.items():
        print(f"{key:<28} {value}")
    print(f"{'floors':<28} no-op < 2 s: {'ok' if noop_s < 2 else 'MISSED'}; "
          f"throughput ratio >= 0.85: {'ok' if ours / bare >= 0.85 else 'MISSED'}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
