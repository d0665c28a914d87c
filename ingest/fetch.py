"""Fetch FAQ pages and PDFs from URLs (an intranet, usually) so they ingest like files.

Each page is saved under the index folder (fetched/), hashed like a file, and named by its URL.
Timeouts, the size limit, redirects, refused addresses and HTTP errors are reported per URL, never
raised.

Limits, because a URL is a door into the network the ingest runs on:
- the timeout bounds the whole fetch, redirects and body included, not each read: a server that
  trickles a byte at a time cannot hold the ingest (and its index lock) for longer;
- only http and https, for the first URL and every redirect;
- each host is resolved and every address checked: loopback, private, link-local and other
  non-public addresses are refused unless a setting allows their network (an intranet sets
  BENEFITS_QA_FETCH_ALLOWED_NETWORKS), so a page cannot redirect ingest to an internal service
  and have that service's text quoted to every employee. The connection goes to the address that
  was checked, not to a second lookup.
"""
from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ingest.discover import SourceFile
from ingest.errors import FetchRefused
from ingest.formats import format_for_mime

MAX_REDIRECTS = 5
_SCHEMES = {"http": 80, "https": 443}
_READ = 64 * 1024


@dataclass(frozen=True)
class FetchFailure:
    url: str
    reason: str
    hint: str


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs may be fetched (see the module's docstring)."""
    hosts: tuple[str, ...] = ()  # empty: any host; ".example.com": the domain and its sub-domains
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()  # non-public, yet allowed

    @classmethod
    def from_settings(cls, settings) -> UrlPolicy:
        hosts = tuple(h.strip().lower() for h in settings.fetch_allowed_hosts.split(",") if h.strip())
        try:
            networks = tuple(ipaddress.ip_network(n.strip(), strict=False)
                             for n in settings.fetch_allowed_networks.split(",") if n.strip())
        except ValueError as err:
            from core.errors import ConfigError

            raise ConfigError(f"BENEFITS_QA_FETCH_ALLOWED_NETWORKS: {err}; give networks like "
                              f"10.0.0.0/8, comma-separated.") from None
        return cls(hosts, networks)

    def check_url(self, url: str) -> tuple[str, int]:
        """(host, port) of an allowed URL; FetchRefused naming why not."""
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            raise FetchRefused(f"{scheme or 'no'} scheme: only http and https are fetched")
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchRefused("no host in the address")
        if self.hosts and not any(host == h or (h.startswith(".") and host.endswith(h)) for h in self.hosts):
            raise FetchRefused(f"the host {host} is not in BENEFITS_QA_FETCH_ALLOWED_HOSTS")
        try:
            port = parts.port or _SCHEMES[scheme]
        except ValueError:
            raise FetchRefused("the port is not a number") from None
        return host, port

    def check_address(self, host: str, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_global and not ip.is_multicast:
            return
        if any(ip in network for network in self.networks):
            return
        raise FetchRefused(f"{host} is at {ip}, a loopback, private or link-local address; allow its "
                           f"network in BENEFITS_QA_FETCH_ALLOWED_NETWORKS to fetch it")

    def resolve(self, host: str, port: int) -> str:
        """The first address of `host`, after checking every address it resolves to."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as err:
            raise FetchRefused(f"cannot resolve {host} ({err.strerror})") from None
        addresses = [info[4][0] for info in infos]
        for address in addresses:
            self.check_address(host, address)
        return addresses[0]


class _Deadline:
    """Shuts the connection's socket down when the whole fetch's time is up: a read blocked on a
    trickling server then returns at once, whatever the per-read timeout."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        self.expired = threading.Event()
        self._connection: http.client.HTTPConnection | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def watch(self, connection: http.client.HTTPConnection) -> None:
        self._connection = connection

    def _expire(self) -> None:
        self.expired.set()
        sock = self._connection.sock if self._connection is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def cancel(self) -> None:
        self._timer.cancel()


class _Timeout(Exception):
    pass


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def read_sources_file(path: Path) -> list[str]:
    """One URL or path per line; blank lines and # comments are skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _connect(url: str, host: str, port: int, address: str, deadline: _Deadline) -> http.client.HTTPConnection:
    kind = http.client.HTTPSConnection if url.lower().startswith("https:") else http.client.HTTPConnection
    connection = kind(host, port, timeout=max(0.01, deadline.remaining()))

    def to_checked_address(_target, timeout, source_address=None):  # the address checked, not a new lookup
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = to_checked_address  # TLS still verifies the certificate for `host`
    deadline.watch(connection)
    return connection


def _read_body(response: http.client.HTTPResponse, max_bytes: int, deadline: _Deadline) -> bytes | None:
    """The body, or None if it is over max_bytes; _Timeout when the deadline passes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read1(_READ)  # returns what one read brought: a trickle cannot block it
        if deadline.expired.is_set():
            raise _Timeout
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)


def fetch(url: str, origin: str, cache_dir: Path, timeout: float, max_bytes: int,
          policy: UrlPolicy | None = None) -> SourceFile | FetchFailure:
    """Fetch `url` within `timeout` seconds in all, following up to MAX_REDIRECTS redirects, each
    checked against `policy` (default: from the settings)."""
    if policy is None:
        from core.config import load_settings

        policy = UrlPolicy.from_settings(load_settings())
    too_slow = FetchFailure(url, f"no complete answer within {timeout:g} s",
                            "check the server, or raise BENEFITS_QA_FETCH_TIMEOUT")
    too_big = FetchFailure(url, f"the page is over the {max_bytes / 2**20:.0f} MB limit",
                           "split the document or raise BENEFITS_QA_MAX_FILE_MB")
    deadline = _Deadline(timeout)
    current = url
    try:
        for hop in range(MAX_REDIRECTS + 1):
            where = "" if hop == 0 else f"redirected to {current}: "
            try:
                host, port = policy.check_url(current)
                address = policy.resolve(host, port)
            except FetchRefused as err:
                return FetchFailure(url, f"{where}refused: {err}", "fetch only http(s) pages on allowed hosts")
            connection = _connect(current, host, port, address, deadline)
            try:
                parts = urllib.parse.urlsplit(current)
                target = parts.path or "/"
                if parts.query:
                    target += "?" + parts.query
                connection.request("GET", target, headers={"User-Agent": "benefits-qa ingest"})
                response = connection.getresponse()
                if deadline.expired.is_set():
                    raise _Timeout
                location = response.getheader("Location")
                if 300 <= response.status < 400 and location:
                    current = urllib.parse.urljoin(current, location)
                    continue
                if response.status >= 400:
                    return FetchFailure(url, f"HTTP {response.status} {response.reason}",
                                        "check the address" if response.status == 404 else
                                        "check the server and your access to it")
                declared = response.getheader("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    return FetchFailure(url, f"the page is {int(declared) / 2**20:.1f} MB, over the "
                                             f"{max_bytes / 2**20:.0f} MB limit",
                                        "split the document or raise BENEFITS_QA_MAX_FILE_MB")
                data = _read_body(response, max_bytes, deadline)
                if data is None:
                    return too_big
                content_type = response.headers.get_content_type()
                break
            finally:
                connection.close()
        else:
            return FetchFailure(url, f"more than {MAX_REDIRECTS} redirects", "link to the page's final address")
    except (_Timeout, TimeoutError):
        return too_slow
    except (OSError, http.client.HTTPException) as err:
        if deadline.expired.is_set():  # the deadline shut the socket mid-read
            return too_slow
        if isinstance(err, ConnectionRefusedError):
            return FetchFailure(url, f"cannot connect ({err.strerror})", "check the address and the network")
        return FetchFailure(url, f"cannot fetch ({err})", "check the address and the server")
    finally:
        deadline.cancel()

    fmt = format_for_mime(content_type)
    suffix = fmt.suffixes[0] if fmt else (Path(current.split("?")[0]).suffix.lower() or ".html")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:24] + suffix)
    path.write_bytes(data)
    return SourceFile(path=path, source=url, origin=origin, sha256=hashlib.sha256(data).hexdigest(),
                      size=len(data), note=f"redirected to {current}" if current != url else "")
