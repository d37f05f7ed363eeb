"""One client-side rate limiter per credential per process, shared by sync and async callers.

A sliding-window log: a request is scheduled no earlier than the moment the request ``limit`` places
before it leaves the window, so no window of ``window`` seconds ever holds more than ``limit``
requests. Reservations are computed under a lock and the caller sleeps outside it (``time.sleep`` in
threads, ``asyncio.sleep`` in event loops), so one limiter serves both worlds.

Processes that share a credential never talk to each other; each learns their common state from the
vendor's answers (:meth:`SlidingWindowLimiter.observe`), which say what is left of the budget and when
it comes back. The vendor's word wins over the connection's limit: a spent budget holds every request
until its reset, and the last few requests of a budget that several processes are spending are spread
at random over the time to the reset instead of all racing for it (see :meth:`~SlidingWindowLimiter.reserve`).
"""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections import deque
from collections.abc import Callable

from airflow_incident_provider.vendors.base import Budget

WINDOW_SECONDS = 60.0
SAFETY_SECONDS = 1.0
"""Added to the window so latency between our clock and the vendor's never lets a window overflow."""
SHARERS_RISE = 0.5
"""How far one answer showing more peers moves the estimate of them up (a moving average)."""
PACE_WEIGHT = 0.2
"""How far one answer moves the estimate of the credential's pace (a moving average)."""
SHARERS_FALL = 0.25
"""How far one answer showing fewer moves it down: slowly, since a window that refills while the peers
spend it hides them (under a sliding window the remaining stays up while they send)."""


class SlidingWindowLimiter:
    """At most ``limit`` requests in any ``window`` seconds; ``reserve()`` says how long to wait."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS + SAFETY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._window = window
        self._clock = clock
        self._times: deque[float] = deque()
        self._not_before = 0.0
        self._lock = threading.Lock()
        self._random = rng
        self._remaining = 0
        """The vendor's last word on what is left, less the requests reserved since."""
        self._reset_at = 0.0
        """When that word stops holding (the vendor's reset, on our clock); before it, no word is known."""
        self._reported: int | None = None
        self._answered_at = 0.0
        self._sharers = 1.0
        """Requests the vendor counts against the credential for each of ours: 1 alone, N with N peers."""
        self._pace = 0.0
        """Seconds between two requests of everyone on the credential, as the falling remaining shows
        (sampled only when peers were seen spending: a gap with our request alone in it may be our own
        wait, not theirs)."""
        self._resume_at = 0.0
        """When a spent budget lets this process try again: the reset, and a random share of the time
        the peers took to spend it, so they come back in turn and not all at the same instant."""

    @property
    def limit(self) -> int:
        return self._limit

    def set_limit(self, limit: int) -> None:
        with self._lock:
            self._limit = max(1, limit)

    def reserve(self, max_wait: float = float("inf")) -> float | None:
        """Claim the next free slot and return the seconds to wait before sending (0 when free now).

        Returns None, claiming nothing, when the slot is further away than ``max_wait`` seconds.
        """
        claimed = self.claim(max_wait)
        return None if claimed is None else claimed[1]

    def claim(self, max_wait: float = float("inf")) -> tuple[float, float] | None:
        """As :meth:`reserve`, also returning the slot itself (on the limiter's clock), for :meth:`settle`:
        ``(slot, seconds to wait)``."""
        with self._lock:
            now = self._clock()
            at = max(now, self._not_before)
            if len(self._times) >= self._limit:
                at = max(at, self._times[-self._limit] + self._window)
            if self._times:
                at = max(at, self._times[-1])
            if now < self._resume_at:  # spent: wait for the reset and this process's turn after it
                at = max(at, self._resume_at)
            elif now < self._reset_at:  # the vendor's word on the shared budget holds
                at = max(at, self._budget_slot(now))
            if at - now > max_wait:
                return None
            if now < self._reset_at:
                self._remaining -= 1
            self._times.append(at)
            while len(self._times) > self._limit:
                self._times.popleft()
            return at, at - now

    def settle(self, slot: float) -> None:
        """The request claimed for ``slot`` has its answer (or its attempt ended): it now counts as sent
        at this moment, the latest the vendor can have counted it. A request sent late (an event loop
        busy with thousands of tasks) or queued at the vendor is counted there later than its slot, and
        the window must hold it until then; a request ``limit`` places later would otherwise meet it in
        the vendor's window."""
        with self._lock:
            now = self._clock()
            if now <= slot:
                return
            times = self._times
            for index in range(len(times) - 1, -1, -1):
                if times[index] == slot:
                    del times[index]
                    times.insert(bisect.bisect_right(times, now), now)
                    return
                if times[index] < slot:
                    return  # already out of the log: older than the window needs

    def _budget_slot(self, now: float) -> float:
        """The earliest send the vendor's budget allows: now while plenty is left; at the reset once it
        is spent; and while fewer are left than the peers spending it, a random moment spreading those
        last ones over the time to the reset, so the peers share them instead of racing into 429s."""
        if self._remaining >= self._sharers:
            return now
        until_reset = self._reset_at - now
        if self._remaining <= 0:
            return self._reset_at  # spent by this process's own reservations since the last answer
        spread = until_reset * self._sharers / self._remaining
        return now + min(until_reset, self._random() * spread)

    def observe(self, budget: Budget | None, *, refused: bool = False) -> None:
        """Take the vendor's word from an answer: ``budget`` left until its reset (None: the vendor said
        nothing), ``refused`` for a 429, which means the budget is spent for every process alike."""
        if budget is None:
            return
        with self._lock:
            now = self._clock()
            if refused:  # refused although our view said there was room: more peers than we thought
                self._sharers *= 2
            else:
                last = self._reported
                if last is not None and budget.remaining <= last:
                    spent = max(1.0, float(last - budget.remaining))
                    weight = SHARERS_RISE if spent > self._sharers else SHARERS_FALL
                    self._sharers += weight * (spent - self._sharers)
                    if spent >= 2 and self._resume_at < self._answered_at:  # peers seen, no reset
                        gap = (now - self._answered_at) / spent
                        self._pace += PACE_WEIGHT * (gap - self._pace) if self._pace else gap
                self._reported = budget.remaining
                self._answered_at = now
            self._remaining = 0 if refused else budget.remaining
            self._reset_at = now + budget.reset
            if self._remaining <= 0:  # the turn after the reset: never longer than the reset itself
                turn = min(self._sharers * self._pace, budget.reset)
                self._resume_at = self._reset_at + self._random() * turn

    @property
    def sharers(self) -> float:
        """The estimate of requests spent on the credential for each of ours (1.0: used alone)."""
        return self._sharers

    def pause(self, seconds: float) -> None:
        """Hold every later request for ``seconds`` (after a 429 the vendor's clock wins)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)


_limiters: dict[str, SlidingWindowLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(credential_id: str, limit: int) -> SlidingWindowLimiter:
    """The process-wide limiter of a credential, created on first use with ``limit`` per minute."""
    with _registry_lock:
        limiter = _limiters.get(credential_id)
        if limiter is None:
            limiter = _limiters[credential_id] = SlidingWindowLimiter(limit)
        elif limiter.limit != limit:
            limiter.set_limit(limit)
        return limiter


def reset_limiters() -> None:
    """Forget every limiter (a fresh process's state; for tests)."""
    with _registry_lock:
        _limiters.clear()
