"""What the HTTP API adds to an answer: each eval question asked in process (Assistant.ask) and
through `benefits-qa serve` on loopback (httpx, one kept-alive connection, with an API key), one
after the other, so the two never share the CPU.

    python bench/api_overhead.py [--index DIR] [--questions FILE] [--rounds 3]

Without --index (or BENEFITS_QA_INDEX) the default corpus is ingested into a temporary folder
first. Prints p50/p95 of both times and of the overhead, per question the API's time minus the
in-process time; the issue's floor is a p50 overhead of at most 10 ms. Prints only, asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "bench-api-overhead-key"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def wait_for(url: str, process: subprocess.Popen, seconds: float) -> None:
    import httpx

    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", help="index folder (default: $BENEFITS_QA_INDEX, else the corpus ingested afresh)")
    parser.add_argument("--questions", default=str(ROOT / "tests" / "eval" / "questions.jsonl"))
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked each way")
    args = parser.parse_args()

    import httpx

    from core.config import load_settings
    from rag.answer import Assistant
    from rag.evaluate import load_questions
    from tests.servers import free_port

    scratch = tempfile.TemporaryDirectory()
    index = args.index or os.environ.get("BENEFITS_QA_INDEX")
    if not index:
        from ingest.pipeline import run_ingest

        index = str(Path(scratch.name) / "index")
        run_ingest([ROOT / "corpus"], load_settings(index_dir=Path(index)))
    questions = [q.question for q in load_questions(Path(args.questions))]

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "BENEFITS_QA_API_KEYS": KEY,
           "BENEFITS_QA_API_REQUESTS_PER_MINUTE": "1000000"}
    server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--index", index],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/healthz", server, 120)
        assistant = Assistant(load_settings(index_dir=Path(index)))
        assistant.ask("warm-up")
        in_process, over_http, overhead = [], [], []
        with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
            client.post(f"{url}/v1/ask", json={"question": "warm-up"})
            for _ in range(args.rounds):
                for question in questions:
                    started = time.perf_counter()
                    expected = assistant.ask(question).to_json()
                    local = time.perf_counter() - started
                    started = time.perf_counter()
                    response = client.post(f"{url}/v1/ask", json={"question": question})
                    remote = time.perf_counter() - started
                    if response.status_code != 200 or response.json() != expected:
                        print(f"question {questions.index(question)}: the API's answer differs ({response.status_code})")
                    in_process.append(local * 1000)
                    over_http.append(remote * 1000)
                    overhead.append((remote - local) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=30)
        scratch.cleanup()

    print(f"{len(questions)} questions x {args.rounds} rounds, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"  {'':<28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in (("in process (Assistant.ask)", in_process), ("HTTP API (POST /v1/ask)", over_http),
                         ("overhead (API - in process)", overhead)):
        print(f"  {name:<28} {percentile(values, 0.5):>8.1f} {percentile(values, 0.95):>8.1f}")
    print(f"  p50(API) - p50(in process): {statistics.median(over_http) - statistics.median(in_process):.1f} ms "
          f"(the issue's floor: p50 overhead <= 10 ms)")


if __name__ == "__main__":
    main()
