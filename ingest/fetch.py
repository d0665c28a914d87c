"""Fetch FAQ pages and PDFs from URLs (an intranet, usually) so they ingest like files.

Each page is saved under the index folder (fetched/), hashed like a file, and named by its URL.
Timeouts, the size limit, redirects and HTTP errors are reported per URL, never raised.
"""
from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ingest.discover import SourceFile

MAX_REDIRECTS = 5
_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf",
          "text/plain": ".txt", "text/markdown": ".md"}


@dataclass(frozen=True)
class FetchFailure:
    url: str
    reason: str
    hint: str


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def read_sources_file(path: Path) -> list[str]:
    """One URL or path per line; blank lines and # comments are skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def fetch(url: str, origin: str, cache_dir: Path, timeout: float, max_bytes: int) -> SourceFile | FetchFailure:
    opener = urllib.request.build_opener(_LimitedRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": "benefits-qa ingest"})
    try:
        with opener.open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                return FetchFailure(url, f"the page is {int(declared) / 2**20:.1f} MB, over the "
                                         f"{max_bytes / 2**20:.0f} MB limit", "split the document or raise BENEFITS_QA_MAX_FILE_MB")
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                return FetchFailure(url, f"the page is over the {max_bytes / 2**20:.0f} MB limit",
                                    "split the document or raise BENEFITS_QA_MAX_FILE_MB")
            content_type = response.headers.get_content_type()
            final_url = response.geturl()
    except urllib.error.HTTPError as err:
        if 300 <= err.code < 400:
            return FetchFailure(url, f"more than {MAX_REDIRECTS} redirects", "link to the page's final address")
        return FetchFailure(url, f"HTTP {err.code} {err.reason}",
                            "check the address" if err.code == 404 else "check the server and your access to it")
    except TimeoutError:
        return FetchFailure(url, f"no answer within {timeout:g} s", "check the server, or raise BENEFITS_QA_FETCH_TIMEOUT")
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return FetchFailure(url, f"no answer within {timeout:g} s", "check the server, or raise BENEFITS_QA_FETCH_TIMEOUT")
        return FetchFailure(url, f"cannot connect ({reason})", "check the address and the network")
    except (OSError, ValueError) as err:
        return FetchFailure(url, f"cannot fetch ({err})", "check the address")

    suffix = _TYPES.get(content_type) or (Path(final_url.split("?")[0]).suffix.lower() or ".html")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:24] + suffix)
    path.write_bytes(data)
    return SourceFile(path=path, source=url, origin=origin, sha256=hashlib.sha256(data).hexdigest(),
                      size=len(data), note=f"redirected to {final_url}" if final_url != url else "")
