"""The retry policy: whether, and after how long, a failed request is sent again. Pure functions.

One policy for sync and async sending: bounded attempts, a total deadline, Retry-After honoured, and
non-idempotent writes resent only when they surely did not land. A 429 that says when the vendor's
budget comes back is a wait, not a failed try: it uses up no attempt, and the deadline alone bounds it.
Nothing here sleeps, reads a clock or
touches the rate limiter: the caller passes the time and the jitter, and acts on the answer.
"""

from __future__ import annotations

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    RateLimitedError,
    TransportError,
    VendorError,
)
from airflow_incident_provider.vendors.base import Request

DEFAULT_MAX_ATTEMPTS = 5
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


def surely_not_applied(exc: VendorError) -> bool:
    """Whether the failed request certainly changed nothing: throttled (429), or never sent."""
    return isinstance(exc, RateLimitedError) or (isinstance(exc, TransportError) and not exc.sent)


def waits_for_budget(exc: VendorError) -> bool:
    """Whether ``exc`` is the vendor's 429 with a reset ahead (Retry-After, ``ratelimit-reset``,
    ``X-RateLimit-Reset``): waiting for that reset uses up no attempt. A 429 without one, or with a
    reset already past, counts as a try, so a vendor that keeps refusing at once is not asked forever."""
    return (
        isinstance(exc, RateLimitedError)
        and exc.status_code == 429
        and exc.retry_after is not None
        and exc.retry_after > 0
    )


def retry_delay(
    request: Request,
    exc: VendorError,
    attempt: int,
    *,
    max_attempts: int,
    backoff_base: float,
    now: float,
    deadline: float,
    jitter: float,
) -> float | None:
    """Seconds to wait before sending ``request`` again after ``exc`` on try ``attempt``; None: give up.

    ``attempt`` counts the tries that used up an attempt, this one included: a wait for the vendor's
    reset (:func:`waits_for_budget`) is not stopped by ``max_attempts``, only by ``deadline``.
    The vendor's Retry-After wins; otherwise an exponential backoff capped at ``BACKOFF_CAP``, scaled
    by ``jitter`` (a number in [0, 1)) into its upper half. A wait that would end past ``deadline`` is
    not worth starting. A write that is not idempotent is retried only when it surely did not land.
    """
    if not exc.retryable:
        return None
    if not request.idempotent and not surely_not_applied(exc):
        return None
    if attempt >= max_attempts and not waits_for_budget(exc):
        return None
    if exc.retry_after is not None:
        wait = float(exc.retry_after)
    else:
        backoff = min(BACKOFF_CAP, backoff_base * 2.0 ** (attempt - 1))
        wait = backoff * (0.5 + jitter / 2)
    return None if now + wait >= deadline else wait


def attempt_deadline(
    request: Request, attempt: int, *, max_attempts: int, now: float, deadline: float
) -> float:
    """When this attempt must end: half the time left while a retry could still follow, so an answer
    that trickles forever cannot use up the whole operation's deadline on its own. A write that is not
    idempotent is never resent once sent, so it keeps the whole deadline, unless its lost answer is to be
    looked for: then the other half is for the look, so a write that landed is not reported as failed."""
    if request.settled_by_lookup:
        return now + (deadline - now) / 2
    if attempt >= max_attempts or not request.idempotent:
        return deadline
    return now + (deadline - now) / 2


def final_error(request: Request, exc: VendorError) -> VendorError:
    """The error to raise once retrying stops: a failed non-idempotent write that may still have landed
    becomes ``AmbiguousWriteError``, so the operation checks before writing again."""
    if (
        request.idempotent
        or not exc.retryable
        or surely_not_applied(exc)
        or isinstance(exc, AmbiguousWriteError)
    ):
        return exc
    return AmbiguousWriteError(
        exc.vendor,
        method=exc.method,
        path=exc.path,
        message=f"{exc}; the write may have been applied",
        sent=True,
    )
