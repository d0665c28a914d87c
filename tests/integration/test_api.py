"""The HTTP API (`benefits-qa serve`) as a client calls it: the real server under uvicorn on a
loopback port, an index of a few corpus files, httpx. Its answers must be the CLI's `ask --json`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import CORPUS, ROOT, run_cli
from tests.servers import free_port, wait_until_up

KEYS = ("first-test-key-0a9c", "second-test-key-77f1")
FILES = ("short-term-disability-plan.pdf", "faq-short-term-disability.html", "eap-mental-health-resources.pdf",
         "leave-of-absence-policy.pdf")
QUESTIONS = ("How long is the waiting period for short-term disability?",
             "How many weeks of FMLA leave can I take?",
             "What is the cafeteria menu on Friday?",  # not in the documents: an abstention
             "i want to kill myself, what happens to my std")
SENT: list[str] = []  # every question text sent to the servers: none may reach their logs


@pytest.fixture(scope="module")
def api_index(tmp_path_factory):
    from core.config import load_settings
    from ingest.pipeline import run_ingest

    docs = tmp_path_factory.mktemp("api-docs")
    for name in FILES:
        shutil.copy(CORPUS / name, docs / name)
    index = tmp_path_factory.mktemp("api-index")
    report = run_ingest([docs], load_settings(index_dir=index))
    assert report.ok
    return index


@contextmanager
def served(index, log_path, extra_env=None, **settings):
    """`benefits-qa serve` in a subprocess on a free loopback port, its output in log_path; its URL."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **{f"BENEFITS_QA_{k.upper()}": str(v) for k, v in settings.items()},
           **(extra_env or {})}
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--index", str(index)],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", process, 120)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server_log(tmp_path_factory):
    return tmp_path_factory.mktemp("api-log") / "server.log"


@pytest.fixture(scope="module")
def api(api_index, server_log):
    with served(api_index, server_log, api_keys=",".join(KEYS), api_requests_per_minute=10_000) as url:
        yield url


def ask(url, payload, key=KEYS[0], **kwargs) -> httpx.Response:
    if isinstance(payload, dict) and isinstance(payload.get("question"), str):
        SENT.append(payload["question"])
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{url}/v1/ask", json=payload, headers=headers, timeout=60, **kwargs)


def assert_error(response, status, *words):
    assert response.status_code == status, response.text
    body = response.json()
    assert {"error", "hint"} <= set(body) and body["error"] and body["hint"]
    for word in words:
        assert word in body["error"] + " " + body["hint"]
    return body


@pytest.fixture(scope="module")
def cli_answers(api_index):
    answers = {}
    for question in QUESTIONS:
        result = run_cli("ask", "--json", question, index=api_index)
        assert result.returncode == 0, result.stderr
        answers[question] = json.loads(result.stdout)
    return answers


def test_answers_are_the_cli_ask_json_for_the_same_question(api, cli_answers):
    for question, expected in cli_answers.items():
        response = ask(api, {"question": question})
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        assert response.json() == expected
    assert cli_answers[QUESTIONS[0]]["abstained"] is False and cli_answers[QUESTIONS[0]]["citations"]
    assert cli_answers[QUESTIONS[2]]["abstained"] is True and cli_answers[QUESTIONS[2]]["citations"] == []
    crisis = cli_answers[QUESTIONS[3]]
    assert crisis["crisis"] is True and crisis["safety"] == "crisis"
    assert crisis["answer"].index("988") < crisis["answer"].index("HR Service Center")  # the resources come first


def test_history_makes_a_follow_up_and_is_optional(api):
    alone = ask(api, {"question": "What about part-time employees?"}).json()
    follow_up = ask(api, {"question": "What about part-time employees?",
                          "history": ["How long can I receive short-term disability?"]}).json()
    assert follow_up != alone and not follow_up["abstained"]
    assert "13 weeks" in follow_up["answer"]


def test_a_key_is_needed_and_only_a_configured_one_works(api):
    missing = assert_error(ask(api, {"question": QUESTIONS[0]}, key=None), 401, "BENEFITS_QA_API_KEYS")
    assert "No API key" in missing["error"]
    wrong = ask(api, {"question": QUESTIONS[0]}, key=KEYS[0] + "x")
    assert_error(wrong, 401, "valid API key")
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert_error(httpx.post(f"{api}/v1/ask", json={"question": "x"}, headers={"Authorization": f"Basic {KEYS[0]}"}), 401)
    for key in KEYS:
        assert ask(api, {"question": QUESTIONS[0]}, key=key).status_code == 200


def test_bad_bodies_get_a_400_that_says_what_to_send(api):
    headers = {"Authorization": f"Bearer {KEYS[0]}", "Content-Type": "application/json"}
    assert_error(httpx.post(f"{api}/v1/ask", content=b'{"question": "How long', headers=headers), 400, "not valid JSON")
    assert_error(ask(api, {"question": ""}), 400, "empty")
    assert_error(ask(api, {"question": "   \n "}), 400, "empty")
    assert_error(ask(api, {}), 400, "question: Field required")
    assert_error(ask(api, {"question": 7}), 400, "question: Input should be a valid string")
    assert_error(ask(api, ["How long is the waiting period?"]), 400, "not a question")
    assert_error(ask(api, {"question": "STD?", "history": "STD"}), 400, "history")
    assert_error(ask(api, {"question": "STD?", "history": ["STD?"] * 21}), 400, "history", "20")
    assert_error(ask(api, {"question": "STD?", "topic": "leave"}), 400, "topic: Extra inputs are not permitted")
    plain = httpx.post(f"{api}/v1/ask", content=b"How long is the waiting period?",
                       headers={"Authorization": f"Bearer {KEYS[0]}", "Content-Type": "text/plain"})
    assert_error(plain, 415, "application/json")


def test_an_over_long_question_is_refused_and_a_crisis_keeps_its_resources(api):
    ordinary = assert_error(ask(api, {"question": "How long is the STD waiting period? " * 60}), 400, "2000 characters")
    assert ordinary["crisis"] is False and ordinary["safety"] != "crisis" and "988" not in ordinary["error"]
    crisis = assert_error(ask(api, {"question": "i want to kill myself. " + "what happens to my std? " * 90}), 400,
                          "2000 characters")
    assert crisis["crisis"] is True and crisis["safety"] == "crisis"
    assert crisis["error"].index("988") < crisis["error"].index("2000 characters")


def test_a_body_over_16_kb_is_refused_whether_its_length_is_declared_or_not(api):
    from core.config import MAX_REQUEST_BYTES

    big = json.dumps({"question": "a" * MAX_REQUEST_BYTES}).encode()
    headers = {"Authorization": f"Bearer {KEYS[0]}", "Content-Type": "application/json"}
    assert_error(httpx.post(f"{api}/v1/ask", content=big, headers=headers), 413, str(MAX_REQUEST_BYTES))

    def chunks():  # no Content-Length: sent chunked, counted as it arrives
        for start in range(0, len(big), 1024):
            yield big[start:start + 1024]

    assert_error(httpx.post(f"{api}/v1/ask", content=chunks(), headers=headers), 413, str(MAX_REQUEST_BYTES))
    fits = json.dumps({"question": "How long is the STD waiting period?", "history": ["x" * 1000] * 10}).encode()
    assert len(fits) < MAX_REQUEST_BYTES
    assert httpx.post(f"{api}/v1/ask", content=fits, headers=headers, timeout=60).status_code == 200


def test_twenty_concurrent_askers_get_the_answers_of_sequential_asks(api):
    sequential = {q: ask(api, {"question": q}).json() for q in QUESTIONS}
    start = threading.Barrier(20)

    def asker(n):
        question = QUESTIONS[n % len(QUESTIONS)]
        with httpx.Client(timeout=120) as client:
            start.wait()
            response = client.post(f"{api}/v1/ask", json={"question": question},
                                   headers={"Authorization": f"Bearer {KEYS[n % 2]}"})
        return question, response.status_code, response.json()

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(asker, range(20)))
    assert len(results) == 20
    for question, status, body in results:
        assert status == 200 and body == sequential[question], question


def test_healthz_and_docs_need_no_key(api):
    health = httpx.get(f"{api}/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["index"] is True and health.json()["documents"] == len(FILES)
    docs = httpx.get(f"{api}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = httpx.get(f"{api}/openapi.json").json()
    assert {"/v1/ask", "/healthz"} <= set(spec["paths"])
    assert spec["paths"]["/v1/ask"]["post"]["requestBody"]["content"]["application/json"]
    assert_error(httpx.get(f"{api}/v2/ask"), 404, "/v1/ask")


def test_the_rate_is_limited_per_key_and_per_address(api_index, tmp_path):
    log_path = tmp_path / "limited.log"
    with served(api_index, log_path, api_keys=",".join(KEYS), api_requests_per_minute=3) as url:
        for _ in range(3):
            assert ask(url, {"question": QUESTIONS[0]}).status_code == 200
        refused = ask(url, {"question": QUESTIONS[0]})
        assert_error(refused, 429, "3 a minute")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert f"{refused.headers['retry-after']} seconds" in refused.json()["hint"]
        assert ask(url, {"question": QUESTIONS[0]}, key=KEYS[1]).status_code == 200  # another key: its own count
        # Wrong keys count against the address they come from, so guessing keys is as slow.
        for _ in range(3):
            assert ask(url, {"question": "x"}, key="guess").status_code == 401
        assert_error(ask(url, {"question": "x"}, key="guess"), 429)
        assert ask(url, {"question": QUESTIONS[1]}, key=KEYS[1]).status_code == 200
    assert "guess" not in log_path.read_text()


def test_without_keys_it_serves_loopback_only(api_index, tmp_path):
    refused = run_cli("serve", "--host", "0.0.0.0", "--port", free_port(), index=api_index,
                      env={"BENEFITS_QA_API_KEYS": ""}, timeout=60)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "BENEFITS_QA_API_KEYS" in refused.stderr and "loopback" in refused.stderr
    with served(api_index, tmp_path / "open.log", api_keys="") as url:
        response = ask(url, {"question": QUESTIONS[1]}, key=None)
        assert response.status_code == 200 and not response.json()["abstained"]


def test_healthz_is_503_while_no_document_is_live(tmp_path):
    docs, index = tmp_path / "docs", tmp_path / "emptied"
    docs.mkdir()
    (docs / "pto.md").write_text("# PTO\n\nFull-time employees accrue 15 days of PTO per year.\n")
    assert run_cli("ingest", docs, index=index).returncode == 0
    (docs / "pto.md").unlink()
    assert run_cli("ingest", docs, index=index).returncode == 0  # removed: an index of no documents
    port = free_port()
    with open(tmp_path / "emptied.log", "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--index", str(index)],
                                   cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/docs", process, 120)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "empty", "index": False, "documents": 0, "updated_at": health.json()["updated_at"]}
    finally:
        process.terminate()
        process.wait(timeout=30)


# Injected into the server process: an unexpected error whose message quotes the question.
FAULT = """
from rag.answer import Assistant

_ask = Assistant.ask


def _failing(self, question, history=None, on_token=None):
    if "inject-fault" in question:
        raise RuntimeError("could not answer " + question)
    return _ask(self, question, history, on_token)


Assistant.ask = _failing
"""


def test_an_unexpected_error_is_a_500_logged_without_its_message(api_index, tmp_path):
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(FAULT)
    log_path = tmp_path / "fault.log"
    with served(api_index, log_path, {"PYTHONPATH": f"{inject}{os.pathsep}{ROOT}"}, api_keys=KEYS[0]) as url:
        assert_error(ask(url, {"question": "inject-fault: is otter-secret-4410 leave paid?"}), 500, "log")
        assert ask(url, {"question": QUESTIONS[0]}).status_code == 200  # the server goes on
    text = log_path.read_text()
    assert "unexpected RuntimeError while answering /v1/ask" in text and "_failing" in text  # type and frames
    assert "otter-secret-4410" not in text and "could not answer inject" not in text


def test_the_server_log_has_paths_and_no_question_text(api, server_log):
    marker = "zebra-quokka-7731"
    ask(api, {"question": f"does {marker} leave count as FMLA?"})
    ask(api, {"question": f"{marker} " * 300})  # refused as over-long
    ask(api, {"question": f"{marker}?", "history": [f"{marker} before"]})
    httpx.get(f"{api}/v1/ask", params={"question": marker}, headers={"Authorization": f"Bearer {KEYS[0]}"})
    ask(api, {"question": QUESTIONS[3]})
    text = server_log.read_text()
    assert '"POST /v1/ask HTTP/1.1" 200' in text and '"GET /v1/ask HTTP/1.1" 405' in text
    assert marker not in text and "kill myself" not in text
    leaked = [q for q in SENT if len(q.strip()) >= 10 and q.strip() in text]
    assert leaked == [] and len(SENT) > 20
    assert all(key not in text for key in KEYS)


def test_serve_without_an_index_says_how_to_build_one(tmp_path):
    result = run_cli("serve", "--port", free_port(), index=tmp_path / "nowhere", timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "benefits-qa ingest" in result.stderr
