"""Twenty people at once, the server alone (issue #20, point 10): Streamlit's websocket protocol, no browser.

    python bench/app_ws_load.py [--sessions 20] [--seconds 60] [--max-answers 5000] [--think 0]
                                [--questions 40] [--index DIR] [--json FILE]

bench/app_load.py drives real browsers; on a 2-core machine they take most of the CPU from the
server they measure. This bench speaks to the same server the way the frontend does, from one
Python process: it opens ws://127.0.0.1:PORT/_stcore/stream (subprotocol "streamlit"), sends
BackMsg protobufs and reads ForwardMsg protobufs, so what it measures is the server's capacity.
Employees' browsers run on their own devices, not beside the server.

Each simulated employee: one websocket (its own Streamlit session, so its own conversation); a
first rerun_script draws the page, the chat input's widget id is taken from its delta; a question
is a rerun whose widget states set that chat input's chat_input_value, as the frontend sends on
Enter. An answer's time runs from sending that rerun to its script_finished, with the answer's
text (the Markdown in the last chat message, with a "[1]" or "don't cover") arrived.

Like app_load.py: the app is started on a free loopback port (an index built from corpus/ unless
--index names one); one session asks every question alone first (a new session each, so a new
conversation): the reference answers, the one-person latency, and a warm server. Then --sessions
sessions ask back to back for --seconds (--think T: a pause of 0.5-1.5 T between questions). An
answer is correct when it holds the reference answer's first cited sentence; a wrong answer is
counted apart from errors (no answer within 60 s, a closed socket, a run with no answer text).

Bounded: every wait has a timeout, the run stops at --seconds or --max-answers, all traffic is to
127.0.0.1. Prints percentiles, counts, each session's first answer apart, the server's CPU time,
this client's, the machine's, and the load average before and after; writes JSON to
bench/results/app_ws_load-<timestamp>.json (or --json). Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_load import (ROOT, Record, cpu_seconds, load_average, log, percentile, questions,  # noqa: E402
                      serving_app, summary)

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ClientState_pb2 import ClientState  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

TIMEOUT_S = 60.0
ANSWERED = re.compile(r"\[1\]|don.?t cover")  # a cited answer, or the abstention
FIRST_CITED = re.compile(r"^.*?\[\d+\]", re.S)  # up to the first citation marker


class NoAnswer(Exception):
    """A run that ended without an answer's text, or a socket that broke."""


@dataclass
class Run:
    """What one script run sent back: enough to find the chat input and the last answer."""
    status: int | None = None
    chat_input_id: str | None = None
    page_script_hash: str | None = None
    chat_blocks: list[tuple[int, ...]] = field(default_factory=list)
    markdown: dict[tuple[int, ...], str] = field(default_factory=dict)  # the latest element per path

    def answer(self) -> str | None:
        """The first non-empty Markdown inside the last chat message: the answer just given."""
        if not self.chat_blocks:
            return None
        last = self.chat_blocks[-1]
        for path, body in self.markdown.items():
            if path[:len(last)] == last and len(path) > len(last) and body.strip():
                return body
        return None


def first_cited_sentence(text: str) -> str:
    found = FIRST_CITED.match(text)
    return found.group(0) if found else text


class WsSession:
    """One employee: one websocket, one Streamlit session, one conversation."""

    def __init__(self, ws_url: str, page_url: str):
        self.ws_url, self.page_url = ws_url, page_url
        self.chat_input_id: str | None = None
        self.page_script_hash = ""

    async def open(self) -> float:
        """Connects and draws the page the way a browser's first load does; returns its seconds."""
        # No Origin header: the server admits non-browser clients without one (same as curl).
        self.ws = await asyncio.wait_for(
            connect(self.ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=TIMEOUT_S),
            TIMEOUT_S)
        started = time.monotonic()
        await self._rerun(None)
        run = await self._read_run()
        if run.chat_input_id is None:
            raise NoAnswer("no chat input on the page")
        self.chat_input_id = run.chat_input_id
        self.page_script_hash = run.page_script_hash or ""
        return time.monotonic() - started

    async def ask(self, question: str) -> tuple[float, str]:
        started = time.monotonic()
        state = WidgetState(id=self.chat_input_id)
        state.chat_input_value.data = question  # what the frontend sends on Enter
        await self._rerun(state)
        run = await self._read_run()
        took = time.monotonic() - started
        text = run.answer()
        if text is None or not ANSWERED.search(text):
            raise NoAnswer(f"run ended (status {run.status}) without an answer")
        return took, text

    async def close(self) -> None:
        await self.ws.close()

    async def _rerun(self, widget: WidgetState | None) -> None:
        state = ClientState(query_string="", page_script_hash=self.page_script_hash)
        # The frontend always sends its context; the app reads none of it, but a real one is cheap.
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = self.page_url, False, "light"
        if widget is not None:
            state.widget_states.widgets.append(widget)
        await self.ws.send(BackMsg(rerun_script=state).SerializeToString())

    async def _read_run(self) -> Run:
        """ForwardMsgs until this run's script_finished (an interrupted run's is skipped)."""
        run = Run()
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NoAnswer(f"no script_finished within {TIMEOUT_S:g} s")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), remaining)
            except asyncio.TimeoutError:
                raise NoAnswer(f"no script_finished within {TIMEOUT_S:g} s") from None
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                run.page_script_hash = msg.new_session.page_script_hash
            elif kind == "delta":
                self._delta(run, msg)
            elif kind == "script_finished":
                run.status = msg.script_finished
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return run

    @staticmethod
    def _delta(run: Run, msg: ForwardMsg) -> None:
        path = tuple(msg.metadata.delta_path)
        delta = msg.delta
        if delta.WhichOneof("type") == "add_block":
            if delta.add_block.WhichOneof("type") == "chat_message":
                run.chat_blocks.append(path)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "chat_input":
            run.chat_input_id = element.chat_input.id
        if kind == "markdown":
            run.markdown[path] = element.markdown.body
        else:  # e.g. a streamed placeholder emptied: whatever was at this path is gone
            run.markdown.pop(path, None)


async def reference_answers(ws_url: str, page_url: str, asked: list[str]) -> tuple[dict[str, str], list[float]]:
    """Every question asked alone, each in a new session (a new conversation), nobody else on."""
    answers, times = {}, []
    for question in asked:
        session = WsSession(ws_url, page_url)
        await session.open()
        try:
            took, text = await session.ask(question)
        finally:
            await session.close()
        answers[question] = text
        times.append(took)
    return answers, times


async def loaded(ws_url: str, page_url: str, args, reference: dict[str, str], server_pid: int) -> dict:
    asked = list(reference)
    expected = {q: first_cited_sentence(a) for q, a in reference.items()}
    records: list[Record] = []
    sessions = [WsSession(ws_url, page_url) for _ in range(args.sessions)]
    opened = await asyncio.gather(*[s.open() for s in sessions])
    log(f"{len(sessions)} sessions open; asking for {args.seconds:g} s")
    started = time.monotonic()
    stop_at = started + args.seconds
    server_cpu, machine_cpu, client_cpu = cpu_seconds(server_pid), cpu_seconds(), time.process_time()

    async def employee(number: int, session: WsSession) -> None:
        order = asked[:]
        rng = random.Random(number)
        rng.shuffle(order)
        k = turn = 0
        while time.monotonic() < stop_at and len(records) < args.max_answers:
            question = order[k % len(order)]
            k += 1
            at = round(time.monotonic() - started, 3)
            try:
                took, text = await session.ask(question)
                records.append(Record(number, at, turn, round(took, 4), expected[question] in text))
                turn += 1
            except (NoAnswer, WebSocketException, OSError) as err:  # counted; a new session goes on
                records.append(Record(number, at, turn, error=type(err).__name__))
                await session.close()
                session = WsSession(ws_url, page_url)
                turn = 0
                try:
                    await session.open()
                except (NoAnswer, WebSocketException, OSError, asyncio.TimeoutError):
                    return  # the server is not taking new sessions: this employee stops
            if args.think:  # drawn from 0.5-1.5 times --think: people do not ask in step
                pause = args.think * rng.uniform(0.5, 1.5)
                # Cut at the end, so answers/s is over --seconds, not over the last pauses too.
                await asyncio.sleep(min(pause, max(0.0, stop_at - time.monotonic())))
        await session.close()

    await asyncio.gather(*[employee(n, s) for n, s in enumerate(sessions)])
    elapsed = time.monotonic() - started
    return {"records": records, "elapsed_s": elapsed, "open_s": list(opened),
            "server_cpu_s": round(cpu_seconds(server_pid) - server_cpu, 1),
            "machine_cpu_s": round(cpu_seconds() - machine_cpu, 1),
            "client_cpu_s": round(time.process_time() - client_cpu, 1)}


async def run(args, url: str, server: subprocess.Popen) -> dict:
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    asked = questions()[:args.questions]
    log(f"one session at a time asks {len(asked)} questions alone (the reference answers)")
    reference, alone = await reference_answers(ws_url, url + "/", asked)
    result = await loaded(ws_url, url + "/", args, reference, server.pid)
    return {"alone": {"answers": len(alone), "p50_s": percentile(alone, 50), "p95_s": percentile(alone, 95)},
            "loaded": summary(result["records"], result["elapsed_s"]) | {
                "page_open_p50_s": percentile(result["open_s"], 50), "page_open_max_s": max(result["open_s"]),
                "server_cpu_s": result["server_cpu_s"], "client_cpu_s": result["client_cpu_s"],
                "machine_cpu_s": result["machine_cpu_s"], "elapsed_s": round(result["elapsed_s"], 1)},
            "records": [asdict(r) for r in result["records"]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-answers", type=int, default=5000)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between an answer and the next question")
    parser.add_argument("--questions", type=int, default=40, help="distinct questions used")
    parser.add_argument("--index", type=Path, help="an existing index folder (default: build one from corpus/)")
    parser.add_argument("--json", type=Path, help="default: bench/results/app_ws_load-<timestamp>.json")
    args = parser.parse_args()
    stamp = datetime.now(timezone.utc)
    out = args.json or ROOT / "bench" / "results" / f"app_ws_load-{stamp:%Y%m%dT%H%M%SZ}.json"

    before = load_average()
    with serving_app(args.index, "app-ws-load-") as (server, url):
        result = asyncio.run(run(args, url, server))
    after = load_average()
    result.update(date=stamp.isoformat(timespec="seconds"), cores=len(os.sched_getaffinity(0)),
                  load_before=before, load_after=after, sessions=args.sessions, seconds=args.seconds,
                  think=args.think, client="websocket")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))

    alone, under = result["alone"], result["loaded"]
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    print(f"load average before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, after {after[0]:.2f} "
          f"{after[1]:.2f} {after[2]:.2f} ({result['cores']} cores)")
    print(f"one session alone: {alone['answers']} answers, p50 {fmt(alone['p50_s'])} s, p95 {fmt(alone['p95_s'])} s")
    print(f"{args.sessions} websocket sessions for {args.seconds:g} s (think {args.think:g} s): {under['answers']} "
          f"answers ({under['answers_per_s']}/s), {under['correct']} correct, {under['wrong']} wrong, "
          f"{under['errors']} errors; p50 {fmt(under['p50_s'])} s, p95 {fmt(under['p95_s'])} s, "
          f"p99 {fmt(under['p99_s'])} s, max {fmt(under['max_s'])} s")
    print(f"  each session's first answer p50 {fmt(under['first_answers_p50_s'])} s, max "
          f"{fmt(under['first_answers_max_s'])} s; the later ones p50 {fmt(under['later_answers_p50_s'])} s, "
          f"p95 {fmt(under['later_answers_p95_s'])} s; page open p50 {fmt(under['page_open_p50_s'])} s")
    print(f"CPU during the loaded phase ({under['elapsed_s']} s): the app server {under['server_cpu_s']} s, "
          f"this client {under['client_cpu_s']} s, the whole machine {under['machine_cpu_s']} s")
    print(f"JSON: {out}")


if __name__ == "__main__":
    main()
