"""Twenty people at once, in the app (issue #20, point 10): real browsers against a real server.

    python bench/app_load.py [--sessions 20] [--seconds 60] [--max-answers 2000] [--turns 0]
                             [--think 0] [--questions 40] [--index DIR] [--json FILE] [--profile FILE]

Starts `streamlit run app.py` on a free loopback port (an index is built from corpus/ into a
temporary folder unless --index names one), then drives Debian's Chromium through Playwright:
- one session asks every question once, alone: the reference answers and the one-person latency
  (this also fills the server's kept sentence vectors, so the loaded phase measures a warm server);
- then --sessions browser sessions (each its own context: its own cookies, one employee) ask
  questions back to back for --seconds, each waiting for its answer before asking the next
  (--think T adds a pause between them, drawn from 0.5 T to 1.5 T). --turns N starts a new
  conversation every N questions; 0 (the default) keeps one conversation per session.

An answer's time runs from the Enter key to the answer drawn to its end (its feedback thumbs come
last). An answer counts as correct when its text equals the reference; a wrong answer, a timeout
or an error on the page counts as an error. Questions come from tests/eval/questions.jsonl, those
that are no follow-up (a follow-up's answer depends on the question before it).

Bounded: every wait has a timeout, the run stops at --seconds or --max-answers, all traffic is to
127.0.0.1. Prints percentiles, answers and errors, the CPU time the server, the browsers and the
whole machine used while loaded, and the load average before and after; writes
JSON to bench/results/app_load.json (or --json). --profile FILE runs py-spy on the server during
the loaded phase (speedscope JSON; needs `pip install py-spy`). The figures are printed, never
asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INPUT = "[data-testid='stChatInputTextArea']"
# Resolves once the answer at `index` among the chat messages is drawn to its end (the feedback
# thumbs come last in every answer) and the script run is over. Checked on DOM changes only, not
# by polling: twenty tabs polling every few ms would take CPU from the server being measured.
ANSWER_DRAWN = """index => new Promise(resolve => {
  const drawn = () => {
    const messages = document.querySelectorAll('[data-testid="stChatMessage"]');
    return messages.length > index && messages[index].querySelector('[data-testid="stFeedback"]') !== null
        && document.querySelector('[data-testid="stStatusWidget"]') === null;
  };
  if (drawn()) { resolve(true); return; }
  const watch = new MutationObserver(() => { if (drawn()) { watch.disconnect(); resolve(true); } });
  watch.observe(document.body, {childList: true, subtree: true});
})"""
IDLE = "() => document.querySelector('[data-testid=\"stStatusWidget\"]') === null"
TIMEOUT_MS = 60_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far by one process (user + system), or by the whole machine (busy time)."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is not None:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(cpu[:8]) - cpu[3] - cpu[4]) / ticks  # all but idle and iowait (guest time is in user)


def browser_cpu_seconds() -> float:
    """CPU time used so far by the running browser processes and Playwright's driver."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name = stat.with_name("comm").read_text().strip()
            if name.startswith(("chromium", "chrome", "node")):
                total += cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError):  # a process that ended meanwhile
            continue
    return total


def percentile(values: list[float], p: int) -> float | None:
    if not values:
        return None
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def questions() -> list[str]:
    """Eval questions whose answer does not depend on the one before (no follow-ups)."""
    from rag.conversation import is_follow_up

    lines = (ROOT / "tests" / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    asked = [json.loads(line)["question"] for line in lines if line.strip()]
    return [q for q in asked if not is_follow_up(q)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_index(folder: Path) -> None:
    from ingest.pipeline import run_ingest
    from core.config import load_settings

    log(f"building an index of corpus/ in {folder}")
    if not run_ingest([ROOT / "corpus"], load_settings(index_dir=folder)).ok:
        raise SystemExit("the ingest failed")


def start_app(index: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "BENEFITS_QA_INDEX": str(index), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("BENEFITS_QA_ADMIN_TOKEN", None)
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                                "--server.headless", "true", "--server.port", str(port),
                                "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return process, url
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"the app exited with {process.returncode}")
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the app did not start within 60 s")


@contextmanager
def serving_app(index_arg: Path | None, prefix: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """The app on loopback for the duration: on a copy of `index_arg` (the app records feedback and
    abstentions in its index folder), or on an index built from corpus/; stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        index = Path(tmp) / "index"
        if index_arg is None:
            build_index(index)
        else:
            shutil.copytree(index_arg, index)
        server, url = start_app(index)
        try:
            yield server, url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


@dataclass(frozen=True)
class Record:
    """One question under load: no question text, only when, how long and whether it was right."""
    session: int
    at: float  # seconds since the loaded phase began
    turn: int  # answers before it in its conversation
    seconds: float | None = None
    correct: bool | None = None
    error: str | None = None


class Session:
    """One employee: a browser context on the app, asking and timing questions."""

    def __init__(self, browser, url: str):
        self.browser, self.url = browser, url
        self.turn = 0  # answers in the current conversation

    async def open(self) -> None:
        self.context = await self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = await self.context.new_page()
        await self.page.goto(self.url, timeout=TIMEOUT_MS)
        await self.page.wait_for_selector(INPUT, timeout=TIMEOUT_MS)
        await self.page.wait_for_function(IDLE, timeout=TIMEOUT_MS, polling=50)

    async def new_conversation(self) -> None:
        await self.page.get_by_role("button", name="New conversation").click(timeout=TIMEOUT_MS)
        await self.page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=\"stChatMessage\"]').length === 0",
            timeout=TIMEOUT_MS, polling=50)
        await self.page.wait_for_function(IDLE, timeout=TIMEOUT_MS, polling=50)
        self.turn = 0

    async def ask(self, question: str) -> tuple[float, str]:
        """Seconds from the Enter key to the answer drawn, and the answer's text."""
        await self.page.fill(INPUT, question, timeout=TIMEOUT_MS)
        index = 2 * self.turn + 1
        started = time.monotonic()
        await self.page.keyboard.press("Enter")
        try:
            await asyncio.wait_for(self.page.evaluate(ANSWER_DRAWN, index), TIMEOUT_MS / 1000)
        except asyncio.TimeoutError:
            raise PlaywrightTimeout(f"no answer within {TIMEOUT_MS / 1000:g} s") from None
        took = time.monotonic() - started
        self.turn += 1
        text = await self.page.locator("[data-testid='stChatMessage']").nth(index).inner_text(timeout=TIMEOUT_MS)
        return took, text

    async def close(self) -> None:
        await self.context.close()

    async def reopen(self) -> None:
        """A fresh context after an error: the page may be in any state."""
        await self.context.close()
        self.turn = 0
        await self.open()


async def reference_answers(browser, url: str, asked: list[str]) -> tuple[dict[str, str], list[float]]:
    """Every question asked alone (a new conversation each), by one session with nobody else on."""
    session = Session(browser, url)
    await session.open()
    answers, times = {}, []
    try:
        for question in asked:
            if session.turn:
                await session.new_conversation()
            took, text = await session.ask(question)
            answers[question] = text
            times.append(took)
    finally:
        await session.close()
    return answers, times


async def loaded(browser, url: str, args, reference: dict[str, str], server_pid: int) -> dict:
    asked = list(reference)
    records: list[Record] = []
    sessions = [Session(browser, url) for _ in range(args.sessions)]
    await asyncio.gather(*[s.open() for s in sessions])
    log(f"{len(sessions)} sessions open; asking for {args.seconds:g} s")
    started = time.monotonic()
    stop_at = started + args.seconds
    server_cpu, machine_cpu, browser_cpu = cpu_seconds(server_pid), cpu_seconds(), browser_cpu_seconds()

    async def employee(number: int, session: Session) -> None:
        order = asked[:]
        rng = random.Random(number)
        rng.shuffle(order)
        k = 0
        while time.monotonic() < stop_at and len(records) < args.max_answers:
            question = order[k % len(order)]
            k += 1
            at = round(time.monotonic() - started, 3)
            try:
                if args.turns and session.turn >= args.turns:
                    await session.new_conversation()
                turn = session.turn
                took, text = await session.ask(question)
                records.append(Record(number, at, turn, round(took, 4), text == reference[question]))
            except PlaywrightError as err:  # a timeout or a broken page: counted, and the session goes on
                records.append(Record(number, at, session.turn, error=type(err).__name__))
                try:
                    await session.reopen()
                except PlaywrightError:  # the browser itself is failing: this session stops
                    return
            if args.think:  # drawn from 0.5-1.5 times --think: people do not ask in step
                await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))

    await asyncio.gather(*[employee(n, s) for n, s in enumerate(sessions)])
    elapsed = time.monotonic() - started
    server_cpu, machine_cpu = cpu_seconds(server_pid) - server_cpu, cpu_seconds() - machine_cpu
    browser_cpu = browser_cpu_seconds() - browser_cpu
    await asyncio.gather(*[s.close() for s in sessions], return_exceptions=True)
    return {"records": records, "elapsed_s": elapsed, "server_cpu_s": round(server_cpu, 1),
            "machine_cpu_s": round(machine_cpu, 1), "browser_cpu_s": round(browser_cpu, 1)}


def summary(records: list[Record], elapsed: float) -> dict:
    """Percentiles and counts of a loaded phase; wrong answers and errors (no answer) apart. Both
    benches (browsers here, bench/app_ws_load.py's websocket sessions) report with it."""
    answered = [r for r in records if r.seconds is not None]
    times = [r.seconds for r in answered]
    first = {}
    for r in records:
        first.setdefault(r.session, r.at)  # records of a session are appended in order
    firsts = [r.seconds for r in answered if r.at == first[r.session]]
    later = [r.seconds for r in answered if r.at > first[r.session]]
    return {
        "answers": len(times), "correct": sum(1 for r in answered if r.correct),
        "wrong": sum(1 for r in answered if not r.correct), "errors": sum(1 for r in records if r.error),
        "answers_per_s": round(len(times) / elapsed, 2) if elapsed else None,
        "p50_s": percentile(times, 50), "p95_s": percentile(times, 95), "p99_s": percentile(times, 99),
        "max_s": max(times) if times else None,
        # All sessions ask their first question at once, and in a browser the first answer also loads
        # the frontend's code for answers (expanders, feedback…): shown apart (within the totals).
        "first_answers_p50_s": percentile(firsts, 50), "first_answers_max_s": max(firsts) if firsts else None,
        "later_answers_p50_s": percentile(later, 50), "later_answers_p95_s": percentile(later, 95),
    }


async def run(args, url: str, server: subprocess.Popen) -> dict:
    asked = questions()[:args.questions]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            log(f"one session asks {len(asked)} questions alone (the reference answers)")
            reference, alone = await reference_answers(browser, url, asked)
            profiler = None
            if args.profile:
                profiler = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--format", "speedscope",
                                             "--output", args.profile, "--rate", "50", "--threads", "--subprocesses",
                                             "--nonblocking"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                result = await loaded(browser, url, args, reference, server.pid)
            finally:
                if profiler:
                    profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
                    profiler.wait(timeout=60)
        finally:
            await browser.close()
    return {"alone": {"answers": len(alone), "p50_s": percentile(alone, 50), "p95_s": percentile(alone, 95)},
            "loaded": summary(result["records"], result["elapsed_s"]) | {
                "server_cpu_s": result["server_cpu_s"], "machine_cpu_s": result["machine_cpu_s"],
                "browser_cpu_s": result["browser_cpu_s"],
                "elapsed_s": round(result["elapsed_s"], 1)},
            "records": [asdict(r) for r in result["records"]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-answers", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=0, help="questions per conversation (0: one conversation)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between an answer and the next question")
    parser.add_argument("--questions", type=int, default=40, help="distinct questions used")
    parser.add_argument("--index", type=Path, help="an existing index folder (default: build one from corpus/)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "app_load.json")
    parser.add_argument("--profile", help="py-spy speedscope output for the server during the loaded phase")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")

    before = load_average()
    with serving_app(args.index, "app-load-") as (server, url):
        result = asyncio.run(run(args, url, server))
    after = load_average()
    result.update(date=datetime.now(timezone.utc).isoformat(timespec="seconds"), cores=len(os.sched_getaffinity(0)),
                  load_before=before, load_after=after, sessions=args.sessions, seconds=args.seconds,
                  turns=args.turns, think=args.think)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))

    alone, under = result["alone"], result["loaded"]
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    print(f"load average before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, after {after[0]:.2f} "
          f"{after[1]:.2f} {after[2]:.2f} ({result['cores']} cores)")
    print(f"one session alone: {alone['answers']} answers, p50 {fmt(alone['p50_s'])} s, p95 {fmt(alone['p95_s'])} s")
    print(f"{args.sessions} sessions for {args.seconds:g} s: {under['answers']} answers "
          f"({under['answers_per_s']}/s), {under['correct']} correct, {under['wrong']} wrong, {under['errors']} errors "
          f"(no answer); p50 {fmt(under['p50_s'])} s, p95 {fmt(under['p95_s'])} s, p99 {fmt(under['p99_s'])} s, "
          f"max {fmt(under['max_s'])} s")
    print(f"  each session's first answer p50 {fmt(under['first_answers_p50_s'])} s; the later ones p50 "
          f"{fmt(under['later_answers_p50_s'])} s, p95 {fmt(under['later_answers_p95_s'])} s")
    print(f"CPU during the loaded phase ({under['elapsed_s']} s): the app server {under['server_cpu_s']} s, "
          f"the browsers {under['browser_cpu_s']} s, the whole machine {under['machine_cpu_s']} s")
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
