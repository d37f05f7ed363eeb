"""A 429 that says when the vendor's budget comes back is waited out without using up an attempt; the
operation's ``total_timeout`` alone bounds those waits. The sandbox over real HTTP, refusing through its
own rate-limit path (the vendor's 429 with the vendor's reset headers).

The sandbox clock runs 20 times faster, so a reset of one sandbox second is a twentieth of a real one;
every assertion is on what the sandbox answered, never on how long anything took.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_incident_provider.exceptions import RateLimitedError
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.retry import DEFAULT_MAX_ATTEMPTS
from airflow_incident_provider.models import IncidentUpdate
from tests.fixtures import Sandbox, VendorSandbox
from tests.vendor_cases import FIXTURES

HEADER_VENDORS = ("pagerduty", "rootly", "devhelm")
"""The vendors whose 429 states its reset (PagerDuty ``ratelimit-reset``, the others
``X-RateLimit-Reset``)."""
REFUSALS = DEFAULT_MAX_ATTEMPTS + 3
"""More refusals in a row than a call has attempts."""


def _refuse(handle: VendorSandbox, **rule: Any) -> None:
    handle.admin.post(
        "/_sandbox/faults", json={"vendor": handle.vendor, "kind": "status", "status": 429, **rule}
    ).raise_for_status()


@pytest.mark.parametrize("vendor", HEADER_VENDORS)
def test_refusals_with_a_reset_use_up_no_attempt(vendor: str, request: pytest.FixtureRequest) -> None:
    """Refused more times in a row than the call has attempts, each time with the reset ahead: the call
    waits each reset out and succeeds (it failed on the fifth refusal before)."""
    handle: VendorSandbox = request.getfixturevalue(FIXTURES[vendor])
    ref = handle.scaled_incident(20)
    _refuse(handle, retry_after=1, times=REFUSALS)
    incident = get_incident_hook(handle.conn_id).get_incident(ref)
    assert incident.ref == ref
    statuses = [record["status"] for record in handle.requests()]
    assert statuses == [429] * REFUSALS + [200]


def test_a_write_refused_past_its_attempts_lands_once(pd: Sandbox) -> None:
    """A 429 surely changed nothing, so even a write is resent after each reset: it lands exactly once."""
    ref = pd.scaled_incident(20)
    _refuse(pd, method="PUT", retry_after=1, times=REFUSALS)
    result = get_incident_hook(pd.conn_id).update_incident(ref, IncidentUpdate(title="Budget waited out"))
    assert result.changed
    writes = [record["status"] for record in pd.requests() if record["method"] == "PUT"]
    assert writes == [429] * REFUSALS + [200]
    assert pd.incident(ref)["title"] == "Budget waited out"


def test_a_reset_past_the_total_timeout_is_not_waited_for(
    pd: VendorSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline bounds the waits: a reset further away than what is left of ``total_timeout`` ends
    the call at once with the vendor's 429, after a single request."""
    pd.use_connection(monkeypatch, total_timeout=2)
    ref = pd.scaled_incident(1)
    _refuse(pd, retry_after=30)
    with pytest.raises(RateLimitedError) as raised:
        get_incident_hook(pd.conn_id).get_incident(ref)
    assert raised.value.status_code == 429
    assert [record["status"] for record in pd.requests()] == [429]


def test_refusals_without_a_reset_ahead_still_use_up_the_attempts(pd: VendorSandbox) -> None:
    """A 429 whose reset is already due says nothing of when the budget comes back: it is a failed try
    like any other, so a vendor refusing at once is asked ``max_attempts`` times, not until the deadline."""
    ref = pd.scaled_incident(1)
    _refuse(pd, retry_after=0)
    with pytest.raises(RateLimitedError):
        get_incident_hook(pd.conn_id).get_incident(ref)
    assert [record["status"] for record in pd.requests()] == [429] * DEFAULT_MAX_ATTEMPTS
