"""The retry policy alone: pure functions of the request, the error, the attempt and the time.

No sockets and no clock: the time and the jitter are arguments, so each case is exact.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    AuthenticationError,
    RateLimitedError,
    TransportError,
    VendorError,
    VendorServerError,
)
from airflow_incident_provider.hooks import ratelimit, retry
from airflow_incident_provider.vendors.base import Request

READ = Request("GET", "/incidents/Q1")
NOTE = Request("POST", "/incidents/Q1/notes", write=True, idempotent=False)
VENDOR = "pagerduty"


def server(status: int = 503) -> VendorServerError:
    return VendorServerError(VENDOR, method="GET", path="/x", status_code=status, message="down")


def throttled(retry_after: float | None) -> RateLimitedError:
    return RateLimitedError(
        VENDOR, method="GET", path="/x", status_code=429, message="slow down", retry_after=retry_after
    )


def transport(*, sent: bool) -> TransportError:
    return TransportError(VENDOR, method="POST", path="/x", message="reset", sent=sent)


def delay(request: Request, exc: VendorError, attempt: int = 1, **changes: float) -> float | None:
    arguments = {"max_attempts": 5, "backoff_base": 0.5, "now": 100.0, "deadline": 200.0, "jitter": 0.0}
    arguments.update(changes)
    return retry.retry_delay(request, exc, attempt, **arguments)  # type: ignore[arg-type]


def test_backoff_doubles_within_its_jitter_band_and_is_capped() -> None:
    assert delay(READ, server(), 1, jitter=0.0) == 0.25
    assert delay(READ, server(), 1, jitter=0.999) == pytest.approx(0.5, abs=1e-3)
    assert delay(READ, server(), 3, jitter=0.0) == 1.0
    assert delay(READ, server(), 9, max_attempts=20, jitter=0.999) == pytest.approx(
        retry.BACKOFF_CAP, rel=1e-3
    )


def test_retry_after_wins_over_the_backoff() -> None:
    assert delay(READ, throttled(7.5)) == 7.5


def test_no_retry_past_the_attempts_the_deadline_or_for_a_final_answer() -> None:
    assert delay(READ, server(), 5) is None
    assert delay(READ, throttled(150.0)) is None, "a wait ending past the deadline is not started"
    assert delay(READ, server(500)) is None
    refused = AuthenticationError(VENDOR, method="GET", path="/x", status_code=401, message="no")
    assert delay(READ, refused) is None


def test_a_write_that_is_not_idempotent_is_resent_only_when_it_surely_did_not_land() -> None:
    assert delay(NOTE, throttled(1.0)) == 1.0
    assert delay(NOTE, transport(sent=False)) == 0.25
    assert delay(NOTE, transport(sent=True)) is None
    assert delay(NOTE, server()) is None


def test_the_policy_never_touches_the_shared_limiter() -> None:
    ratelimit.reset_limiters()
    limiter = ratelimit.limiter_for("credential", 60)
    assert delay(READ, throttled(30.0)) == 30.0
    assert limiter.reserve() == 0.0, "deciding a wait holds nobody else back"


def test_an_attempt_gets_half_the_time_left_while_another_could_follow() -> None:
    assert retry.attempt_deadline(READ, 1, max_attempts=5, now=100.0, deadline=200.0) == 150.0
    assert retry.attempt_deadline(READ, 5, max_attempts=5, now=100.0, deadline=200.0) == 200.0
    assert retry.attempt_deadline(NOTE, 1, max_attempts=5, now=100.0, deadline=200.0) == 200.0


def test_a_write_whose_lost_answer_is_looked_for_leaves_half_the_time_for_the_look() -> None:
    looked_for = replace(NOTE, settled_by_lookup=True)
    assert retry.attempt_deadline(looked_for, 1, max_attempts=5, now=100.0, deadline=200.0) == 150.0
    assert retry.attempt_deadline(looked_for, 5, max_attempts=5, now=100.0, deadline=200.0) == 150.0
    assert looked_for == NOTE, "the mark only times the request: it is the same request"


def test_the_final_error_of_a_write_that_may_have_landed_is_ambiguous() -> None:
    final = retry.final_error(NOTE, server())
    assert isinstance(final, AmbiguousWriteError)
    assert "may have been applied" in str(final)
    assert final.vendor == VENDOR
    assert retry.final_error(NOTE, transport(sent=False)).__class__ is TransportError
    assert retry.final_error(READ, server()).__class__ is VendorServerError
    assert retry.surely_not_applied(throttled(None))
    assert not retry.surely_not_applied(transport(sent=True))


def test_a_429_with_its_reset_ahead_waits_for_the_budget() -> None:
    assert retry.waits_for_budget(throttled(2.0))
    assert not retry.waits_for_budget(throttled(None)), "no reset: a failed try"
    assert not retry.waits_for_budget(throttled(0.0)), "a reset already due: a failed try"
    assert not retry.waits_for_budget(server())
    client_side = RateLimitedError(VENDOR, method="GET", path="/x", status_code=None, message="no slot")
    assert not retry.waits_for_budget(client_side), "our own limiter's refusal is not the vendor's word"


def test_a_wait_for_the_budget_is_not_stopped_by_the_attempts_only_by_the_deadline() -> None:
    assert delay(READ, throttled(3.0), 5) == 3.0
    assert delay(READ, throttled(3.0), 50) == 3.0
    assert delay(NOTE, throttled(3.0), 50) == 3.0, "a 429 surely did not land: a write waits too"
    assert delay(READ, throttled(3.0), 50, now=197.5) is None, "the wait would end past the deadline"
    assert delay(READ, throttled(None), 5) is None
    assert delay(READ, throttled(0.0), 5) is None
