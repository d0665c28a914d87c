"""My situation, as data: what the asker said about themselves (employment type, US state, years of
service, age band, medical plan). rag/situation.py decides which policy sentences state their case."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

EMPLOYMENT = ("full-time", "part-time")
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
FACETS = ("employment", "state", "years_of_service", "age_40_or_over", "medical_plan")


@dataclass(frozen=True)
class Situation:
    """What the asker said about themselves in the sidebar (or their identity provider's claims
    said). Kept in the browser session only: never stored, never logged."""

    employment: str | None = None  # one of EMPLOYMENT
    state: str | None = None  # a two-letter code of US_STATES
    years_of_service: float | None = None  # completed years count (4 years 11 months is 4)
    age_40_or_over: bool | None = None
    medical_plan: str | None = None  # a plan's name as the documents use it: "PPO", "HDHP"

    def __post_init__(self):
        if self.employment is not None and self.employment not in EMPLOYMENT:
            raise ValueError(f"employment must be one of {', '.join(EMPLOYMENT)}, not {self.employment!r}")
        if self.state is not None and self.state not in US_STATES:
            raise ValueError(f"state must be a two-letter US state code, not {self.state!r}")
        if self.years_of_service is not None and not (0 <= self.years_of_service < 80):
            raise ValueError(f"years_of_service must be between 0 and 80, not {self.years_of_service!r}")

    @property
    def is_set(self) -> bool:
        return any(getattr(self, facet) is not None for facet in FACETS)

    @classmethod
    def from_json(cls, data: dict) -> "Situation":
        unknown = set(data) - set(FACETS)
        if unknown:
            raise ValueError(f"unknown situation keys: {', '.join(sorted(unknown))} (known: {', '.join(FACETS)})")
        return cls(**data)


def years_since(day: date, today: date) -> float:
    """Completed years from a date (a hire date) to today."""
    years = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
    return float(max(years, 0))
