"""One client-side rate limiter per credential per process, shared by sync and async callers.

A sliding-window log: a request is scheduled no earlier than the moment the request ``limit`` places
before it leaves the window, so no window of ``window`` seconds ever holds more than ``limit``
requests. Reservations are computed under a lock and the caller sleeps outside it (``time.sleep`` in
threads, ``asyncio.sleep`` in event loops), so one limiter serves both worlds.

Processes that share a credential never talk to each other; each learns their common state from the
vendor's answers (:meth:`SlidingWindowLimiter.observe`): the window's limit, what is left of it and
when it comes back. The vendor's word wins over the connection's limit:

- **Spent** (nothing left, or a 429): every request waits for the vendor's reset and a random turn
  after it, so the processes come back one after another, not all at the same instant.
- **Shared**: while several processes spend the budget, each keeps to its share of the vendor's window
  (the limit over the number of processes), so the first back after a reset cannot take what the
  last ones need and leave them a 429. A process goes past its share only for what its peers leave:
  when the vendor says there is one left for each of them, or that nobody else is spending.

The number of processes is estimated from the vendor's count alone, the same way in every process:
between two answers of this process that came back to back (it sent at once, nothing held it back),
the budget fell by one request of each process sending at the same pace. The estimate is the moving
average of those falls, the first taken as it is. Answers far apart, as when a process waits for its
share, give no sample: the budget's fall then counts how long it waited, not how many others there
are. (Counting instead the others' requests in the window, in shares, confirms whatever a process
believed: one that counted 60 kept a share of 2 and saw 60 again, one that counted 3 took a third.)
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
SHARERS_WEIGHT = 0.5
"""How far one answer moves the estimate of the processes sharing the credential (a moving average)."""
SHARED_FROM = 1.5
"""Below this estimate of processes the credential counts as used alone: no share is kept."""


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
        self._heard_at = float("-inf")
        """When the vendor last said what is left; a share is kept for one of its windows after it."""
        self._vendor_limit: int | None = None
        """The budget of the vendor's window, as it last said (None until it does)."""
        self._reported: int | None = None
        """What was left after this process's previous accepted request."""
        self._idle_peers = False
        """Whether, between this process's last two answers, the budget fell by its own request alone."""
        self._sharers = 1.0
        """The processes spending the budget, this one included (1.0: used alone)."""
        self._answered_at = float("-inf")
        """When the vendor last accepted a request of this process."""
        self._counted = False
        """Whether the estimate has had a sample yet (the first is taken as it is)."""
        self._resume_at = 0.0
        """When a spent budget lets this process try again: the reset and its random turn after it."""
        self._returned_by = 0.0
        """When every process is back after the last reset: until then, nobody goes past its share."""

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
            elif now < self._reset_at and self._remaining <= 0:  # spent by our own reservations
                at = max(at, self._reset_at)
            elif not self._left_by_peers(now):
                at = max(at, self._share_slot(now))
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

    def _share(self, now: float) -> float | None:
        """Requests a vendor window this process may send while peers spend the same budget (None: no
        bound, alone or without a word from the vendor over its last window)."""
        if self._vendor_limit is None or self._sharers < SHARED_FROM:
            return None
        if now >= self._heard_at + WINDOW_SECONDS:
            return None
        return max(1.0, self._vendor_limit / self._sharers)

    def _share_slot(self, now: float) -> float:
        """The earliest send this process's share allows: its whole part in any of the vendor's windows."""
        share = self._share(now)
        if share is None or len(self._times) < int(share):
            return now
        return self._times[-int(share)] + WINDOW_SECONDS + SAFETY_SECONDS

    def _left_by_peers(self, now: float) -> bool:
        """Whether the vendor's fresh word leaves this process more than its share: every process is
        back after the last reset, and either one is left for each or nobody else is spending."""
        if now < self._returned_by or now >= self._reset_at or self._remaining <= 0:
            return False
        return self._remaining >= self._sharers or self._idle_peers

    def observe(self, budget: Budget | None, *, refused: bool = False) -> None:
        """Take the vendor's word from an answer: ``budget`` left until its reset (None: the vendor said
        nothing), ``refused`` for a 429, which means the budget is spent for every process alike."""
        if budget is None:
            return
        with self._lock:
            now = self._clock()
            left = 0 if refused else budget.remaining
            if not refused:
                last, self._reported = self._reported, budget.remaining
                self._idle_peers = last is not None and 0 <= last - budget.remaining <= 1
                back_to_back = now - self._answered_at <= SAFETY_SECONDS
                if last is not None and back_to_back and last > budget.remaining:
                    self._count(last - budget.remaining)
                self._answered_at = now
            if budget.limit:
                self._vendor_limit = budget.limit
            self._heard_at = now
            self._remaining = left
            self._reset_at = now + budget.reset
            if left <= 0:  # spent: back after the reset, at a random moment of the turn
                turn = self._turn()
                self._resume_at = self._reset_at + self._random() * turn
                self._returned_by = self._reset_at + turn

    def _count(self, fall: int) -> None:
        """One sample of the processes spending the budget: the budget's fall between two answers of
        this process that came back to back (see the module's docstring)."""
        if not self._counted:
            self._counted, self._sharers = True, float(fall)
        else:
            self._sharers += SHARERS_WEIGHT * (fall - self._sharers)

    def _turn(self) -> float:
        """How long the other processes' requests take to come back at the vendor's average rate (its
        window over its limit, one each): the processes spread their returns after a reset over it."""
        limit = self._vendor_limit or self._limit
        return min((self._sharers - 1.0) * WINDOW_SECONDS / limit, WINDOW_SECONDS)

    @property
    def sharers(self) -> float:
        """The estimate of the processes spending the credential's budget (1.0: used alone)."""
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
