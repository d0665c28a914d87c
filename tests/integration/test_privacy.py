"""A full session — CLI and app, answered and unanswered questions, every logger at DEBUG —
leaves no question text anywhere on disk."""
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def files_changed_since(roots, since: float):
    for root in roots:
        root = Path(root)
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if any(part in {".venv", ".git", "__pycache__", ".pytest_cache"} for part in path.parts):
                continue
            try:
                if path.is_file() and path.stat().st_mtime >= since and path.stat().st_size < 50 * 2**20:
                    yield path
            except OSError:
                continue


def test_no_question_text_reaches_disk_or_logs(corpus_index, tmp_path, monkeypatch):
    marker = f"zebra{uuid.uuid4().hex[:10]}"
    answered = f"How long is the waiting period for short-term disability {marker}?"
    unanswered = f"What is the cafeteria menu on Friday {marker}?"
    started = time.time() - 1
    log_file = tmp_path / "debug.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        env = {**os.environ, "BENEFITS_QA_INDEX": str(corpus_index), "HF_HUB_OFFLINE": "1"}
        cli = subprocess.run([sys.executable, "-m", "cli", "ask", answered], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
        assert cli.returncode == 0 and marker not in cli.stderr

        monkeypatch.setenv("BENEFITS_QA_INDEX", str(corpus_index))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
        at.chat_input(key="question").set_value(answered).run()
        at.chat_input(key="question").set_value(unanswered).run()
        assert not at.exception and len(at.chat_message) == 4
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    assert (corpus_index / "feedback.sqlite3").exists()  # the abstention was counted (by topic only)
    control = tmp_path / "control.txt"  # proves the scan would find a leak
    control.write_text(f"planted {marker}")
    roots = [corpus_index, ROOT, Path.home() / ".streamlit", Path.home() / ".cache", tmp_path]
    leaks = [str(p) for p in files_changed_since(roots, started) if marker.encode() in p.read_bytes()]
    assert leaks == [str(control)]
