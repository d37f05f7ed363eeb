"""The limiter takes the vendor's word on the budget it shares with other processes (pure, fake clock)."""

from __future__ import annotations

import pytest

from airflow_incident_provider.hooks.ratelimit import SlidingWindowLimiter
from airflow_incident_provider.vendors.base import Budget
from tests.hooks.test_ratelimit import FakeClock


def limiter(clock: FakeClock, draw: float = 0.5, limit: int = 960) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(limit, window=61.0, clock=clock, rng=lambda: draw)


def test_plenty_left_sends_at_once() -> None:
    clock = FakeClock()
    shared = limiter(clock)
    shared.observe(Budget(120, 100, 40.0))
    assert [shared.reserve() for _ in range(5)] == [0.0] * 5


def test_a_spent_budget_holds_every_request_until_its_reset_whatever_the_connection_says() -> None:
    clock = FakeClock()
    shared = limiter(clock)
    shared.observe(Budget(120, 0, 25.0))
    assert shared.reserve() == 25.0
    clock.now = 25.0
    assert shared.reserve() == 0.0, "past the reset the old word no longer holds"


def test_a_429_means_the_budget_is_spent_for_everyone() -> None:
    clock = FakeClock()
    shared = limiter(clock)
    shared.observe(Budget(120, 50, 30.0))
    shared.observe(Budget(120, 7, 12.0), refused=True)  # a refusal's remaining never counts
    assert shared.reserve() == 12.0


def test_own_reservations_spend_the_reported_budget() -> None:
    clock = FakeClock()
    shared = limiter(clock)
    shared.observe(Budget(120, 2, 30.0))
    assert shared.reserve() == 0.0
    assert shared.reserve() == 0.0
    assert shared.reserve() == 30.0, "two left, both taken here: the third waits for the reset"


def test_the_peers_are_counted_from_how_fast_the_budget_falls() -> None:
    clock = FakeClock()
    shared = limiter(clock)
    assert shared.sharers == 1.0
    for remaining in (100, 96, 92, 88, 84, 80):  # four spent for each of ours: three peers
        shared.observe(Budget(120, remaining, 50.0))
    assert shared.sharers == pytest.approx(4.0, abs=0.2)
    shared.observe(Budget(120, 120, 60.0))  # a refill says nothing about the peers
    assert shared.sharers == pytest.approx(4.0, abs=0.2)


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 0.0), (0.25, 10.0), (0.99, 20.0)])
def test_the_last_few_are_spread_over_the_time_to_reset(draw: float, expected: float) -> None:
    """Fewer left than peers spending them: a random moment in [0, reset * peers / left], at most the reset.

    With four peers and two left over 20 s, each waits a draw of up to 40 s, so about two of the four
    send before the reset instead of all four racing for two slots."""
    clock = FakeClock()
    shared = limiter(clock, draw=draw)
    for remaining in range(42, 1, -4):  # 42, 38, ..., 6, 2: four spent for each of ours
        shared.observe(Budget(120, remaining, 20.0))
    assert shared.sharers == pytest.approx(4.0, abs=0.01)
    assert shared.reserve() == pytest.approx(expected, abs=0.01)


def test_no_word_from_the_vendor_keeps_the_connection_limit() -> None:
    clock = FakeClock()
    shared = limiter(clock, limit=3)
    shared.observe(None)
    assert [shared.reserve() for _ in range(4)] == [0.0, 0.0, 0.0, 61.0]


def test_the_connection_limit_still_holds_when_the_vendor_allows_more() -> None:
    clock = FakeClock()
    shared = limiter(clock, limit=2)
    shared.observe(Budget(1000, 900, 30.0))
    assert [shared.reserve() for _ in range(3)] == [0.0, 0.0, 61.0]


def test_after_a_spent_budget_the_peers_come_back_in_turn_not_at_one_instant() -> None:
    """Under a window that refills slot by slot, the slots come back at the pace they were spent: each
    process resumes at the reset plus a random share of the time its peers took to spend one each."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.5)
    for step, remaining in enumerate(range(40, 0, -4)):  # four spent every 0.1 s: a request per 25 ms
        clock.now = 0.1 + step * 0.1
        shared.observe(Budget(120, remaining, 10.0))
    assert shared.sharers == pytest.approx(4.0, abs=0.01)
    clock.now = 1.1
    shared.observe(Budget(120, 0, 10.0))
    assert shared.reserve() == pytest.approx(10.0 + 0.5 * 4 * 0.025, abs=1e-3)


def test_a_refusal_doubles_the_peers_and_holds_past_the_reset() -> None:
    clock = FakeClock()
    shared = limiter(clock, draw=1.0)
    clock.now = 100.0
    shared.observe(Budget(120, 50, 30.0))
    clock.now = 100.1
    shared.observe(Budget(120, 48, 30.0))  # two spent in 0.1 s: a peer, a request every 50 ms
    assert shared.sharers == pytest.approx(1.5)
    shared.observe(Budget(120, 0, 2.0), refused=True)
    assert shared.sharers == pytest.approx(3.0)
    assert shared.reserve() == pytest.approx(2.0 + 3.0 * 0.05)


def test_a_gap_with_only_our_own_request_in_it_says_nothing_of_the_pace() -> None:
    """A process that waited (for its own limiter, for Redis) between two answers saw no peer spend:
    that gap is not the credential's pace, and must not push its turns after a reset far out."""
    clock = FakeClock()
    shared = limiter(clock, draw=1.0)
    clock.now = 100.0
    shared.observe(Budget(120, 10, 30.0))
    clock.now = 130.0
    shared.observe(Budget(120, 9, 30.0))
    clock.now = 130.1
    shared.observe(Budget(120, 0, 5.0))
    delay = shared.reserve()
    assert delay is not None
    assert delay < 5.0 + 30.0 * 0.1


def test_the_turn_after_a_reset_never_waits_longer_than_the_reset() -> None:
    clock = FakeClock()
    shared = limiter(clock, draw=1.0)
    clock.now = 100.0
    shared.observe(Budget(120, 100, 30.0))
    clock.now = 110.0
    shared.observe(Budget(120, 60, 30.0))  # forty spent in ten seconds: a slow pace of 0.25 s
    shared.observe(Budget(120, 0, 1.0), refused=True)
    assert shared.reserve() == pytest.approx(2.0)
