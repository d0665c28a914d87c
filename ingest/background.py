"""Ingest runs that outlive the page that started them.

Streamlit stops a script run when its user clicks anything or leaves the page, so an ingest
run inside the maintainers' page stopped halfway whenever the maintainer went to try a
question. Here an ingest runs on a thread of its own: at most one per index folder per
process, and any page, in any browser session, can read how far it got and how it ended.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ingest.pipeline import run_ingest
from ingest.types import IngestReport
from core.config import Settings
from core.errors import BenefitsQAError

# Ingest logs name files and counts; no employee text passes through an ingest.
log = logging.getLogger("benefits_qa.ingest")


@dataclass
class IngestJob:
    done: int = 0
    total: int = 0
    step: str = "Starting…"
    report: IngestReport | None = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def running(self) -> bool:
        return not self.finished.is_set()

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def progress(self, done: int, total: int, step: str) -> None:
        self.done, self.total, self.step = done, total, step

    def wait(self, timeout: float | None = None) -> bool:
        """True once the run has ended (with a report or an error)."""
        return self.finished.wait(timeout)


_jobs: dict[Path, IngestJob] = {}
_jobs_lock = threading.Lock()


def start_ingest(targets: list[Path | str], settings: Settings) -> IngestJob:
    """Start ingesting `targets` into the settings' index on a background thread."""
    key = Path(settings.index_dir).resolve()
    with _jobs_lock:
        current = _jobs.get(key)
        if current is not None and current.running:
            raise BenefitsQAError(f"An ingest into {settings.index_dir} is already running "
                                  f"({current.step}); wait for it to finish.")
        job = _jobs[key] = IngestJob()
    # A daemon: a server that stops mid-run loses only the run; the index keeps its old generation.
    threading.Thread(target=_run, args=(job, list(targets), settings), name="benefits-qa-ingest", daemon=True).start()
    return job


def latest_ingest(index_dir: Path | str) -> IngestJob | None:
    """The newest run into `index_dir` started by this process, running or ended."""
    with _jobs_lock:
        return _jobs.get(Path(index_dir).resolve())


def _run(job: IngestJob, targets: list[Path | str], settings: Settings) -> None:
    try:
        job.report = run_ingest(targets, settings, progress=job.progress)
    except BenefitsQAError as err:
        job.error = str(err)
    except Exception as err:  # on a thread nobody else would see it: the page shows it, the log keeps the traceback
        log.exception("background ingest into %s failed", settings.index_dir)
        job.error = (f"The ingest stopped on an unexpected error: {type(err).__name__}: {err}. "
                     "The server log has the traceback; the index keeps its last complete state.")
    finally:
        job.finished.set()
