"""Secrets stay secret: masked once fetched, absent from exceptions, XCom values and settings reprs."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid

import pytest
from airflow.sdk.execution_time import task_runner
from airflow.sdk.log import redact  # type: ignore[attr-defined]  # re-exported by the SDK

from airflow_incident_provider.exceptions import IncidentError
from airflow_incident_provider.hooks import aget_incident_hook, async_connection, get_incident_hook
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.models import IncidentUpdate, WriteOptions
from tests.fixtures import PD_CONN_ID, PD_TOKEN, Sandbox, connection_json


def test_token_is_masked_once_the_connection_is_read(pd: Sandbox) -> None:
    hook = get_incident_hook(PD_CONN_ID)
    assert hook.settings.token == PD_TOKEN
    assert redact(PD_TOKEN) == "***"
    assert PD_TOKEN not in repr(hook.settings)


def test_token_never_reaches_errors_or_xcom(pd: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    hook = get_incident_hook(PD_CONN_ID)
    incident_id = pd.create()
    result = hook.update_incident(
        incident_id, IncidentUpdate(status="acknowledged", note="n"), WriteOptions(include_raw=True)
    )
    assert PD_TOKEN not in json.dumps(result.to_xcom())
    messages = []
    for call in (
        lambda: hook.get_incident("QMISSING"),
        lambda: hook.update_incident(incident_id, IncidentUpdate(status="bogus")),
        lambda: hook.update_incident(incident_id, IncidentUpdate(vendor_fields={"x": PD_TOKEN[:3]})),
    ):
        with pytest.raises(IncidentError) as info:
            call()
        messages.append(str(info.value))
    bad_token = "bad-token-0c4e5d6f7a"
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{PD_CONN_ID.upper()}",
        connection_json(
            "pagerduty_incidents", pd.server.vendor_url("pagerduty"), bad_token, from_email=pd.from_email
        ),
    )
    with pytest.raises(IncidentError) as info:
        get_incident_hook(PD_CONN_ID).get_incident(incident_id)
    messages.append(str(info.value))
    assert all(PD_TOKEN not in message and bad_token not in message for message in messages), messages


def test_sandbox_request_log_holds_no_token(pd: Sandbox) -> None:
    get_incident_hook(PD_CONN_ID).get_incident(pd.create())
    assert PD_TOKEN not in json.dumps(pd.requests())


class RecordingSupervisor:
    """Stands in for the supervisor channel (``SUPERVISOR_COMMS``) a real task or triggerer has, which a
    unit test cannot start: records the thread of every message sent synchronously, and the async ones."""

    def __init__(self) -> None:
        self.sync_senders: list[tuple[str, int]] = []
        self.async_sent: list[str] = []

    def send(self, msg: object) -> None:
        self.sync_senders.append((type(msg).__name__, threading.get_ident()))

    async def asend(self, msg: object) -> None:
        self.async_sent.append(type(msg).__name__)


@pytest.mark.parametrize("fetch", ["as detected", "worker thread"])
def test_async_read_masks_without_the_synchronous_masker_on_the_event_loop(
    fetch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The synchronous masker, called on the event loop while another request is in flight, deadlocks
    (Airflow 3.3.0) or raises DeadlockImminentError (3.3.2): the async read must never call it there, on
    any supported Airflow, and must still mask the token and the sensitive extras."""
    if fetch == "worker thread":  # the fetch older SDKs get, exercised on every Airflow
        monkeypatch.setattr(async_connection, "ASYNC_FETCH_MASKS_ASYNCHRONOUSLY", False)
    supervisor = RecordingSupervisor()
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", supervisor, raising=False)
    conn_id = f"pd_async_{uuid.uuid4().hex[:8]}"
    token, extra_secret = f"pd-token-{uuid.uuid4().hex}", f"extra-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}",
        connection_json(
            "pagerduty_incidents",
            "https://127.0.0.1:9",
            token,
            from_email="a@example.com",
            api_secret=extra_secret,
        ),
    )

    async def read() -> tuple[IncidentHook, int]:
        return await aget_incident_hook(conn_id), threading.get_ident()

    hook, loop_thread = asyncio.run(read())
    assert hook.settings.token == token
    assert hook.settings.extra("api_secret") == extra_secret
    assert redact(token) == "***"
    assert redact(extra_secret) == "***"
    on_loop = [name for name, thread in supervisor.sync_senders if thread == loop_thread]
    assert on_loop == [], f"synchronous supervisor calls on the event loop: {on_loop}"
    assert "MaskSecret" in supervisor.async_sent + [name for name, _ in supervisor.sync_senders]
