"""One client-side rate limiter per credential per process, shared by sync and async callers.

A sliding-window log: a request is scheduled no earlier than the moment the request ``limit`` places
before it leaves the window, so no window of ``window`` seconds ever holds more than ``limit``
requests. Reservations are computed under a lock and the caller sleeps outside it (``time.sleep`` in
threads, ``asyncio.sleep`` in event loops), so one limiter serves both worlds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

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
        with self._lock:
            now = self._clock()
            at = max(now, self._not_before)
            if len(self._times) >= self._limit:
                at = max(at, self._times[-self._limit] + self._window)
            if self._times:
                at = max(at, self._times[-1])
            if at - now > max_wait:
                return None
            self._times.append(at)
            while len(self._times) > self._limit:
                self._times.popleft()
            return at - now

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
