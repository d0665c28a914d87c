"""Render a cited PDF page as a PNG (pypdfium2), for the app's page viewer."""
from __future__ import annotations

import io
from pathlib import Path

# 1.5 × 72 dpi = 108 dpi: legible on a laptop screen, about 150 KB per page.
RENDER_SCALE = 1.5


def render_page_png(path: Path, page: int, scale: float = RENDER_SCALE) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(pdf):
            raise ValueError(f"{path.name} has {len(pdf)} pages, not {page}")
        image = pdf[page - 1].render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        pdf.close()
