"""Issue #20, point 3: what small hostile files cost at ingest. Prints seconds and outcomes.

    .venv/bin/python bench/hostile_ingest.py

- a 165 KB Markdown file of one paragraph ('Leave is paid. ' * 11000): ingested (embedded) in full;
- a PDF of 2,000 pages sharing one content stream: refused by the page budget (BENEFITS_QA_MAX_PAGES).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pdf_factory import shared_stream_pdf  # noqa: E402 (after the path)


def main() -> None:
    from ingest.pipeline import run_ingest
    from core.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = {"one-paragraph.md": lambda p: p.write_text("# Leave\n\n" + "Leave is paid. " * 11000),
                 "2000-pages.pdf": shared_stream_pdf}
        for name, make in cases.items():
            folder = root / name.replace(".", "-")
            folder.mkdir()
            make(folder / name)
            started = time.perf_counter()
            report = run_ingest([folder], load_settings(index_dir=root / f"index-{folder.name}"))
            seconds = time.perf_counter() - started
            f = report.files[0]
            print(f"{name:18} {(folder / name).stat().st_size / 1024:7.0f} KB  {seconds:6.1f} s  {f.status} "
                  f"{f.chunks} chunks {f.reason}")


if __name__ == "__main__":
    main()
