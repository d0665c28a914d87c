"""The shared access pieces (core/access.py): key comparison and the sliding-window limit."""
from core.access import SlidingWindow, matching_key, token_matches


def test_keys_are_matched_by_position_and_only_exactly():
    keys = ["alpha-key", "beta-key"]
    assert matching_key("beta-key", keys) == 1 and matching_key("alpha-key", keys) == 0
    assert matching_key("beta-ke", keys) is None and matching_key("", keys) is None
    assert matching_key("alpha-key", []) is None
    assert token_matches("é", "é") and not token_matches("e", "é")


def test_admit_counts_until_the_limit_then_says_how_long_to_wait():
    now = [100.0]
    window = SlidingWindow(per_source=2, total=None, window=60, clock=lambda: now[0])
    assert window.admit("a") == 0
    now[0] = 105.0
    assert window.admit("a") == 0
    now[0] = 110.0
    assert window.admit("a") == 50.0  # the first of the two leaves the window at 160
    assert window.admit("b") == 0  # another source is not held up
    now[0] = 160.0  # had the refused event counted, "a" would still hold two
    assert window.admit("a") == 0 and window.locked("a") and not window.locked("b")
    assert window.record("a").from_source == 3


def test_the_limit_in_all_holds_every_source_and_a_zero_limit_admits_nothing():
    now = [0.0]
    window = SlidingWindow(per_source=5, total=2, window=10, clock=lambda: now[0])
    window.admit("a")
    now[0] = 4.0
    window.admit("b")
    assert window.admit("c") == 6.0 and window.locked("c")
    assert SlidingWindow(per_source=0, total=None, window=10).admit("a") == 10
