"""Embedding backends side by side: torch (sentence-transformers), ONNX float and ONNX int8.

    python bench/embed_backends.py [--backends torch,onnx,onnx-int8] [--json FILE]

For each backend, in this one run: the default corpus is ingested into a fresh index with that
backend (chunks per second inside the model, as the ingest report measures it), one question is
embedded 50 times (ms per question), and the eval set is answered (hit@5, MRR and key-fact recall).
A backend is adopted as the default only if its hit@5 is within 0.01 of torch's (issue #7).
Abstention figures are left out: their thresholds are calibrated for the default backend.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def measure(backend: str, corpus: Path, questions: Path) -> dict:
    from ingest.pipeline import run_ingest
    from rag.answer import Assistant
    from core.config import load_settings
    from rag.evaluate import load_questions, percentile, run, score

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp) / "index", embed_backend=backend)
        report = run_ingest([corpus], settings)
        assistant = Assistant(settings)
        question = "How long is the waiting period for short-term disability?"
        assistant.embedder.embed([question])
        single = []
        for _ in range(50):
            started = time.perf_counter()
            assistant.embedder.embed([question])
            single.append((time.perf_counter() - started) * 1000)
        figures = score(run(assistant, load_questions(questions)))
    return {"backend": backend, "chunks": report.embedded_chunks,
            "chunks_per_s": round(report.embedded_chunks / report.embed_seconds, 1),
            "question_ms_p50": round(percentile(single, 0.5), 2),
            "hit_at_5": figures.hit_at_5, "mrr": figures.mrr, "key_fact_recall": figures.key_fact_recall,
            "answer_p50_ms": figures.latency_p50_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    parser.add_argument("--questions", default=str(ROOT / "tests" / "eval" / "questions.jsonl"))
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()

    rows = [measure(b, Path(args.corpus), Path(args.questions)) for b in args.backends.split(",")]
    base = next((r for r in rows if r["backend"] == "torch"), rows[0])
    columns = ["backend", "chunks_per_s", "question_ms_p50", "hit_at_5", "mrr", "key_fact_recall", "answer_p50_ms"]
    print(" | ".join(f"{c:>15}" for c in columns + ["speed-up", "hit@5 ok"]))
    for row in rows:
        row["speedup"] = round(row["chunks_per_s"] / base["chunks_per_s"], 2)
        row["hit_at_5_within_0.01"] = row["hit_at_5"] >= base["hit_at_5"] - 0.01
        cells = [row[c] for c in columns] + [f"{row['speedup']}x", "yes" if row["hit_at_5_within_0.01"] else "NO"]
        print(" | ".join(f"{str(c):>15}" for c in cells))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
