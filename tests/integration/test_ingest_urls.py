"""Intranet pages by URL: fetched from an HTTP server on loopback that the test starts.

Loopback is refused by the URL policy unless allowed, so these tests allow 127.0.0.1 explicitly
(BENEFITS_QA_FETCH_ALLOWED_NETWORKS), as an intranet deployment allows its own networks."""
import ipaddress
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.pipeline import run_ingest
from core.config import load_settings
from core.store import IndexStore

PAGES = {
    "/faq.html": "<html><head><title>PTO FAQ</title></head><body><h2>Can I carry over PTO?</h2>"
                 "<p>Up to 40 hours of PTO carry over into the next year.</p></body></html>",
    "/leave.html": "<html><head><title>Leave FAQ</title></head><body><h2>How long is bereavement leave?</h2>"
                   "<p>Employees receive 5 paid days of bereavement leave.</p></body></html>",
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in PAGES:
            body = PAGES[self.path].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/faq.html")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/trickle":  # one byte at a time, each within the per-read timeout
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:  # the client gave up: the point of the test
                pass
        elif self.path.startswith("/redirect-to?"):
            self.send_response(302)
            self.send_header("Location", self.path.split("?", 1)[1])
            self.end_headers()
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(300):  # 3 MB, streamed without a Content-Length
                self.wfile.write(b"<p>" + b"x" * 10_000 + b"</p>")
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch):
    monkeypatch.setenv("BENEFITS_QA_FETCH_ALLOWED_NETWORKS", "127.0.0.1/32")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def statuses(report):
    return {f.source: (f.status, f.reason) for f in report.files}


def test_urls_ingest_and_report_each_failure(server):
    settings = load_settings(fetch_timeout=1.0, max_file_mb=1)
    urls = [f"{server}/faq.html", f"{server}/moved", f"{server}/missing", f"{server}/slow",
            f"{server}/huge", f"{server}/loop"]
    report = run_ingest(urls, settings)
    got = statuses(report)
    assert got[f"{server}/faq.html"][0] == "added"
    assert got[f"{server}/moved"][0] == "added"
    assert next(f for f in report.files if f.source == f"{server}/moved").note.endswith("/faq.html")
    assert got[f"{server}/missing"] == ("failed", "HTTP 404 Not Found")
    assert "within 1 s" in got[f"{server}/slow"][1]
    assert "over the 1 MB limit" in got[f"{server}/huge"][1]
    assert "redirects" in got[f"{server}/loop"][1]
    store = IndexStore(settings)
    assert any("40 hours" in c.text and c.source == f"{server}/faq.html" for c in store.live_chunks())
    assert store.ledger().path_of(f"{server}/faq.html").read_text().startswith("<html>")


def test_sources_file_changes_and_removals(server, tmp_path):
    settings = load_settings()
    sources = tmp_path / "sources.txt"
    sources.write_text(f"# intranet FAQ pages\n{server}/faq.html\n{server}/leave.html\n")
    first = run_ingest([], settings, sources_files=[sources])
    assert {s for s, (status, _) in statuses(first).items() if status == "added"} == {f"{server}/faq.html", f"{server}/leave.html"}
    assert {s: st for s, (st, _) in statuses(run_ingest([], settings, sources_files=[sources])).items()} == {
        f"{server}/faq.html": "unchanged", f"{server}/leave.html": "unchanged"}

    PAGES["/faq.html"] = PAGES["/faq.html"].replace("40 hours", "80 hours")
    sources.write_text(f"{server}/faq.html\n")  # the leave page leaves the list
    try:
        report = run_ingest([], settings, sources_files=[sources])
    finally:
        PAGES["/faq.html"] = PAGES["/faq.html"].replace("80 hours", "40 hours")
    assert {s: st for s, (st, _) in statuses(report).items()} == {
        f"{server}/faq.html": "updated", f"{server}/leave.html": "removed"}
    texts = " ".join(c.text for c in IndexStore(settings).live_chunks())
    assert "80 hours" in texts and "bereavement" not in texts


def test_unreachable_page_keeps_its_last_good_copy(server, tmp_path):
    settings = load_settings()
    sources = tmp_path / "sources.txt"
    sources.write_text(f"{server}/leave.html\n")
    run_ingest([], settings, sources_files=[sources])
    PAGES.pop("/leave.html")
    try:
        report = run_ingest([], settings, sources_files=[sources])
    finally:
        PAGES["/leave.html"] = ("<html><head><title>Leave FAQ</title></head><body><h2>How long is bereavement leave?</h2>"
                                "<p>Employees receive 5 paid days of bereavement leave.</p></body></html>")
    assert statuses(report)[f"{server}/leave.html"] == ("failed", "HTTP 404 Not Found")
    assert any("5 paid days" in c.text for c in IndexStore(settings).live_chunks())


# --- issue #20, point 4: the whole fetch has a deadline, and a URL policy ---

SECRET = "<html><body><h2>Internal admin</h2><p>The payroll database password is hunter2.</p></body></html>"


class InternalHandler(BaseHTTPRequestHandler):
    """An internal service on another loopback address, which a page must not reach by redirect."""
    def do_GET(self):
        body = SECRET.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def internal():
    httpd = ThreadingHTTPServer(("127.0.0.2", 0), InternalHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_trickling_server_is_cut_off_at_the_whole_fetch_deadline(server):
    started = time.monotonic()
    report = run_ingest([f"{server}/trickle"], load_settings(fetch_timeout=1.0))
    status, reason = statuses(report)[f"{server}/trickle"]
    assert status == "failed" and "no complete answer within 1 s" in reason
    assert time.monotonic() - started < 10  # the trickle lasts 12 s; the deadline is 1 s


def test_a_redirect_to_another_internal_address_is_refused(server, internal):
    report = run_ingest([f"{server}/redirect-to?{internal}/admin"], load_settings())
    status, reason = statuses(report)[f"{server}/redirect-to?{internal}/admin"]
    assert status == "failed" and "127.0.0.2" in reason and "loopback, private" in reason
    assert "hunter2" not in " ".join(c.text for c in IndexStore(load_settings(), create=True).live_chunks())


def test_loopback_is_refused_unless_allowed(server, monkeypatch):
    monkeypatch.delenv("BENEFITS_QA_FETCH_ALLOWED_NETWORKS")
    status, reason = statuses(run_ingest([f"{server}/faq.html"], load_settings()))[f"{server}/faq.html"]
    assert status == "failed" and "BENEFITS_QA_FETCH_ALLOWED_NETWORKS" in reason


def test_the_runs_own_settings_decide_the_url_policy(server, monkeypatch):
    # Settings given in code (the app's, a test's) must reach the policy, not only the environment's.
    monkeypatch.delenv("BENEFITS_QA_FETCH_ALLOWED_NETWORKS")
    allowed = load_settings(fetch_allowed_networks="127.0.0.1/32")
    assert statuses(run_ingest([f"{server}/faq.html"], allowed))[f"{server}/faq.html"][0] == "added"
    monkeypatch.setenv("BENEFITS_QA_FETCH_ALLOWED_NETWORKS", "127.0.0.1/32")
    refused = load_settings(fetch_allowed_networks="10.0.0.0/8")
    status, reason = statuses(run_ingest([f"{server}/leave.html"], refused))[f"{server}/leave.html"]
    assert status == "failed" and "BENEFITS_QA_FETCH_ALLOWED_NETWORKS" in reason


@pytest.mark.parametrize("target,scheme", [("ftp://127.0.0.1/faq.html", "ftp"), ("file:///etc/passwd", "file")])
def test_a_redirect_to_another_scheme_is_refused_with_its_reason(server, target, scheme):
    url = f"{server}/redirect-to?{target}"
    status, reason = statuses(run_ingest([url], load_settings()))[url]
    assert status == "failed" and f"{scheme} scheme" in reason and "redirects" not in reason


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1",
                                     "::ffff:127.0.0.1", "fe80::1", "100.64.0.1", "0.0.0.0"])
def test_non_public_addresses_are_refused(address):
    from ingest.fetch import UrlPolicy
    from ingest.errors import FetchRefused

    with pytest.raises(FetchRefused, match="loopback, private"):
        UrlPolicy().check_address("intranet", address)
    everywhere = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
    UrlPolicy(networks=everywhere).check_address("intranet", address)  # allowed explicitly
    UrlPolicy().check_address("public", "93.184.215.14")


def test_allowed_hosts_and_schemes():
    from ingest.fetch import UrlPolicy
    from ingest.errors import FetchRefused

    policy = UrlPolicy(hosts=(".example.com", "wiki.internal"))
    assert policy.check_url("https://hr.example.com/faq") == ("hr.example.com", 443)
    assert policy.check_url("http://wiki.internal:8080/x") == ("wiki.internal", 8080)
    for refused in ("https://example.com.evil.net/", "https://wiki.internal.evil/", "gopher://wiki.internal/"):
        with pytest.raises(FetchRefused):
            policy.check_url(refused)
