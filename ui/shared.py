"""What the app's pages share: the assistant and rendered page images, loaded once per process."""
from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

import streamlit as st

from core.config import load_settings
from core.errors import frames_of
from rag.prompts import read_raw, read_table, render
from ui.auth import check_guess, issue_pass, pass_is_valid
from ui.identity import Identity, identity_from, maintains, situation_from
from core.situation import Situation
from core.types import Asker
from ui.render import escape_markdown

log = logging.getLogger("benefits_qa.app")


@st.cache_resource(show_spinner="Loading the policy index…")
def get_assistant(index_dir: str):
    """One assistant per index folder and process (the folder is the cache key)."""
    from rag.answer import Assistant

    return Assistant(load_settings(index_dir=Path(index_dir)))


@st.cache_data(max_entries=64, show_spinner=False)
def page_image(path: str, page: int, mtime: float, highlights: tuple[str, ...], max_pixels: int) -> bytes:
    from ui.pages import render_page_png

    return render_page_png(Path(path), page, highlights, max_pixels=max_pixels)


def starters(settings) -> list[tuple[str, str]]:
    return read_table(settings, "starters.tsv")


def log_unexpected(err: BaseException) -> None:
    """The traceback of an unexpected error, for the maintainers: type and frames only, never the
    message, which may quote what the user typed."""
    log.error("unexpected %s while drawing the page\n%s", type(err).__name__, frames_of(err))


def _binding() -> str:
    """What ties a sign-in to this browser's connection (see ui/auth.py): its WebSocket key."""
    return st.context.headers.get("Sec-WebSocket-Key", "")


def _source() -> str:
    """Where a sign-in comes from, for the guess limit and the log: the connection's address
    (None when local; not a str under AppTest). The app reads no forwarded-for header itself, but
    the server (uvicorn) takes X-Forwarded-For from a proxy on loopback (README, sign-in)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) else "localhost"


def has_maintainer_pass(settings) -> bool:
    """True while this connection holds an unexpired pass for the configured token."""
    return bool(settings.admin_token) and pass_is_valid(
        st.session_state.get("maintainer-pass"), settings.admin_token, _binding(), time.time())


def _sign_in(settings) -> None:
    """on_change of the token field: checked once per entry (a redraw never counts a guess
    again), and the field is emptied so the token is not kept in the session."""
    given = st.session_state.get("admin-token") or ""
    st.session_state["admin-token"] = ""
    if not given:
        return
    outcome = check_guess(settings, given, _source())
    if outcome:
        st.session_state["maintainer-pass"] = issue_pass(settings.admin_token, _binding(),
                                                          settings.admin_session_minutes, time.time())
    st.session_state["signin-outcome"] = {True: "ok", False: "wrong", None: "locked"}[outcome]


def sign_in_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section: st.user then has is_logged_in
    (False until the person signs in), and without one it has no such key."""
    return "is_logged_in" in st.user


def signed_in(settings) -> Identity | None:
    """The person signed in through the identity provider, or None. Streamlit reads them from its
    signed identity cookie when the session starts, and resumes a session for a new connection
    only if that connection brings the same identity, so a session id alone carries no one's role."""
    if not (sign_in_configured() and st.user.is_logged_in):
        return None
    return identity_from(st.user.to_dict(), settings.groups_claim)


SITUATION_KEY = "situation"  # the session's Situation: in this browser tab's session only


def asker(settings) -> Asker:
    """Whom this session's questions are answered for: the signed-in person's groups decide which
    documents may be cited (.audiences.toml), without sign-in none (documents for everyone); and
    the situation set in the sidebar."""
    identity = signed_in(settings)
    situation = st.session_state.get(SITUATION_KEY, Situation())
    return Asker(identity.groups if identity else frozenset(), situation)


def claimed_situation(settings) -> Situation:
    """What the identity provider's claims say of the signed-in person's situation (nothing
    without sign-in)."""
    if not (sign_in_configured() and st.user.is_logged_in):
        return Situation()
    return situation_from(st.user.to_dict(), settings.plan_names, date.today())


def sign_in_gate(settings) -> None:
    """With sign-in configured, nothing but the sign-in screen until the person signs in, then
    their name and a sign-out button in the sidebar. Without it the app is open, unless
    BENEFITS_QA_AUTH_REQUIRED says it must not be."""
    if not sign_in_configured():
        if settings.auth_required:
            st.error(read_raw(settings, "signin_required.md"))
            st.stop()
        return
    labels = dict(read_table(settings, "signin_labels.tsv"))
    person = signed_in(settings)
    if person is None:
        st.title("Benefits Q&A")
        st.markdown(read_raw(settings, "signin.md"))
        if st.button(labels["button"], key="sign-in", type="primary"):
            st.login()
        st.caption(render(settings, "crisis_line.md"))  # on every page, this one too
        st.stop()
    with st.sidebar:
        # The name is the identity provider's text (a person may choose their own): inert.
        st.caption(labels["signed_in_as"].format(name=escape_markdown(person.name)))
        if st.button(labels["signout"], key="sign-out"):
            st.logout()


def may_maintain(settings) -> bool:
    """Whether this person may use the maintainers' page: by the maintainer group when sign-in is
    configured (the admin token then counts for nothing), else by a valid admin-token pass."""
    if sign_in_configured():
        person = signed_in(settings)
        return person is not None and maintains(person, settings.maintainer_group)
    return has_maintainer_pass(settings)


def is_maintainer(settings) -> bool:
    """With sign-in configured: a member of the maintainer group, and no token field. Without:
    True while this connection holds a valid token pass; else the token form in the sidebar."""
    if sign_in_configured():
        return may_maintain(settings)
    if not settings.admin_token:
        return False
    if has_maintainer_pass(settings):
        return True
    st.session_state.pop("maintainer-pass", None)  # expired, or from another connection
    with st.sidebar.expander("Maintainer sign-in"):
        st.text_input("Admin token", type="password", key="admin-token", on_change=_sign_in, args=(settings,))
        outcome = st.session_state.pop("signin-outcome", None)
        if outcome == "wrong":
            st.error("That token is not right.")
        elif outcome == "locked":
            st.error(render(settings, "signin_locked.md", minutes=f"{settings.admin_lockout_minutes:g}"))
    return False
