"""The limiter takes the vendor's word on the budget it shares with other processes (pure, fake clock).

Time and the random draw are arguments: every expected wait is exact.
"""

from __future__ import annotations

import pytest

from airflow_incident_provider.hooks.ratelimit import SAFETY_SECONDS, WINDOW_SECONDS, SlidingWindowLimiter
from airflow_incident_provider.vendors.base import Budget
from tests.hooks.test_ratelimit import FakeClock

WINDOW = WINDOW_SECONDS + SAFETY_SECONDS


def limiter(clock: FakeClock, draw: float = 0.5, limit: int = 960) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(limit, window=61.0, clock=clock, rng=lambda: draw)


def spend_a_full_window(shared: SlidingWindowLimiter, clock: FakeClock, answers: list[int]) -> None:
    """This process's requests, a tenth of a second apart, each answered with what is left (12 a window,
    reset in 60 s); the last answer says the window is full."""
    for step, remaining in enumerate(answers):
        clock.now = step * 0.1
        assert shared.reserve() == 0.0
        shared.observe(Budget(12, remaining, 60.0))


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


def test_the_first_full_window_counts_the_processes() -> None:
    """Three of this process's requests in a window of twelve the vendor says is full: four processes."""
    clock = FakeClock()
    shared = limiter(clock)
    spend_a_full_window(shared, clock, [8, 4, 0])
    assert shared.sharers == pytest.approx(4.0)


def test_a_single_answer_is_no_basis_for_a_count() -> None:
    clock = FakeClock()
    shared = limiter(clock)
    shared.observe(Budget(12, 0, 60.0))
    assert shared.sharers < 1.5, "one request of ours in a full window says little of the others"


def test_a_refusal_out_of_a_window_with_plenty_left_counts_no_processes() -> None:
    """A 429 right after the vendor said most of the window was left (another of its limits, or an
    injected fault) is no full window: the process waits for the reset and stays alone, instead of
    taking the others to hold the whole window and keeping to a share of one request a minute."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    for step, remaining in enumerate([999, 998]):
        clock.now = step * 0.1
        assert shared.reserve() == 0.0
        shared.observe(Budget(1000, remaining, 60.0))
    shared.observe(Budget(1000, 0, 1.0), refused=True)
    assert shared.sharers == 1.0
    assert shared.reserve() == pytest.approx(1.0)
    clock.now = 1.1
    assert [shared.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]


def test_after_a_spent_budget_the_processes_come_back_in_turn_not_at_one_instant() -> None:
    """The turn is the time the other processes' requests take to come back at the vendor's average
    rate: three others, a request every 5 s (12 a minute), 15 s; a draw of 0.5 comes back halfway."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.5)
    spend_a_full_window(shared, clock, [8, 4, 0])
    assert shared.reserve() == pytest.approx(60.0 + 0.5 * 15.0)


def back_after_the_reset(shared: SlidingWindowLimiter, clock: FakeClock, answers: list[int]) -> list[float]:
    """Four processes on twelve a window (counted in a full window at 0 s, reset in 60 s, a 15 s turn):
    this one comes back at 61 s and sends three, answered with what is left, each answer two seconds
    before its next call (not back to back: no count of the others); returns when it sent them."""
    spend_a_full_window(shared, clock, [8, 4, 0])
    clock.now = 61.0
    sent = []
    for remaining in answers:
        delay = shared.reserve()
        assert delay is not None
        clock.now += delay
        sent.append(clock.now)
        shared.observe(Budget(12, remaining, 60.0))
        clock.now += 2.0
    return sent


def test_each_process_keeps_to_its_share_of_the_window() -> None:
    """Three each: back after the reset, this process sends its three at the pace its last three left
    the window, and the fourth waits for the first of them to leave it, although the vendor says one is
    left and nobody else is spending: the processes still coming back in their turn need it."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    sent = back_after_the_reset(shared, clock, [3, 2, 1])
    assert sent == pytest.approx([61.0, 63.0, 65.0])
    assert shared.reserve() == pytest.approx(61.0 + WINDOW - clock.now)


def test_past_its_share_when_nobody_else_is_spending() -> None:
    """The same three, and every process is back (the reset at 60 s and the 15 s turn are over): the
    budget fell by this process's own request alone between its answers, so the others are done and
    the one left is this one's to take."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    back_after_the_reset(shared, clock, [3, 2, 1])
    clock.now = 76.0
    assert shared.reserve() == 0.0


def test_the_share_holds_while_the_others_spend_what_is_left() -> None:
    """The budget fell by more than this process's own between its answers: the others are spending it,
    and the fourth request waits for its share."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    back_after_the_reset(shared, clock, [5, 3, 1])
    clock.now = 76.0
    assert shared.reserve() == pytest.approx(61.0 + WINDOW - 76.0)


def test_past_its_share_for_what_every_process_leaves_once_all_are_back() -> None:
    """Once every process is back after the reset, a process goes past its share while the vendor says
    one is left for each of them."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    spend_a_full_window(shared, clock, [8, 4, 0])
    clock.now = 76.0
    for remaining in (11, 10, 9):
        assert shared.reserve() == 0.0
        shared.observe(Budget(12, remaining, 60.0))
    assert shared.sharers < 9, "the vendor's count shows fewer processes than one request left each"
    assert shared.reserve() == 0.0, "nine left, one for each: past the share"


def test_the_estimate_follows_the_budgets_fall_between_answers_back_to_back() -> None:
    """Four counted; then answers back to back with the budget falling by this process's own request
    alone (the others stopped): each moves the estimate halfway towards one."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    spend_a_full_window(shared, clock, [8, 4, 0])
    assert shared.sharers == pytest.approx(4.0)
    for step, remaining in enumerate([11, 10, 9]):
        clock.now = 61.0 + step * 0.1
        shared.observe(Budget(12, remaining, 60.0))
    assert shared.sharers == pytest.approx(1.0 + 3.0 / 4)


def test_before_the_window_fills_the_budgets_fall_counts_the_processes() -> None:
    """The budget fell by four between this process's answers that came back to back: the others sent
    three meanwhile, so four processes are counted before any window was full."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    for step, remaining in enumerate([115, 111, 107, 103, 99]):
        clock.now = step * 0.1
        assert shared.reserve() == 0.0
        shared.observe(Budget(120, remaining, 60.0))
    assert shared.sharers == pytest.approx(4.0)


def test_answers_far_apart_are_no_count() -> None:
    """Between two answers half a minute apart the others' requests say nothing of how many they are."""
    clock = FakeClock()
    shared = limiter(clock)
    shared.observe(Budget(120, 100, 60.0))
    clock.now = 30.0
    shared.observe(Budget(120, 40, 30.0))
    assert shared.sharers == 1.0


def test_a_refusal_after_a_count_does_not_count_the_fall_again() -> None:
    """A 429 is no answer of the budget's fall: the sample before it is counted once."""
    clock = FakeClock()
    shared = limiter(clock, draw=0.0)
    spend_a_full_window(shared, clock, [8, 4, 0])
    for step, remaining in enumerate([11, 10]):
        clock.now = 61.0 + step * 0.1
        shared.observe(Budget(12, remaining, 60.0))
    assert shared.sharers == pytest.approx(2.5)
    shared.observe(Budget(12, 0, 30.0), refused=True)
    assert shared.sharers == pytest.approx(2.5)
