"""Ingest runs on a thread of its own, so a maintainer can leave the page while it goes on."""
import shutil
import threading

import pytest

import ingest.background as background
from ingest.background import latest_ingest, start_ingest
from core.config import load_settings
from core.errors import BenefitsQAError
from core.store import IndexStore
from tests.conftest import CORPUS

WAIT = 180


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / "faq-leave-and-time-off.html", folder)
    return folder


def test_a_run_goes_on_without_its_caller_and_reports(corpus):
    settings = load_settings()
    job = start_ingest([corpus], settings)
    assert latest_ingest(settings.index_dir) is job
    assert job.wait(WAIT) and not job.running
    assert job.error is None and job.report.ok and job.report.count("added") == 1
    assert job.total > 0 and job.done == job.total and job.fraction == 1.0
    assert "faq-leave-and-time-off.html" in IndexStore(settings).ledger().documents


def test_one_run_at_a_time_per_index(corpus, monkeypatch):
    release = threading.Event()

    def held_ingest(targets, settings, progress=None):  # the fault: a run that takes its time
        progress(0, 1, "Reading files")
        release.wait(WAIT)
        return background.IngestReport()

    monkeypatch.setattr(background, "run_ingest", held_ingest)
    settings = load_settings()
    first = start_ingest([corpus], settings)
    with pytest.raises(BenefitsQAError, match="already running"):
        start_ingest([corpus], settings)
    assert latest_ingest(settings.index_dir) is first and first.running
    release.set()
    assert first.wait(WAIT)
    second = start_ingest([corpus], settings)  # once it has ended, a new run may start
    assert second is not first and second.wait(WAIT)


def test_a_refused_run_ends_with_its_reason(corpus):
    settings = load_settings()
    with IndexStore(settings, create=True).writing():  # another writer holds the index
        job = start_ingest([corpus], settings)
        assert job.wait(WAIT)
    assert job.report is None and "Another ingest is updating" in job.error


def test_an_unexpected_error_is_kept_for_the_page_and_its_traceback_for_the_log(corpus, monkeypatch, caplog):
    def broken_ingest(targets, settings, progress=None):  # the fault
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(background, "run_ingest", broken_ingest)
    job = start_ingest([corpus], load_settings())
    assert job.wait(WAIT)
    assert job.error.startswith("The ingest stopped on an unexpected error: RuntimeError: disk on fire.")
    logged = [r for r in caplog.records if r.name == "benefits_qa.ingest"]
    assert logged and logged[0].exc_info and "broken_ingest" in caplog.text
