"""Retry behaviour for responses a real server rarely produces on demand (respx, no sockets)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
import respx

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    RateLimitedError,
    TransportError,
    VendorServerError,
)
from airflow_incident_provider.hooks import ratelimit
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.hooks.settings import ConnectionSettings, Timeouts
from airflow_incident_provider.idempotency import idempotency_key, mark
from airflow_incident_provider.models import WriteOptions

BASE = "https://pagerduty.test"
TOKEN = "respx-token-77aa11bb"
INCIDENT = {"incident": {"id": "Q1", "status": "triggered", "title": "t", "html_url": "https://x/Q1"}}


def make_hook(total: float = 10.0) -> PagerDutyIncidentHook:
    settings = ConnectionSettings(
        conn_id="pd",
        base_url=BASE,
        token=TOKEN,
        extras={"from_email": "a@example.com", "auth_scheme": "api_key"},
        timeouts=Timeouts(connect=1, read=1, total=total),
        rate_limit_per_minute=100_000,
    )
    hook = PagerDutyIncidentHook(settings=settings)
    hook.backoff_base = 0.01  # the schedule's shape is under test, not its seconds
    return hook


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def test_429_honours_ratelimit_reset_seconds(api: respx.MockRouter) -> None:
    route = api.get("/incidents/Q1").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"ratelimit-reset": "0.3"},
                json={"error": {"message": "Rate Limit Exceeded", "code": 2020}},
            ),
            httpx.Response(200, json=INCIDENT),
        ]
    )
    started = time.monotonic()
    assert make_hook().get_incident("Q1").id == "Q1"
    assert route.call_count == 2
    assert time.monotonic() - started >= 0.3


def test_bare_429_backs_off_and_retries(api: respx.MockRouter) -> None:
    route = api.get("/incidents/Q1").mock(
        side_effect=[httpx.Response(429), httpx.Response(200, json=INCIDENT)]
    )
    assert make_hook().get_incident("Q1").status == "triggered"
    assert route.call_count == 2


def test_429_past_the_deadline_gives_up_with_pagerduty_message(api: respx.MockRouter) -> None:
    api.get("/incidents/Q1").mock(
        return_value=httpx.Response(
            429,
            headers={"ratelimit-reset": "600"},
            json={"error": {"message": "Rate Limit Exceeded", "code": 2020}},
        )
    )
    started = time.monotonic()
    with pytest.raises(RateLimitedError, match="Rate Limit Exceeded"):
        make_hook(total=2).get_incident("Q1")
    assert time.monotonic() - started < 2, "a wait beyond the deadline is not slept"


def test_a_retry_after_holds_back_every_caller_of_the_credential(api: respx.MockRouter) -> None:
    api.get("/incidents/Q1").mock(
        return_value=httpx.Response(
            429,
            headers={"ratelimit-reset": "600"},
            json={"error": {"message": "Rate Limit Exceeded", "code": 2020}},
        )
    )
    hook = make_hook(total=2)
    with pytest.raises(RateLimitedError):
        hook.get_incident("Q1")
    limiter = ratelimit.limiter_for(hook.settings.credential_id, hook.rate_limit())
    assert limiter.reserve(max_wait=500) is None, "the next caller waits out PagerDuty's 600 s too"


def test_gateway_errors_are_retried_but_500_is_not(api: respx.MockRouter) -> None:
    flaky = api.get("/incidents/Q1").mock(
        side_effect=[httpx.Response(503), httpx.Response(502), httpx.Response(200, json=INCIDENT)]
    )
    assert make_hook().get_incident("Q1").id == "Q1"
    assert flaky.call_count == 3
    broken = api.get("/incidents/Q2").mock(
        return_value=httpx.Response(500, json={"error": {"message": "Internal", "code": 9999}})
    )
    with pytest.raises(VendorServerError, match="Internal"):
        make_hook().get_incident("Q2")
    assert broken.call_count == 1


def test_attempts_are_bounded(api: respx.MockRouter) -> None:
    route = api.get("/incidents/Q1").mock(return_value=httpx.Response(503))
    with pytest.raises(VendorServerError):
        make_hook().get_incident("Q1")
    assert route.call_count == 5


def test_put_is_retried_after_a_lost_response_because_it_is_absolute(api: respx.MockRouter) -> None:
    api.get("/incidents/Q1").mock(return_value=httpx.Response(200, json=INCIDENT))
    put = api.put("/incidents/Q1").mock(
        side_effect=[
            httpx.ReadError("connection reset"),
            httpx.Response(200, json={"incident": {**INCIDENT["incident"], "status": "acknowledged"}}),
        ]
    )
    assert make_hook().acknowledge_incident("Q1").incident.status == "acknowledged"
    assert put.call_count == 2


def test_note_whose_response_was_lost_is_found_not_posted_again(api: respx.MockRouter) -> None:
    key = idempotency_key("dag", "run", "task")
    api.get("/incidents/Q1").mock(return_value=httpx.Response(200, json=INCIDENT))
    api.get("/incidents/Q1/notes").mock(
        side_effect=[
            httpx.Response(200, json={"notes": []}),
            httpx.Response(200, json={"notes": [{"content": mark("Restarted", key)}]}),
        ]
    )
    post = api.post("/incidents/Q1/notes").mock(side_effect=httpx.ReadError("connection reset"))
    result = make_hook().add_note("Q1", "Restarted", WriteOptions(idempotency_key=key))
    assert result.changed
    assert post.call_count == 1


def test_note_that_did_not_land_is_posted_again(api: respx.MockRouter) -> None:
    key = idempotency_key("dag", "run", "task")
    api.get("/incidents/Q1").mock(return_value=httpx.Response(200, json=INCIDENT))
    api.get("/incidents/Q1/notes").mock(return_value=httpx.Response(200, json={"notes": []}))
    post = api.post("/incidents/Q1/notes").mock(
        side_effect=[httpx.Response(502), httpx.Response(200, json={"note": {"content": "x"}})]
    )
    assert make_hook().add_note("Q1", "Restarted", WriteOptions(idempotency_key=key)).changed
    assert post.call_count == 2


def test_note_without_key_reports_the_ambiguity(api: respx.MockRouter) -> None:
    api.get("/incidents/Q1").mock(return_value=httpx.Response(200, json=INCIDENT))
    post = api.post("/incidents/Q1/notes").mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(AmbiguousWriteError, match="may have been applied"):
        make_hook().add_note("Q1", "Restarted")
    assert post.call_count == 1


def test_non_json_success_is_a_clear_error_after_retries(api: respx.MockRouter) -> None:
    """A 2xx that is not JSON (a proxy's page, a cut body) is a lost answer: retried, then a clear error."""
    route = api.get("/incidents/Q1").mock(return_value=httpx.Response(200, text="<html>proxy login</html>"))
    hook = make_hook()
    with pytest.raises(TransportError, match="HTTP 200 answer is not JSON: '<html>proxy login"):
        hook.get_incident("Q1")
    assert route.call_count == hook.max_attempts
