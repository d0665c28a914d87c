"""Who may come in, and how often: secrets compared in constant time, and events counted in a
sliding window per source and in all. The app's maintainer sign-in (ui/auth.py) counts wrong tokens
with it; the HTTP API (api/) checks its keys and counts each client's requests."""
from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def token_matches(given: str, token: str) -> bool:
    """Constant time, and the same time whatever the lengths: the digests are compared."""
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(), hashlib.sha256(token.encode()).digest())


def matching_key(given: str, keys: Sequence[str]) -> int | None:
    """The position of the key that `given` is, or None. Every key is compared, in constant time,
    so the time taken says nothing about which key came close."""
    found = None
    for position, key in enumerate(keys):
        if token_matches(given, key) and found is None:
            found = position
    return found


@dataclass(frozen=True)
class EventCount:
    from_source: int
    in_all: int


@dataclass
class SlidingWindow:
    """Events per source and in all within the last `window` seconds; at a limit, the source is
    locked until enough of its events (or of all events) are older than the window.
    `total` None: no limit in all."""
    per_source: int
    total: int | None
    window: float  # seconds
    clock: Callable[[], float] = time.monotonic
    _events: deque = field(default_factory=deque)  # (time, source), oldest first
    _by_source: dict = field(default_factory=dict)  # source -> deque of its times, oldest first
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        while self._events and self._events[0][0] <= horizon:
            _, source = self._events.popleft()
            times = self._by_source[source]
            times.popleft()
            if not times:
                del self._by_source[source]

    def _count(self, source: str) -> EventCount:
        return EventCount(len(self._by_source.get(source, ())), len(self._events))

    def _wait(self, source: str, now: float) -> float:
        """Seconds until `source` is under both limits again (0: it is now)."""
        if self.per_source < 1 or (self.total is not None and self.total < 1):
            return self.window  # a limit of 0 admits nothing
        waits = [0.0]
        times = self._by_source.get(source, ())
        if len(times) >= self.per_source:
            waits.append(times[len(times) - self.per_source] + self.window - now)
        if self.total is not None and len(self._events) >= self.total:
            waits.append(self._events[len(self._events) - self.total][0] + self.window - now)
        return max(waits)

    def locked(self, source: str) -> bool:
        with self._lock:
            now = self.clock()
            self._prune(now)
            return self._wait(source, now) > 0

    def record(self, source: str) -> EventCount:
        with self._lock:
            now = self.clock()
            self._prune(now)
            self._add(source, now)
            return self._count(source)

    def admit(self, source: str) -> float:
        """Count an event of `source` if it is under the limits, and return 0; otherwise count
        nothing and return the seconds until it would be admitted."""
        with self._lock:
            now = self.clock()
            self._prune(now)
            wait = self._wait(source, now)
            if wait <= 0:
                self._add(source, now)
            return max(wait, 0.0)

    def _add(self, source: str, now: float) -> None:
        self._events.append((now, source))
        self._by_source.setdefault(source, deque()).append(now)
