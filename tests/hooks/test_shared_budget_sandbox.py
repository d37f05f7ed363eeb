"""The vendor's budget headers pace every process on one credential: the sandbox over real HTTP.

The sandbox clock runs 15 to 30 times faster, so a 60-second budget window lasts a few real seconds;
every assertion is on what the sandbox answered, never on how long anything took.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

import pytest

from airflow_incident_provider.hooks import get_incident_hook
from tests.fixtures import VendorSandbox
from tests.vendor_cases import FIXTURES

BUDGET = 6
"""The vendor's budget per (sandbox) minute on the test credential; the connection says far more."""
HEADER_VENDORS = ("pagerduty", "rootly", "devhelm")
"""The vendors that report their remaining budget on every answer."""


def _scaled(handle: VendorSandbox, time_scale: float) -> str:
    """A budget of ``BUDGET`` a minute, the clock ``time_scale`` times faster; one new incident's ref."""
    handle.configure(rate_limit_per_minute=BUDGET)
    return handle.scaled_incident(time_scale)


@pytest.mark.parametrize("vendor", HEADER_VENDORS)
def test_a_spent_budget_waits_for_its_reset_instead_of_being_refused(
    vendor: str, request: pytest.FixtureRequest
) -> None:
    """The answer that spends the budget says so: the next call waits for the reset, and no 429 comes."""
    handle: VendorSandbox = request.getfixturevalue(FIXTURES[vendor])
    ref = _scaled(handle, time_scale=30)
    hook = get_incident_hook(handle.conn_id)
    for _ in range(BUDGET + 3):
        hook.get_incident(ref)
    statuses = [record["status"] for record in handle.requests()]
    assert statuses == [200] * (BUDGET + 3)


def _fresh_process(
    conn_id: str, connection: str, ref: str, calls: int, ready: Any, go: Any, out: Any
) -> None:
    """Another worker on the same credential: its own hook and limiter, started before the budget went."""
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = connection
    hook = get_incident_hook(conn_id)
    hook.settings  # noqa: B018 - the connection is read before the start, as a running task has it
    ready.put(True)
    go.wait(60)
    failed = 0
    for _ in range(calls):
        try:
            hook.get_incident(ref)
        except Exception:  # any failure is what the test counts
            failed += 1
    out.put(failed)


def test_a_budget_spent_by_another_process_costs_a_fresh_one_a_single_429(pd: VendorSandbox) -> None:
    """This process spends the budget; the other, which has seen no answer yet, is refused once, and from
    then on paces itself by the vendor's word: after the reset it spends the new budget and waits for
    the next reset instead of being refused again."""
    ref = _scaled(pd, time_scale=15)
    context = multiprocessing.get_context("spawn")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    connection = pd.connection_json()
    other = context.Process(
        target=_fresh_process, args=(pd.conn_id, connection, ref, BUDGET + 3, ready, go, out)
    )
    other.start()
    try:
        assert ready.get(timeout=120)
        hook = get_incident_hook(pd.conn_id)
        for _ in range(BUDGET):
            hook.get_incident(ref)
        go.set()
        assert out.get(timeout=120) == 0, "a call of the other process failed"
    finally:
        other.join(timeout=30)
        if other.is_alive():
            other.kill()
    statuses = [record["status"] for record in pd.requests()]
    assert statuses == [200] * BUDGET + [429] + [200] * (BUDGET + 3)
