"""Timeouts over real HTTP on 127.0.0.1: an answer that trickles forever or never comes ends the operation
at its total deadline, sync and async, and an idempotent request still has time left for a retry."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_incident_provider.exceptions import AmbiguousWriteError, TransportError
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.idempotency import idempotency_key
from airflow_incident_provider.models import IncidentUpdate, WriteOptions
from tests.fixtures import PD_CONN_ID, Sandbox

SHORT: dict[str, Any] = {"read_timeout": 0.5, "connect_timeout": 1.0, "total_timeout": 2.0}


@pytest.fixture
def short_pd(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    pd.use_connection(monkeypatch, **SHORT)
    return pd


def hook() -> IncidentHook:
    """The test connection's hook with a tiny backoff: whether a retry fits is under test, not its wait
    (half a second of backoff against a 2-second deadline made the retry depend on the machine's load)."""
    incident_hook = get_incident_hook(PD_CONN_ID)
    incident_hook.backoff_base = 0.01
    return incident_hook


def fault(pd: Sandbox, **rule: object) -> None:
    pd.clear_requests()  # from here on, only the hook's own requests
    pd.admin.post("/_sandbox/faults", json={"vendor": "pagerduty", **rule}).raise_for_status()


def test_one_trickling_answer_leaves_time_for_a_retry(short_pd: Sandbox) -> None:
    incident = short_pd.with_status("triggered")
    fault(short_pd, kind="trickle", seconds=0.05, method="GET", times=1)
    assert hook().get_incident(incident).id == incident
    (rule,) = short_pd.server.faults()
    assert rule["hits"] == 1, "the first read trickled; the answer came from a retry"


def test_an_answer_that_trickles_forever_ends_at_the_total_deadline(short_pd: Sandbox) -> None:
    incident = short_pd.with_status("triggered")
    fault(short_pd, kind="trickle", seconds=0.05, method="GET")
    with pytest.raises(TransportError, match="total timeout reached"):
        hook().get_incident(incident)
    assert len(short_pd.requests()) >= 2, "attempts were cut short enough to retry"


def test_async_calls_end_at_the_total_deadline_too(short_pd: Sandbox) -> None:
    incident = short_pd.with_status("triggered")
    fault(short_pd, kind="trickle", seconds=0.05, method="GET")

    async def read() -> None:
        await hook().aget_incident(incident)

    with pytest.raises(TransportError, match="total timeout reached"):
        asyncio.run(read())


def test_an_answer_that_never_comes_is_a_read_timeout_then_a_retry(short_pd: Sandbox) -> None:
    incident = short_pd.with_status("triggered")
    fault(short_pd, kind="delay", seconds=1.5, method="GET", times=1)
    assert hook().get_incident(incident).id == incident


def test_a_write_that_is_not_idempotent_keeps_the_whole_deadline_and_is_never_resent(
    short_pd: Sandbox,
) -> None:
    incident = short_pd.with_status("triggered")
    fault(short_pd, kind="trickle", seconds=0.05, method="POST")
    with pytest.raises(AmbiguousWriteError):
        hook().update_incident(incident, IncidentUpdate(note="Restarted the workers."))
    # The fault strikes every POST, and counts it on arrival (the request log records a trickled request
    # only once the server has seen the client go, which may come after this line).
    (rule,) = short_pd.server.faults()
    assert rule["hits"] == 1, "a note whose answer was lost is not posted again blindly"


def test_a_keyed_note_whose_answer_trickles_is_found_by_its_marker_within_the_deadline(
    short_pd: Sandbox,
) -> None:
    """With an idempotency key the note's lost answer is looked for: its post leaves half the time for
    that look, which finds the marked note, so the task succeeds with the note posted once."""
    incident = short_pd.with_status("triggered")
    fault(short_pd, kind="trickle", seconds=0.05, method="POST", path=f"/incidents/{incident}/notes")
    options = WriteOptions(idempotency_key=idempotency_key("dag", "run", "task"))
    result = hook().add_note(incident, "Restarted the workers.", options)
    assert result.changed
    (rule,) = short_pd.server.faults()
    assert rule["hits"] == 1, "the note is never posted twice"
