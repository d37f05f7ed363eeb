"""The per-credential limiter: never more than the limit in any window, shared by every caller."""

from __future__ import annotations

import threading

from airflow_incident_provider.hooks.ratelimit import SlidingWindowLimiter, limiter_for


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def max_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for other in times if start <= other < start + window) for start in times)


def test_burst_up_to_the_limit_then_waits_for_the_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(5, window=60.0, clock=clock)
    assert [limiter.reserve() for _ in range(5)] == [0.0] * 5
    assert limiter.reserve() == 60.0
    clock.now = 30.0
    assert limiter.reserve() == 30.0


def test_no_window_ever_holds_more_than_the_limit() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(10, window=60.0, clock=clock)
    sent: list[float] = []
    for step in range(200):
        clock.now = step * 1.7
        delay = limiter.reserve()
        assert delay is not None
        sent.append(clock.now + delay)
    assert max_in_any_window(sent, 60.0 - 1e-6) == 10  # float rounding at the exact boundary
    assert sent == sorted(sent)


def test_a_slot_too_far_away_is_not_claimed() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(1, window=60.0, clock=clock)
    assert limiter.reserve() == 0.0
    assert limiter.reserve(max_wait=5.0) is None
    clock.now = 60.0
    assert limiter.reserve(max_wait=5.0) == 0.0, "the refused reservation did not hold a slot"


def test_pause_holds_later_requests() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(100, window=60.0, clock=clock)
    limiter.pause(12.0)
    assert limiter.reserve() == 12.0


def test_threads_share_one_limiter_per_credential() -> None:
    assert limiter_for("cred-a", 50) is limiter_for("cred-a", 50)
    assert limiter_for("cred-a", 50) is not limiter_for("cred-b", 50)
    clock = FakeClock()
    limiter = SlidingWindowLimiter(20, window=60.0, clock=clock)
    delays: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            delay = limiter.reserve()
            assert delay is not None
            with lock:
                delays.append(delay)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(delays) == [0.0] * 20 + [60.0] * 20


def test_a_request_answered_late_counts_from_its_answer() -> None:
    """Sent late (a busy event loop) or queued at the vendor, a request is counted there after its slot:
    the request ``limit`` places later waits a window from the answer, not from the slot."""
    clock = FakeClock()
    limiter = SlidingWindowLimiter(3, window=60.0, clock=clock)
    slots = [limiter.claim() for _ in range(3)]
    assert slots == [(0.0, 0.0)] * 3
    clock.now = 5.0
    limiter.settle(0.0)  # the first request's answer came only now
    clock.now = 6.0
    limiter.settle(0.0)
    limiter.settle(0.0)
    assert limiter.reserve() == 59.0  # the oldest answer (5.0) leaves the window at 65.0


def test_settling_a_request_answered_on_time_changes_nothing() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, window=60.0, clock=clock)
    first = limiter.claim()
    assert first is not None
    limiter.settle(first[0])
    limiter.reserve()
    assert limiter.reserve() == 60.0
