"""Secrets stay secret: masked once fetched, absent from exceptions, XCom values and settings reprs."""

from __future__ import annotations

import json

import pytest
from airflow.sdk.log import redact  # type: ignore[attr-defined]  # re-exported by the SDK

from airflow_incident_provider.exceptions import IncidentError
from airflow_incident_provider.hooks import get_incident_hook
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
