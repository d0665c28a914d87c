"""Our pipeline against llama-index's default pipeline on the same corpus and questions.

    python bench/compare.py [--corpus DIR] [--questions FILE] [--repeat N] [--json FILE]

Both sides read the same files (ingest.discover, so .ingestignore applies to llama-index too).
llama-index runs as its tutorial runs it (see bench/_llamaindex_default.py); ours with the
settings from the BENEFITS_QA_* environment variables.

Ingest time: each side ingests from scratch in a fresh subprocess, timed inside it from before
its heavy imports until its index is built, so imports and model load count for both, as a
user pays them. Our one-time ONNX export (kept in the model cache) is made before timing. Each
side ingests --repeat times (default 3; a cold page cache once doubled a single run), the sides
alternating order, and keeps its fastest run. The llama-index index is then persisted, untimed,
so that this process queries the very index that was built.

Retrieval metrics use rag/evaluate.py's rules (source file and page; answerable questions only).
llama-index's default retriever returns 2 chunks, so it is also run with similarity_top_k=5 for
a fair hit@5 and MRR. Retrieval latency is timed per question, one retriever at a time over the
whole question file, each after a warm-up query; then our full answer (`Assistant.ask`), timed by
rag.evaluate.run. Timings need a quiet machine: the run reports how much CPU other processes took
meanwhile (Linux) and says when it was enough to distort them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after ROOT: a bench script must never shadow a project package
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import _llamaindex_default as li  # noqa: E402  (light: its heavy imports are inside functions)

SIDES = ("ours", "llama-index")


def child_ingest(side: str, corpus: Path, index: Path) -> None:
    """Runs in a fresh process: ingest, then print {"seconds", "chunks"} as JSON."""
    started = time.perf_counter()
    if side == "ours":
        from ingest.pipeline import run_ingest
        from core.config import load_settings

        report = run_ingest([corpus], load_settings(index_dir=index))
        assert report.ok, [f for f in report.files if f.status == "failed"]
        seconds, chunks = time.perf_counter() - started, report.live_chunks
    else:
        from ingest.discover import discover

        built = li.build([f.path for f in discover([corpus])])
        seconds, chunks = time.perf_counter() - started, len(built.index_struct.nodes_dict)
        built.storage_context.persist(persist_dir=str(index))
    print(json.dumps({"seconds": seconds, "chunks": chunks}))


def timed_ingests(corpus: Path, tmp: Path, repeat: int) -> dict[str, dict]:
    best: dict[str, dict] = {}
    for run in range(repeat):
        for side in SIDES if run % 2 == 0 else SIDES[::-1]:
            index = tmp / side
            shutil.rmtree(index, ignore_errors=True)  # from scratch every time
            out = subprocess.run([sys.executable, __file__, "--child", side, "--corpus", str(corpus),
                                  "--index", str(index)], capture_output=True, text=True, cwd=ROOT,
                                 env={**os.environ, "HF_HUB_OFFLINE": "1"})
            if out.returncode:
                sys.exit(f"{side} ingest failed:\n{out.stderr[-3000:]}")
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            if side not in best or figures["seconds"] < best[side]["seconds"]:
                best[side] = figures
    return best


def timed(retrieve, questions) -> tuple[list, list[float]]:
    """(results, seconds per question), after one warm-up question."""
    retrieve(questions[0].question)  # first-call allocations are not a question's latency
    results, seconds = [], []
    for q in questions:
        started = time.perf_counter()
        results.append(retrieve(q.question))
        seconds.append(time.perf_counter() - started)
    return results, seconds


def ms(seconds: list[float], q: float) -> float:
    from rag.evaluate import percentile

    return round(percentile([s * 1000 for s in seconds], q), 1)


def metrics(outcomes, seconds: list[float]) -> dict:
    from rag.evaluate import score

    report = score(outcomes)
    return {"hit_at_1": report.hit_at_1, "hit_at_5": report.hit_at_5, "mrr": report.mrr,
            "retrieval_p50_ms": ms(seconds, 0.5), "retrieval_p95_ms": ms(seconds, 0.95)}


def llama_outcomes(questions, results, corpus: Path) -> list:
    from rag.evaluate import Outcome

    outcomes = []
    for q, nodes in zip(questions, results):
        ranked = dict.fromkeys(li.place(n.node, corpus) for n in nodes)  # distinct pages, in order
        outcomes.append(Outcome(question=q, ranked_pages=tuple(ranked), cited_pages=(), answer_text="",
                                abstained=False, semantic_evidence=0.0, seconds=0.0))
    return outcomes


def over_limit(index, model) -> int:
    """Chunks longer than the model's max_seq_length word pieces: the model reads only their start."""
    from llama_index.core.schema import MetadataMode
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model.model_name)
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in index.docstore.docs.values()]
    return sum(len(ids) > model.max_length for ids in tokenizer(texts, verbose=False)["input_ids"])


def compare(corpus: Path, questions, repeat: int) -> dict:
    from rag.answer import Assistant
    from core.config import load_settings
    from core.embed import Embedder
    from rag.evaluate import run, score

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp) / "ours")
        embedder = Embedder(settings)
        embedder.embed(["warm"])  # makes the ONNX copy if missing: once per model, not per ingest
        ingest = timed_ingests(corpus, Path(tmp), repeat)

        assistant = Assistant(settings, embedder)
        model = li.embed_model()
        index = li.load(Path(tmp) / "llama-index", model)
        default, top5 = index.as_retriever(), index.as_retriever(similarity_top_k=5)
        # One retriever at a time: alternating ONNX Runtime and torch per question slows both
        # (each one's idle threads still spin while the other runs), which no user sees.
        timed_by = {name: timed(fn, questions) for name, fn in
                    (("ours", assistant.retriever.retrieve), ("default", default.retrieve), ("top5", top5.retrieve))}
        assistant.ask(questions[0].question)  # warm-up, as for retrieval
        answered = score(run(assistant, questions))  # times assistant.ask_with_evidence per question
        truncated = over_limit(index, model)

    ours = {"ingest_s": round(ingest["ours"]["seconds"], 2), "chunks": ingest["ours"]["chunks"],
            "embed_backend": settings.embed_backend,
            "hit_at_1": answered.hit_at_1, "hit_at_5": answered.hit_at_5, "mrr": answered.mrr,
            "retrieval_p50_ms": ms(timed_by["ours"][1], 0.5), "retrieval_p95_ms": ms(timed_by["ours"][1], 0.95),
            "answer_p50_ms": answered.latency_p50_ms, "answer_p95_ms": answered.latency_p95_ms}
    llama = {"ingest_s": round(ingest["llama-index"]["seconds"], 2), "chunks": ingest["llama-index"]["chunks"]}
    figures = {"questions": len(questions), "answerable": answered.answerable, "ingest_runs": repeat, "ours": ours}
    for name, retriever in (("default", default), ("top5", top5)):
        results, seconds = timed_by[name]
        figures[f"llama_index_{name}"] = {**llama, "top_k": retriever.similarity_top_k,
                                          **metrics(llama_outcomes(questions, results, corpus), seconds)}
    lid = figures["llama_index_default"]
    return {**figures, "llama_index_pdf_reader": li.pdf_reader_note(),
            "llama_index_chunks_over_max_seq_length": truncated, "max_seq_length": model.max_length,
            "ingest_ratio_llama_over_ours": round(lid["ingest_s"] / ours["ingest_s"], 2),
            "retrieval_p50_ratio_llama_over_ours": round(lid["retrieval_p50_ms"] / ours["retrieval_p50_ms"], 2),
            "retrieval_p95_ratio_llama_over_ours": round(lid["retrieval_p95_ms"] / ours["retrieval_p95_ms"], 2)}


def print_table(f: dict) -> None:
    rows = [(f"ours ({f['ours']['embed_backend']})", f["ours"]),
            (f"llama-index default (top-{f['llama_index_default']['top_k']})", f["llama_index_default"]),
            (f"llama-index top-{f['llama_index_top5']['top_k']}", f["llama_index_top5"])]
    header = ("pipeline", "ingest s", "chunks", "hit@5", "MRR", "retrieval p50/p95 ms", "answer p50/p95 ms")
    widths = (30, 10, 8, 8, 8, 22, 18)
    print("".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    for name, r in rows:
        answer = f"{r['answer_p50_ms']}/{r['answer_p95_ms']}" if "answer_p50_ms" in r else "-"
        cells = (name, r["ingest_s"], r["chunks"], r["hit_at_5"], r["mrr"],
                 f"{r['retrieval_p50_ms']}/{r['retrieval_p95_ms']}", answer)
        print("".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip())
    print(f"ratios llama-index default / ours (>1: ours faster): ingest {f['ingest_ratio_llama_over_ours']}, "
          f"retrieval p50 {f['retrieval_p50_ratio_llama_over_ours']}, p95 {f['retrieval_p95_ratio_llama_over_ours']}")
    print(f"hit@5 and MRR over the {f['answerable']} answerable of {f['questions']} questions; "
          f"the top-2 row's hit@5 can count only 2 chunks.")
    print(f"llama-index chunks over {f['max_seq_length']} word pieces, so truncated by the model: "
          f"{f['llama_index_chunks_over_max_seq_length']} of {f['llama_index_default']['chunks']}. "
          f"PDFs read by: {f['llama_index_pdf_reader']}.")


def cpu_seconds() -> tuple[float, float] | None:
    """(busy CPU seconds of the whole machine, of this process and its finished children); Linux."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    own = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), own.user + own.system + own.children_user + own.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    parser.add_argument("--questions", default=str(ROOT / "tests" / "eval" / "questions.jsonl"))
    parser.add_argument("--repeat", type=int, default=3, help="ingest runs per side (default 3); the fastest counts")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    if args.child:
        return child_ingest(args.child, corpus, Path(args.index))

    from rag.evaluate import load_questions

    started, cpu_before = time.perf_counter(), cpu_seconds()
    figures = compare(corpus, load_questions(Path(args.questions)), args.repeat)
    figures["run_s"] = round(time.perf_counter() - started, 1)
    # Timings mean little if other work shared the cores (torch's threads suffer most from it):
    # the CPUs' busy time that was not this run's, in cores, averaged over the run.
    cpu_after = cpu_seconds()
    figures["other_cpu_cores"] = (round(((cpu_after[0] - cpu_before[0]) - (cpu_after[1] - cpu_before[1]))
                                        / figures["run_s"], 2) if cpu_before and cpu_after else None)
    figures["cpu_count"] = os.cpu_count()
    print_table(figures)
    busy = (figures["other_cpu_cores"] or 0) > 0.2
    print(f"run took {figures['run_s']} s on {figures['cpu_count']} CPUs; other work used "
          f"{figures['other_cpu_cores']} cores meanwhile" + (": BUSY MACHINE, timings unreliable" if busy else ""))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
