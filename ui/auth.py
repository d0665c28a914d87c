"""Maintainer sign-in: token guesses limited and logged, and maintainer status bound to the
connection that signed in, not to the Streamlit session id.

Why not `st.session_state["maintainer"] = True`: a session id is no secret (it is in every upload
URL, `PUT /_stcore/upload_file/<session-id>/…`, so in proxy logs), and Streamlit lets a new
WebSocket connection that presents a session id resume that session, session_state and all. So a
sign-in stores a MaintainerPass instead: an expiry and an HMAC over the expiry and a digest of the
connection's Sec-WebSocket-Key header, a random nonce the browser makes for each WebSocket
connection, which never appears in a URL and cannot be derived from the session id. The HMAC key
is derived from a random secret made when the server process starts and from the admin token.
Every run recomputes the HMAC for the connection it serves: a session resumed on another
connection, an expired pass, a changed token or a restarted server fails the check, and the token
is asked again. (A browser whose own connection drops and reconnects also signs in again.)
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass

from core.access import SlidingWindow, token_matches

log = logging.getLogger("benefits_qa.maintainer")

_PROCESS_SECRET = secrets.token_bytes(32)  # never leaves this process; a restart ends every pass


@dataclass(frozen=True)
class MaintainerPass:
    expires_at: float  # time.time() seconds
    mac: str


def _mac(token: str, binding: str, expires_at: float) -> str:
    key = hmac.new(_PROCESS_SECRET, token.encode(), hashlib.sha256).digest()
    message = f"{expires_at!r}|{hashlib.sha256(binding.encode()).hexdigest()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue_pass(token: str, binding: str, minutes: float, now: float) -> MaintainerPass:
    expires_at = now + minutes * 60
    return MaintainerPass(expires_at, _mac(token, binding, expires_at))


def pass_is_valid(maintainer_pass: object, token: str, binding: str, now: float) -> bool:
    if not isinstance(maintainer_pass, MaintainerPass) or now >= maintainer_pass.expires_at:
        return False
    return hmac.compare_digest(maintainer_pass.mac, _mac(token, binding, maintainer_pass.expires_at))


# The limiter of wrong tokens: a sliding window per source (IP address) and in all (core/access.py).
GuessLimiter = SlidingWindow


_limiters: dict[tuple, GuessLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(settings) -> GuessLimiter:
    """One limiter per process (per set of limits): guesses count across all sessions."""
    key = (settings.admin_guesses_per_source, settings.admin_guesses_total, settings.admin_lockout_minutes)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = GuessLimiter(key[0], key[1], key[2] * 60)
        return _limiters[key]


def reset_guesses() -> None:
    """Forget every counted guess (tests; a restart does the same)."""
    with _limiters_lock:
        _limiters.clear()


def check_guess(settings, given: str, source: str) -> bool | None:
    """True: the right token. False: wrong (counted and logged). None: refused, too many wrong
    guesses (nothing compared). The guess itself is never logged or kept."""
    limiter = limiter_for(settings)
    if limiter.locked(source):
        log.warning("maintainer sign-in refused from %s: too many wrong tokens", source)
        return None
    if token_matches(given, settings.admin_token):
        log.info("maintainer signed in from %s", source)
        return True
    count = limiter.record(source)
    log.warning("maintainer sign-in: wrong token from %s (%d from this source, %d in all, in the last %g minutes)",
                source, count.from_source, count.in_all, settings.admin_lockout_minutes)
    return False
