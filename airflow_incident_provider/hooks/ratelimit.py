"""One client-side rate limiter per credential per process, shared by sync and async callers.

A sliding-window log: a request is scheduled no earlier than the moment the request ``limit`` places
before it leaves the window, so no window of ``window`` seconds ever holds more than ``limit``
requests. Reservations are computed under a lock and the caller sleeps outside it (``time.sleep`` in
threads, ``asyncio.sleep`` in event loops), so one limiter serves both worlds.

Processes that share a credential never talk to each other; each learns their common state from the
vendor's answers (:meth:`SlidingWindowLimiter.observe`): what is left of the budget and when it comes
back. The vendor's word wins over the connection's limit:

- **Spent** (nothing left, or a 429): every request waits for the vendor's reset.
- **Crowded**: between this process's last two answers the budget fell by more requests than are now
  left. That fall is the requests sent alongside this process's own; the senders behind them will take
  what is left, and one more request from here would only have one of them refused. So this process
  waits for the reset too, and every process comes back then and counts the crowd afresh.
- A process sends through its **first** crowding, unless the budget has run out for it before:
  requests a window leaves unsent are lost for good, and processes that start together (a DAG run's
  tasks) would otherwise leave their first window short by up to one request each. Work that fits in
  one window of budget then takes one window, not two, for at most one refusal per process, once.

No count of the processes is kept. Keeping each process to a share of the window (the limit over an
estimated count) was tried and measured: the estimates of 16 processes ranged from 2 to 62, and the
first process back after a reset took what the others needed (see docs/benchmarks.md).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable

from airflow_incident_provider.vendors.base import Budget

WINDOW_SECONDS = 60.0
SAFETY_SECONDS = 1.0
"""Added to the window so latency between our clock and the vendor's never lets a window overflow."""


class SlidingWindowLimiter:
    """At most ``limit`` requests in any ``window`` seconds; ``reserve()`` says how long to wait."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS + SAFETY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._window = window
        self._clock = clock
        self._times: deque[float] = deque()
        self._not_before = 0.0
        self._lock = threading.Lock()
        self._remaining = 0
        """The vendor's last word on what is left (0 when crowded), less the requests reserved since."""
        self._reset_at = 0.0
        """When that word stops holding (the vendor's reset, on our clock); before it, no word is known."""
        self._reported: int | None = None
        """What the vendor said was left after this process's previous accepted request."""
        self._crowded_before = False
        """Whether this process has found the budget spent or crowded before (it sends through the first
        crowding only)."""

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
            if now < self._reset_at and self._remaining <= 0:  # spent or crowded: wait for the reset
                at = max(at, self._reset_at)
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

    def observe(self, budget: Budget | None, *, refused: bool = False) -> None:
        """Take the vendor's word from an answer: ``budget`` left until its reset (None: the vendor said
        nothing), ``refused`` for a 429, which means the budget is spent for every process alike."""
        if budget is None:
            return
        with self._lock:
            left, fall = 0 if refused else budget.remaining, 1
            if not refused:
                last, self._reported = self._reported, budget.remaining
                fall = 1 if last is None else max(1, last - budget.remaining)
            if left < fall:  # spent, or crowded: the senders of that fall take what is left
                left, self._crowded_before = (0 if self._crowded_before else left), True
            self._remaining = left
            self._reset_at = self._clock() + budget.reset

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
