"""Several live versions of one policy: which one is in effect today, which are superseded.

Versions are documents with the same title and different effective dates. The one in effect is
the latest whose effective date is not in the future; earlier ones are superseded, later ones are
not yet in effect. Pure functions of the ledger entries, so they are tested without an index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

CURRENT, SUPERSEDED, FUTURE = "current", "superseded", "future"


@dataclass(frozen=True)
class VersionRole:
    role: str
    title: str
    effective_date: str
    in_effect_date: str  # effective date of the version in effect for this title


def _key(title: str) -> str:
    return re.sub(r"\W+", " ", title.lower()).strip()


def version_roles(entries, today: date) -> dict[str, VersionRole]:
    """doc_hash → role, for documents that share their title with another dated document."""
    by_title: dict[str, list] = {}
    for e in entries:
        if e.effective_date:
            by_title.setdefault(_key(e.title), []).append(e)
    roles: dict[str, VersionRole] = {}
    today_iso = today.isoformat()
    for group in by_title.values():
        if len({e.effective_date for e in group}) < 2:
            continue
        in_effect = [e for e in group if e.effective_date <= today_iso]
        current = max(in_effect, key=lambda e: e.effective_date) if in_effect else min(group, key=lambda e: e.effective_date)
        for e in group:
            role = CURRENT if e is current else (FUTURE if e.effective_date > today_iso else SUPERSEDED)
            roles[e.doc_hash] = VersionRole(role, e.title, e.effective_date, current.effective_date)
    return roles


def asks_about_past(question: str, role: VersionRole) -> bool:
    """The question names the year of this older version ('the 2024 policy'): keep it."""
    year = role.effective_date[:4]
    return bool(year) and year in question and year != role.in_effect_date[:4]


def latest_change(entries, today: date) -> str:
    """The newest effective date of a live document that is in effect today: when the policies
    last changed by their own dates ("" when no document states one). Not-yet-effective ones wait."""
    today_iso = today.isoformat()
    return max((e.effective_date for e in entries if e.effective_date and e.effective_date <= today_iso), default="")
