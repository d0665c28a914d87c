"""Query latency at scale: cold start, retrieval and answer latency, RSS and 20 concurrent askers.

    python bench/query.py [--sizes 1000,10000,100000] [--modes embedded,server] [--json FILE]
                          [--questions tests/eval/questions.jsonl] [--seed 0] [--build-only]

For each size, an index of about that many chunks (the default corpus plus a scale corpus from
bench/scale_corpus.py that makes up the rest) is built with the real ingest pipeline, or reused
from bench/.scale/ when the size, seed, generator, embedding model and chunk settings are
unchanged; an interrupted build continues where the ingest left off. Building 100k chunks takes
most of an hour on 2 cores: --build-only in the background first. Each (size, mode) is then
served by a fresh process (this file with --serve), so cold start and peak RSS are its own.

Cache: bench/.scale/corpus-<size>-seed<seed>/ (the generated Markdown), index-<size>/ (embedded),
index-<size>-server/{index,chroma}/ (server mode: local index folder, `chroma run --path`), logs/.

Modes: "embedded" opens the Chroma store in the index folder; "server" starts `chroma run` on a
free loopback port and ingests and serves through BENEFITS_QA_CHROMA_URL.

The bench only prints (and writes JSON); the floors are a column in the table, not assertions.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository before bench/ (this script's folder, where scale_corpus is): bench/ingest_speed.py must not
# hide the ingest package, here or in the worker processes ingest starts (they inherit sys.path).
sys.path.insert(0, str(ROOT))
SCALE_DIR = ROOT / "bench" / ".scale"
CORPUS = ROOT / "corpus"

# (label, result field, limit, the largest size it applies to: None for every size). A floor stated
# "at 10k chunks" applies below 10k too: a smaller index must be at least as fast.
FLOORS = [("retrieve p50<=50ms", "retrieve_p50_ms", 50, 10_000),
          ("answer p50<=200ms", "answer_p50_ms", 200, 10_000),
          ("answer p95<=400ms", "answer_p95_ms", 400, 100_000),
          ("cold start<=20s", "cold_start_s", 20, None),
          ("RSS<=1.5GiB", "peak_rss_mb", 1536, None)]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_questions(path: Path) -> list[str]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


# -- building (cached) ------------------------------------------------------------------------------
class IngestProgress:
    """Prints the pipeline's progress at most every 30 s, with a rate and ETA while embedding."""

    def __init__(self, label: str):
        self.label, self.last, self.started, self.embedding = label, 0.0, time.monotonic(), None

    def __call__(self, done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if what == "embedding chunks" and self.embedding is None:
            self.embedding = now
        if now - self.last < 30 and what != "done":
            return
        self.last = now
        elapsed = now - self.started
        eta = ""
        if what == "embedding chunks" and done:
            rate = done / (now - self.embedding)
            eta = f", {rate:.0f} chunks/s, ~{(total - done) / rate / 60:.0f} min left"
        what = "reading files" if what.startswith("reading ") else what
        log(f"  [{self.label}] {what}: {done}/{total} ({elapsed / 60:.1f} min{eta})")


def cache_dirs(size: int, mode: str) -> tuple[Path, Path | None]:
    """(index folder, Chroma server folder or None) of one size and mode."""
    if mode == "server":
        base = SCALE_DIR / f"index-{size}-server"
        return base / "index", base / "chroma"
    return SCALE_DIR / f"index-{size}", None


def cache_key(size: int, seed: int, settings) -> dict:
    from core.embed import model_id
    from scale_corpus import GENERATOR_VERSION

    return {"size": size, "seed": seed, "generator": GENERATOR_VERSION, "model": model_id(settings),
            "chunk_tokens": settings.chunk_tokens, "max_chunk_tokens": settings.max_chunk_tokens}


def settings_for(index_dir: Path, env: dict):
    from core.config import load_settings

    return load_settings(environ=env, index_dir=index_dir)


def claim_cache(size: int, seed: int, mode: str, env: dict) -> None:
    """Stamp the cache folders with what they hold. Folders stamped for another generator, model or
    chunking (or not stamped) are removed and rebuilt whole; a build of the same key that was
    interrupted is continued, since ingest is incremental."""
    index_dir, server_dir = cache_dirs(size, mode)
    stamp = index_dir / "bench-key.json"
    key = cache_key(size, seed, settings_for(index_dir, env))
    if stamp.exists() and json.loads(stamp.read_text()) == key:
        return
    for folder in (index_dir, server_dir):
        if folder is not None and folder.exists():
            log(f"  cache {folder} was built for other settings: rebuilding")
            shutil.rmtree(folder)
    index_dir.mkdir(parents=True)
    stamp.write_text(json.dumps(key))


def build_index(size: int, seed: int, mode: str, env: dict) -> dict:
    """Ingest the default corpus plus a scale corpus into the cached index; incremental, so a rerun
    over an up-to-date cache only hashes the files. Returns figures about the index."""
    from ingest.pipeline import run_ingest
    from ingest.types import FAILED, REMOVED
    from scale_corpus import GENERATOR_VERSION, MANIFEST, generate

    index_dir, _ = cache_dirs(size, mode)
    settings = settings_for(index_dir, env)
    started = time.perf_counter()
    report = run_ingest([CORPUS], settings, progress=IngestProgress(f"{size} {mode} default corpus"))
    _check(report)
    # The scale corpus fills the index up to `size`: the default corpus's chunks count too.
    default_chunks = sum(f.chunks for f in report.files if f.status not in (REMOVED, FAILED))
    target = max(0, size - default_chunks)
    corpus_dir = SCALE_DIR / f"corpus-{size}-seed{seed}"
    manifest_file = corpus_dir / MANIFEST
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    if (manifest.get("target_chunks"), manifest.get("seed"), manifest.get("generator")) != (target, seed, GENERATOR_VERSION):
        log(f"  generating a scale corpus of ~{target} chunks in {corpus_dir}")
        generate(target, corpus_dir, seed, log=log)
    report = run_ingest([corpus_dir], settings, progress=IngestProgress(f"{size} {mode} scale corpus"))
    _check(report)
    return {"documents": report.live_documents, "chunks": report.live_chunks,
            "ingest_s": round(time.perf_counter() - started, 1), "embedded_now": report.embedded_chunks}


def _check(report) -> None:
    if not report.ok:
        failed = [f"{f.source}: {f.reason}" for f in report.files if f.status == "failed"][:5]
        raise SystemExit("ingest failed for: " + "; ".join(failed))


# -- the Chroma server ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def chroma_server(path: Path, log_file: Path):
    """A `chroma run` on a free loopback port, stopped on the way out whatever happens.
    Yields (url, process)."""
    path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chroma = Path(sys.executable).parent / "chroma"
    with open(log_file, "wb") as out:  # one log per server start; it logs every request
        server = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                                   "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the Chroma server did not start; see {log_file}") from None
                time.sleep(0.2)
        yield url, server
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def status_mb(field: str, pid: int | str = "self") -> int | None:
    """A memory field of /proc/<pid>/status in MB, or None when the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return round(int(status.split(f"{field}:")[1].split()[0]) / 1024)


# -- measuring (in the serving process) -------------------------------------------------------------
def serve(index_dir: Path, questions_file: Path, started: float, threads: int, per_thread: int) -> dict:
    """Runs in the fresh serving process: everything from here on counts toward its cold start."""
    import threading
    import traceback

    from rag.answer import Assistant
    from core.config import load_settings

    imported = time.time()
    questions = load_questions(questions_file)
    assistant = Assistant(load_settings(index_dir=index_dir))
    constructed = time.time()
    assistant.ask(questions[0])
    first_answer = time.time()

    def timed(fn, question):
        t = time.perf_counter()
        result = fn(question)
        return (time.perf_counter() - t) * 1000, result

    retrieve_ms = [timed(assistant.retriever.retrieve, q)[0] for q in questions]
    answer_ms, expected = [], {}
    cpu = time.process_time()  # CPU time is less swayed than wall time by other work on the machine
    for q in questions:
        ms, answer = timed(assistant.ask, q)
        answer_ms.append(ms)
        expected[q] = answer.text
    answer_cpu_ms = (time.process_time() - cpu) * 1000 / len(questions)

    # Concurrent askers: each asks its own slice of the questions; answers must match the ones
    # given one at a time, or the assistant is not safe to share between threads.
    latencies, errors, mismatched = [], [], []
    gate = threading.Barrier(threads + 1)

    def asker(n: int) -> None:
        gate.wait()
        for i in range(per_thread):
            q = questions[(n * per_thread + i) % len(questions)]
            try:
                ms, answer = timed(assistant.ask, q)
            except Exception:
                errors.append(traceback.format_exc())
                continue
            latencies.append(ms)
            if answer.text != expected[q]:
                mismatched.append(q)

    workers = [threading.Thread(target=asker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    gate.wait()
    t = time.perf_counter()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t
    return {"cold_start_s": round(first_answer - started, 2), "import_s": round(imported - started, 2),
            "assistant_init_s": round(constructed - imported, 2), "first_answer_s": round(first_answer - constructed, 2),
            "questions": len(questions),
            "retrieve_p50_ms": round(percentile(retrieve_ms, 50), 1), "retrieve_p95_ms": round(percentile(retrieve_ms, 95), 1),
            "answer_p50_ms": round(percentile(answer_ms, 50), 1), "answer_p95_ms": round(percentile(answer_ms, 95), 1),
            "answer_cpu_ms": round(answer_cpu_ms, 1),
            "concurrency": threads, "concurrent_answers": len(latencies),
            "concurrent_per_s": round(len(latencies) / wall, 1) if wall else 0.0,
            "concurrent_p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
            "concurrent_p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
            "concurrent_errors": len(errors), "first_error": errors[0] if errors else "",
            "concurrent_mismatches": len(mismatched),
            # VmHWM, not getrusage's ru_maxrss: Linux carries that across fork and exec, so a serving
            # process started by a bench that had just rebuilt a large BM25 index reported the bench's peak.
            "peak_rss_mb": status_mb("VmHWM"),
            # Other work on the machine slows every figure: the 1-minute load average says how much.
            "load_avg": round(os.getloadavg()[0], 1)}


def measure(size: int, mode: str, env: dict, args) -> dict:
    """Serve the cached index from a fresh process and collect its figures."""
    index_dir, _ = cache_dirs(size, mode)
    log_file = SCALE_DIR / "logs" / f"serve-{size}-{mode}.log"
    command = [sys.executable, __file__, "--serve", str(index_dir), "--questions", str(args.questions),
               "--threads", str(args.threads), "--per-thread", str(args.per_thread)]
    with open(log_file, "w") as err:
        started = time.time()  # the child's cold start is counted from here, before its interpreter starts
        done = subprocess.run(command + ["--started", repr(started)], env=env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=err)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise SystemExit(f"the serving process failed ({done.returncode}); see {log_file}")
    return json.loads(lines[-1].removeprefix("RESULT "))


# -- the report -------------------------------------------------------------------------------------
def floors_missed(row: dict) -> list[str]:
    return [label for label, field, limit, up_to in FLOORS
            if (up_to is None or row["size"] <= up_to) and row.get(field) is not None and row[field] > limit]


COLUMNS = [("size", "size"), ("mode", "mode"), ("chunks", "chunks"), ("docs", "documents"),
           ("cold s", "cold_start_s"), ("retr p50", "retrieve_p50_ms"), ("retr p95", "retrieve_p95_ms"),
           ("ans p50", "answer_p50_ms"), ("ans p95", "answer_p95_ms"), ("ans cpu", "answer_cpu_ms"),
           ("conc/s", "concurrent_per_s"),
           ("conc p50", "concurrent_p50_ms"), ("conc p95", "concurrent_p95_ms"), ("errs", "concurrent_errors"),
           ("diff", "concurrent_mismatches"), ("RSS MB", "peak_rss_mb"), ("srv MB", "chroma_server_rss_mb"), ("load", "load_avg"),
           ("floors", "floors")]


def print_table(rows: list[dict], threads: int) -> None:
    cells = [[str(row.get(field, "")) for _, field in COLUMNS] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (h, _) in enumerate(COLUMNS)]
    print("  ".join(h.ljust(w) for (h, _), w in zip(COLUMNS, widths)))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)))
    print("latencies in ms (warm, one at a time, over every eval question); ans cpu = CPU ms of the "
          "serving process per answer (all its threads); conc = "
          f"{threads} threads asking at once; diff = answers that differed from the "
          f"one-at-a-time answer; RSS = peak of the serving process; srv = the Chroma server's RSS after "
          f"serving; load = 1-min load average at the end ({os.cpu_count()} CPUs)")
    print("floors: " + "; ".join(f"{label} (up to {up_to:,} chunks)" if up_to else label
                                 for label, _, _, up_to in FLOORS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="index sizes in chunks, comma-separated")
    parser.add_argument("--modes", default="embedded,server", help="embedded, server or both")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "eval" / "questions.jsonl")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the rows as JSON")
    parser.add_argument("--build-only", action="store_true", help="build or update the cached indexes only")
    parser.add_argument("--threads", type=int, default=20, help="concurrent askers")
    parser.add_argument("--per-thread", type=int, default=10, help="questions each concurrent asker asks")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: the serving process
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        result = serve(args.serve, args.questions, args.started, args.threads, args.per_thread)
        print("RESULT " + json.dumps(result), flush=True)
        return

    modes = args.modes.split(",")
    if set(modes) - {"embedded", "server"}:
        parser.error(f"--modes takes embedded and/or server, not {args.modes!r}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    (SCALE_DIR / "logs").mkdir(parents=True, exist_ok=True)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for mode in modes:
            log(f"== {size} chunks, {mode}")
            env = {**os.environ, "HF_HUB_OFFLINE": "1"}
            env.pop("BENEFITS_QA_CHROMA_URL", None)
            try:
                row = run_one(size, mode, env, args)
            except (Exception, SystemExit) as err:  # one failing size or mode must not lose the others
                log(f"  {size} {mode} failed: {err}")
                row = {"size": size, "mode": mode, "error": str(err)}
            if row is None:
                continue
            missed = floors_missed(row)
            row["floors"] = (f"ERROR {row['error']}" if "error" in row
                             else "MISSED " + ", ".join(missed) if missed else "ok")
            rows.append(row)
            if row.get("first_error"):
                log(f"  {row['concurrent_errors']} concurrent asks failed; the first:\n{row['first_error']}")
    if rows:
        print_table(rows, args.threads)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"cpus": os.cpu_count(), "rows": rows}, indent=2))


def run_one(size: int, mode: str, env: dict, args) -> dict | None:
    """Build (or update) the cached index of one size and mode, then measure it (None: build only)."""
    claim_cache(size, args.seed, mode, env)
    _, server_dir = cache_dirs(size, mode)
    with (chroma_server(server_dir, SCALE_DIR / "logs" / f"chroma-{size}.log") if mode == "server"
          else _nothing()) as (url, server):
        if url:
            env["BENEFITS_QA_CHROMA_URL"] = url
        built = build_index(size, args.seed, mode, env)
        log(f"  index: {built['chunks']} chunks in {built['documents']} documents "
            f"({built['embedded_now']} embedded now, {built['ingest_s']} s)")
        if args.build_only:
            return None
        row = {"size": size, "mode": mode, **built, **measure(size, mode, env, args)}
        if server:
            row["chroma_server_rss_mb"] = status_mb("VmRSS", server.pid)  # its share of serving, now
        return row


@contextmanager
def _nothing():
    yield None, None


if __name__ == "__main__":
    main()
