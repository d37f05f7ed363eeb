"""Shared sandbox machinery: scalable clock, per-token rate limiter, error type and vendor plug-in base.

The state that holds them all is in ``state.py``, which builds on this module and on ``schedule.py``.
"""

from __future__ import annotations

import hashlib
import math
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .config import VendorSettings
from .faults import FORCED_429_KEY

if TYPE_CHECKING:
    from fastapi import APIRouter

    from .state import SandboxState

RATE_WINDOW_SECONDS = 60.0


class SandboxClock:
    """Wall-clock time that can run faster (``time_scale``) or be moved forward (``advance``)."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self._scale = time_scale
        self._base_virtual = time.time()
        self._base_real = time.monotonic()

    @property
    def time_scale(self) -> float:
        return self._scale

    def timestamp(self) -> float:
        """Sandbox time as POSIX seconds."""
        return self._base_virtual + (time.monotonic() - self._base_real) * self._scale

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=UTC)

    def set_time_scale(self, time_scale: float) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self._rebase()
        self._scale = time_scale

    def restart(self, time_scale: float) -> None:
        """Back to wall-clock time at ``time_scale``: a reset must not leave one test's jump in the next."""
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self._scale = time_scale
        self._base_virtual = time.time()
        self._base_real = time.monotonic()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._rebase()
        self._base_virtual += seconds

    def _rebase(self) -> None:
        self._base_virtual = self.timestamp()
        self._base_real = time.monotonic()


@dataclass(frozen=True)
class RateDecision:
    """Outcome of one rate-limit check, with the values of PagerDuty-style ``ratelimit-*`` headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def real_reset(self, time_scale: float) -> float:
        """Seconds of real time until the reset: clients wait on their own clocks, not the sandbox's."""
        return self.reset_seconds / time_scale if time_scale > 0 else float(self.reset_seconds)

    def reset_epoch(self, time_scale: float) -> str:
        """The reset as epoch seconds of real time (Rootly's and DevHelm's ``X-RateLimit-Reset``): whole
        seconds, as those vendors send it, unless the clock is scaled (see :meth:`headers`)."""
        moment = time.time() + self.real_reset(time_scale)
        return str(math.ceil(moment)) if time_scale == 1 else f"{moment:.3f}"

    def headers(self, time_scale: float = 1.0) -> dict[str, str]:
        """PagerDuty's headers; the reset in whole seconds as PagerDuty sends it, which under a scaled
        clock are whole sandbox seconds, so a fraction of a real one (rounding it up to a real second
        would stretch a 15-second window's waits by up to a second each)."""
        reset = self.real_reset(time_scale)
        return {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-reset": str(self.reset_seconds) if time_scale == 1 else f"{reset:.3f}",
        }


class RateLimiter:
    """Sliding-window (60 s of sandbox time) request counter per credential; keys are hashed tokens."""

    def __init__(self, clock: SandboxClock) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    @staticmethod
    def key(vendor: str, token: str) -> str:
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        return f"{vendor}:{digest}"

    def hit(self, key: str, limit: int) -> RateDecision:
        now = self._clock.timestamp()
        window = self._hits.setdefault(key, deque())
        while window and window[0] <= now - RATE_WINDOW_SECONDS:
            window.popleft()
        if len(window) >= limit:
            # Only the oldest hits beyond the limit must expire before the next request is allowed.
            release_at = window[len(window) - limit] + RATE_WINDOW_SECONDS
            return RateDecision(False, limit, 0, max(1, math.ceil(release_at - now)))
        window.append(now)
        reset = max(1, math.ceil(window[0] + RATE_WINDOW_SECONDS - now))
        return RateDecision(True, limit, limit - len(window), reset)

    def clear(self) -> None:
        self._hits.clear()


class SandboxHTTPError(Exception):
    """An HTTP error response in the vendor's own format; ``body`` None means an empty body."""

    def __init__(
        self, status_code: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.body = body
        self.headers = dict(headers or {})


class VendorBackend(ABC):
    """One emulated vendor: its state, its router (mounted at ``/<name>``) and its error format."""

    name: str

    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    @property
    def token(self) -> str:
        return self.sandbox.config.token(self.name)

    @property
    def settings(self) -> VendorSettings:
        return self.sandbox.settings[self.name]

    def rate_decision(self, scope: Mapping[str, Any], token: str, bucket: str | None = None) -> RateDecision:
        """Count this request against the token's limit (in ``bucket`` where the vendor keeps several); an
        injected 429 fault answers as the limit would."""
        limit = self.settings.rate_limit_per_minute
        forced = scope.get(FORCED_429_KEY)
        if forced is not None:
            return RateDecision(False, limit, 0, int(forced))
        name = f"{self.name}-{bucket}" if bucket else self.name
        return self.sandbox.limiter.hit(RateLimiter.key(name, token), limit)

    @classmethod
    def connection_extra(cls) -> dict[str, Any]:
        """The extras of the Airflow connection the sandbox prints for this vendor (the sample scope)."""
        return {}

    @abstractmethod
    def router(self) -> APIRouter:
        """The vendor's API routes, relative to :attr:`prefix`."""

    @abstractmethod
    def reset(self, *, empty: bool) -> None:
        """Drop all state and, unless ``empty``, load the sample data."""

    @abstractmethod
    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        """Vendor-formatted error for routing failures (unknown path, wrong method)."""

    # ------------------------------------------------------------ scripted changes (schedule.py)

    @abstractmethod
    def scripted_statuses(self) -> tuple[str, ...]:
        """The vendor's own status words a scripted transition may target."""

    def canonical_status(self, status: str) -> str | None:
        """``status`` spelt as the vendor spells it (matched case-insensitively), or None if it has none."""
        wanted = status.strip().lower()
        return next((word for word in self.scripted_statuses() if word.lower() == wanted), None)

    @abstractmethod
    def incident_ref(self, ref_or_id: str) -> str:
        """The ref (as the provider's hooks normalize it) of an existing incident given by ref or plain id.

        Raises the vendor's 404 error when there is no such incident.
        """

    @abstractmethod
    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        """Move an incident to ``status`` as a person would in the vendor's UI, at sandbox time ``at``.

        Goes through the store's lifecycle code, so timelines and timestamps look as they would after
        the API call; a change the vendor refuses raises its error. Returns the incident's ref.
        """

    @abstractmethod
    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        """Open a new incident in the vendor's default scope, optionally moved on to ``status``; its ref."""


def utc_iso(moment: datetime) -> str:
    """Format like PagerDuty does: ``2015-10-06T21:30:42Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
