"""The limiter takes the vendor's word on the budget it shares with other processes (pure, fake clock).

Time is an argument (a fake clock): every expected wait is exact.
"""

from __future__ import annotations

import pytest

from airflow_incident_provider.hooks.ratelimit import SAFETY_SECONDS, WINDOW_SECONDS, SlidingWindowLimiter
from airflow_incident_provider.vendors.base import Budget
from tests.hooks.test_ratelimit import FakeClock

WINDOW = WINDOW_SECONDS + SAFETY_SECONDS


def limiter(clock: FakeClock, limit: int = 960) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(limit, window=WINDOW, clock=clock)


def send(shared: SlidingWindowLimiter, clock: FakeClock, answers: list[int], reset: float = 30.0) -> None:
    """This process's requests, a tenth of a second apart, each sent at once and answered with what is
    left of 120 (reset in ``reset`` seconds)."""
    for remaining in answers:
        assert shared.reserve() == 0.0
        shared.observe(Budget(120, remaining, reset))
        clock.now += 0.1


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


def test_a_fall_of_its_own_request_alone_is_no_crowd() -> None:
    """The budget falls by this process's own request each time: nobody sends alongside, and it takes
    the last one left."""
    clock = FakeClock()
    shared = limiter(clock)
    send(shared, clock, [4, 3, 2, 1])
    assert shared.reserve() == 0.0


def test_what_is_left_for_every_sender_is_no_crowd() -> None:
    """The budget fell by five and five are left: the five senders each have one."""
    clock = FakeClock()
    shared = limiter(clock)
    send(shared, clock, [30, 25, 20, 15, 10, 5])
    assert shared.reserve() == 0.0


def test_the_first_crowding_still_sends() -> None:
    """Four sending together, three left: the first time, this process sends, so that a window's last
    requests are not left unsent by every process at once."""
    clock = FakeClock()
    shared = limiter(clock)
    send(shared, clock, [15, 11, 7, 3])
    assert shared.reserve() == 0.0


def test_a_crowded_budget_holds_requests_until_its_reset() -> None:
    """Crowded a second time (the budget fell by four, three are left): the senders of that fall take
    the three, and this process waits for the reset, though the vendor has not said the budget is
    spent."""
    clock = FakeClock()
    shared = limiter(clock)
    send(shared, clock, [15, 11, 7, 3], reset=30.0)
    shared.observe(Budget(120, 1, 29.5))
    clock.now += 0.1
    assert shared.reserve() == pytest.approx(29.5 - 0.1)


def test_after_a_spent_budget_the_next_crowding_holds() -> None:
    """A budget once spent for this process uses up the first crowding's exception."""
    clock = FakeClock()
    shared = limiter(clock)
    shared.observe(Budget(120, 0, 10.0))
    clock.now = 10.0
    send(shared, clock, [119, 115, 111, 107, 103, 99], reset=60.0)
    shared.observe(Budget(120, 2, 59.0))
    assert shared.reserve() == pytest.approx(59.0)


def test_after_the_reset_every_process_comes_back_and_counts_the_crowd_again() -> None:
    """Held by a crowd until the reset: then this process sends at once, and the budget having risen
    since its last answer is no crowd."""
    clock = FakeClock()
    shared = limiter(clock)
    send(shared, clock, [15, 11, 7, 3], reset=30.0)
    shared.observe(Budget(120, 1, 20.0))
    clock.now = 20.5
    assert shared.reserve() == 0.0
    shared.observe(Budget(120, 110, 60.0))
    assert shared.reserve() == 0.0


def test_a_refusal_holds_until_the_reset_whatever_the_fall_before() -> None:
    """A 429 says nothing of the budget's fall, only that it is spent: the reset it states holds."""
    clock = FakeClock()
    shared = limiter(clock)
    send(shared, clock, [50, 49])
    shared.observe(Budget(120, 40, 8.0), refused=True)
    assert shared.reserve() == pytest.approx(8.0)
