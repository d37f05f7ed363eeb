"""BulkUpdateIncidentsOperator: many incidents, bounded concurrency, every failure reported."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentError, IncidentValidationError
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.models import IncidentUpdate, OperationResult, WriteOptions
from airflow_incident_provider.operators import BulkUpdateIncidentsOperator
from tests.fixtures import PD_CONN_ID, Sandbox
from tests.vendor_cases import VENDOR_CASES


class TaskInstance(SimpleNamespace):
    """The attributes and XCom push a task instance offers the operator (no metadata DB needed)."""

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def context(task_id: str = "bulk") -> Any:
    return {"ti": TaskInstance(dag_id="dag", run_id="run", task_id=task_id, map_index=-1, pushed={})}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"action": "close"}, "action"),
        ({"action": "resolve", "title": "x"}, "title"),
        ({}, "update"),
        ({"title": "x", "resolution": "done"}, "resolution"),
        ({"title": "x", "max_concurrency": 0}, "max_concurrency"),
        ({"status": "resovled"}, "status"),
    ],
)
def test_arguments_fail_at_parse_time(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(IncidentValidationError, match=field):
        BulkUpdateIncidentsOperator(task_id="b", conn_id="c", incident_ids=["Q1"], **kwargs)


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_one_update_reaches_every_incident(vendor: str, request: pytest.FixtureRequest) -> None:
    fixture, conn_id, title_key, *_ = VENDOR_CASES[vendor]
    handle = request.getfixturevalue(fixture)
    ids = [handle.create() for _ in range(3)]
    operator = BulkUpdateIncidentsOperator(
        task_id="bulk", conn_id=conn_id, incident_ids=ids, title="Region eu-west-1 degraded"
    )
    ctx = context()
    summary = operator.execute(ctx)
    assert (summary["succeeded"], summary["failed"], summary["changed"]) == (3, 0, 3)
    assert [item["ref"].rsplit("/", 1)[-1] for item in summary["results"]] == ids
    assert all(handle.incident(incident_id)[title_key] == "Region eu-west-1 degraded" for incident_id in ids)
    assert ctx["ti"].pushed["bulk_results"] == summary


def test_every_incident_is_tried_before_the_task_fails(pd: Sandbox) -> None:
    good = [pd.create() for _ in range(3)]
    operator = BulkUpdateIncidentsOperator(
        task_id="bulk",
        conn_id=PD_CONN_ID,
        action="acknowledge",
        incident_ids=[good[0], "QMISSING1", good[1], good[2]],
    )
    ctx = context()
    with pytest.raises(IncidentError, match=r"1 of 4 incidents failed: QMISSING1: .*Not Found"):
        operator.execute(ctx)
    assert all(pd.incident(incident_id)["status"] == "acknowledged" for incident_id in good)
    results = ctx["ti"].pushed["bulk_results"]["results"]
    assert [item["ok"] for item in results] == [True, False, True, True]
    assert results[1]["error_type"] == "IncidentNotFoundError"


def test_upstream_incident_dicts_and_duplicates(pd: Sandbox) -> None:
    incident_id = pd.create()
    upstream = [{"ref": incident_id, "vendor": "pagerduty"}, {"ref": incident_id, "vendor": "pagerduty"}]
    summary = BulkUpdateIncidentsOperator(
        task_id="bulk",
        conn_id=PD_CONN_ID,
        incident_ids=upstream,
        action="resolve",
        resolution="Fixed upstream",
    ).execute(context())
    assert summary["succeeded"] == 1, "the same incident is processed once"
    assert pd.incident(incident_id)["status"] == "resolved"


class CountingHook:
    """Wraps a real hook and records how many updates are in flight at once."""

    def __init__(self, hook: IncidentHook) -> None:
        self.hook = hook
        self.vendor = hook.vendor
        self.supports_bulk_transition = False
        self.running = 0
        self.peak = 0

    async def aupdate_incident(
        self, ref: str, update: IncidentUpdate, options: WriteOptions
    ) -> OperationResult:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(0.01)  # hold the slot long enough for the others to queue behind it
            return await self.hook.aupdate_incident(ref, update, options)
        finally:
            self.running -= 1


def test_concurrency_never_exceeds_the_bound(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [pd.create() for _ in range(12)]
    counting = CountingHook(get_incident_hook(PD_CONN_ID))
    operator = BulkUpdateIncidentsOperator(
        task_id="bulk", conn_id=PD_CONN_ID, incident_ids=ids, severity="low", max_concurrency=3
    )
    monkeypatch.setattr(operator, "get_hook", lambda: counting)
    summary = operator.execute(context())
    assert summary["succeeded"] == 12
    assert 1 < counting.peak <= 3
    assert len([r for r in pd.requests() if r["method"] == "PUT"]) == 12


def test_the_rate_limit_is_never_exceeded_on_the_sandbox_side(
    pd: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [pd.create() for _ in range(8)]
    pd.clear_requests()
    # Six requests a minute and two seconds per operation: six updates go out, two find no slot in time.
    pd.use_connection(monkeypatch, rate_limit_per_minute=6, total_timeout=2)
    operator = BulkUpdateIncidentsOperator(
        task_id="bulk", conn_id=PD_CONN_ID, incident_ids=ids, title="Renamed in bulk", max_concurrency=8
    )
    ctx = context()
    with pytest.raises(IncidentError, match="2 of 8 incidents failed"):
        operator.execute(ctx)
    puts = [r for r in pd.requests() if r["method"] == "PUT"]
    assert len(puts) == 6, "no more requests reached the vendor than the limit allows in the window"
    failed = [item for item in ctx["ti"].pushed["bulk_results"]["results"] if not item["ok"]]
    assert {item["error_type"] for item in failed} == {"RateLimitedError"}
