"""Who is signed in, from the identity provider's claims (st.user), and whether they maintain the
documents: a member of the configured maintainer group. Pure logic on a mapping of claims, so it is
tested without a provider; ui/shared.py reads st.user and calls it."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.situation import EMPLOYMENT, US_STATES, Situation, years_since


@dataclass(frozen=True)
class Identity:
    """A signed-in person as the app uses them: the name to show and their groups. Neither is ever
    logged or written to disk."""

    name: str
    groups: frozenset[str]


def groups_in(claim: object) -> frozenset[str]:
    """The groups in a groups claim: a list (Entra ID, Okta, Keycloak) or one string of names
    separated by spaces or commas. Anything else (absent, a number, a mapping) holds no group."""
    if isinstance(claim, str):
        names = re.split(r"[\s,]+", claim)
    elif isinstance(claim, (list, tuple)):
        names = [item.strip() for item in claim if isinstance(item, str)]
    else:
        return frozenset()
    return frozenset(name for name in names if name)


def identity_from(claims: Mapping[str, object], groups_claim: str) -> Identity:
    """The person behind an ID token's claims. The name shown is the name claim, else the email,
    else the preferred user name, else the subject (every ID token has one)."""
    for key in ("name", "email", "preferred_username", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            name = value.strip()
            break
    else:
        name = ""
    return Identity(name, groups_in(claims.get(groups_claim)))


def maintains(identity: Identity, maintainer_group: str) -> bool:
    """A maintainer is a member of the maintainer group; with no group configured, nobody is."""
    group = maintainer_group.strip()
    return bool(group) and group in identity.groups


# The claims "My situation" is filled in from, when the identity provider sends them: standard
# OpenID Connect claims where there is one (birthdate, address.region), else these names.
SITUATION_CLAIMS = {"employment": "employment_type", "state": "work_state", "hire_date": "hire_date",
                    "medical_plan": "medical_plan"}


def situation_from(claims: Mapping[str, object], plans: tuple[str, ...], today: date) -> Situation:
    """What the ID token says of the person's situation; a claim that is missing or does not read
    as a valid value is left unset, for them to set in the sidebar."""
    def text(key: str) -> str:
        value = claims.get(key)
        return value.strip() if isinstance(value, str) else ""

    employment = text(SITUATION_CLAIMS["employment"]).lower().replace(" ", "-")
    address = claims.get("address")
    state = (text(SITUATION_CLAIMS["state"]) or (address.get("region", "") if isinstance(address, Mapping) else "")).upper()
    plan = {p.lower(): p for p in plans}.get(text(SITUATION_CLAIMS["medical_plan"]).lower())

    def day(key: str) -> date | None:
        try:
            return date.fromisoformat(text(key)[:10])
        except ValueError:
            return None

    hired, born = day(SITUATION_CLAIMS["hire_date"]), day("birthdate")
    return Situation(employment=employment if employment in EMPLOYMENT else None,
                     state=state if state in US_STATES else None,
                     years_of_service=years_since(hired, today) if hired and hired <= today else None,
                     age_40_or_over=years_since(born, today) >= 40 if born and born <= today else None,
                     medical_plan=plan)
