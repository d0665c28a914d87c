"""Which of several live versions of a policy is in effect (pure logic on ledger entries)."""
from datetime import date

from core.ledger import LedgerEntry
from rag.versions import CURRENT, FUTURE, SUPERSEDED, asks_about_past, latest_change, version_roles


def entry(h, title, effective):
    return LedgerEntry(source=h + ".pdf", doc_hash=h, title=title, kind="pdf", chunks=1, size=1,
                       ingested_at="", effective_date=effective)


def test_latest_past_version_is_current():
    roles = version_roles([entry("a", "Parental Leave Policy", "2024-01-01"),
                           entry("b", "Parental leave policy", "2026-07-01"),
                           entry("c", "Parental Leave Policy", "2027-01-01"),
                           entry("d", "Severance Pay Plan", "2025-07-01")], today=date(2026, 11, 27))
    assert roles["a"].role == SUPERSEDED and roles["b"].role == CURRENT and roles["c"].role == FUTURE
    assert "d" not in roles  # a single version needs no note
    assert roles["a"].in_effect_date == "2026-07-01"


def test_before_any_version_takes_effect_the_earliest_is_used():
    roles = version_roles([entry("a", "Plan", "2030-01-01"), entry("b", "Plan", "2031-01-01")], today=date(2026, 1, 1))
    assert roles["a"].role == CURRENT


def test_question_naming_an_old_year_keeps_the_old_version():
    roles = version_roles([entry("a", "Plan", "2024-01-01"), entry("b", "Plan", "2026-07-01")], today=date(2026, 11, 27))
    assert asks_about_past("What did the 2024 parental leave policy give?", roles["a"])
    assert not asks_about_past("How long is parental leave?", roles["a"])


def test_latest_change_is_the_newest_date_in_effect():
    entries = [entry("a", "Parental Leave Policy", "2024-01-01"), entry("b", "Parental Leave Policy", "2026-07-01"),
               entry("c", "Severance Pay Plan", "2027-01-01"), entry("d", "FAQ", "")]
    assert latest_change(entries, today=date(2026, 11, 27)) == "2026-07-01"  # 2027 is not in effect yet
    assert latest_change([entry("d", "FAQ", "")], today=date(2026, 11, 27)) == ""
