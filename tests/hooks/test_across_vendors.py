"""What every vendor hook does alike, one parametrized suite over the registry's vendors.

Each vendor's facts for these tests (how to make an incident in its sandbox, its words for a refusal)
are the ``CASE`` of its own ``tests/hooks/cases_<vendor>.py`` (the ``Case`` shape is in ``across.py``);
a vendor added to the registry without one fails :func:`test_every_registered_vendor_has_its_cases`.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from airflow.sdk import Connection

from airflow_incident_provider.exceptions import (
    AuthenticationError,
    RateLimitedError,
    TransportError,
    UnsupportedOperationError,
)
from airflow_incident_provider.hooks import aget_incident_hook, get_incident_hook, hook_class_for, transport
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.registry import BY_NAME, VENDORS
from tests.fixtures import VendorSandbox
from tests.hooks.across import MISSING_UUID, Case, case_module, load_cases
from tests.hooks.scripted import drive, ok

CASES, WITHOUT_CASE = load_cases()
NAMES = [record.name for record in VENDORS]


def test_every_registered_vendor_has_its_cases() -> None:
    assert WITHOUT_CASE == (), f"declare CASE in {', '.join(case_module(name) for name in WITHOUT_CASE)}"
    assert sorted(CASES) == sorted(NAMES)


def handle_for(name: str, request: pytest.FixtureRequest) -> tuple[Case, VendorSandbox]:
    case = CASES[name]
    handle: VendorSandbox = request.getfixturevalue(case.fixture)
    return case, handle


@pytest.mark.parametrize("name", NAMES)
def test_async_twins_share_the_flows_and_close_their_clients(
    name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, handle = handle_for(name, request)
    if case.setup is not None:
        case.setup(handle, monkeypatch)
    incident_id = case.new_incident(handle)

    async def scenario() -> tuple[str, list[str], bool, int, int]:
        async_hook = await aget_incident_hook(handle.conn_id)
        assert async_hook.vendor_name == name
        got = await async_hook.aget_incident(incident_id)
        moved = await case.moves(async_hook, incident_id)
        if case.resolves:
            changed = (await async_hook.aresolve_incident(incident_id, options=case.resolve_options)).changed
        else:
            with pytest.raises(UnsupportedOperationError, match="app"):
                await async_hook.aresolve_incident(incident_id, options=case.resolve_options)
            changed = False
        listed = await async_hook.alist_incidents(statuses=["resolved"])
        return got.status, moved, changed, len(listed), transport.open_async_clients()

    status, moved, changed, resolved_count, open_clients = asyncio.run(scenario())
    assert (status, tuple(moved), changed) == (case.first_status, case.moved, case.resolves)
    if case.listed_exactly:
        assert resolved_count == case.resolved_listed
    else:
        assert resolved_count >= case.resolved_listed
    assert open_clients == 0
    stored = case.stored_resolved if case.resolves else case.moved[-1]
    assert handle.incident(incident_id)["status"] == stored  # type: ignore[attr-defined]
    if case.after_async is not None:
        case.after_async(handle)


@pytest.mark.parametrize("name", NAMES)
def test_async_create_escalate_and_reassign_share_the_flows(
    name: str, request: pytest.FixtureRequest
) -> None:
    case, handle = handle_for(name, request)
    writes = case.writes
    ref = writes.existing(handle) if writes.existing is not None else ""

    async def scenario() -> tuple[tuple[bool, bool] | None, Any, tuple[str, ...] | None, int]:
        nonlocal ref
        async_hook = await aget_incident_hook(handle.conn_id)
        created = None
        if writes.create is not None:
            first = await async_hook.acreate_incident(writes.create, writes.options)
            again = await async_hook.acreate_incident(writes.create, writes.options)
            created, ref = (first.changed, again.changed), first.incident.ref
        escalated = await async_hook.aescalate_incident(ref, options=writes.options)
        assignees = None
        if writes.reassign_to is not None:
            assignees = (await async_hook.areassign_incident(ref, writes.reassign_to)).incident.assignees
        return created, escalated, assignees, transport.open_async_clients()

    created, escalated, assignees, open_clients = asyncio.run(scenario())
    if writes.create is not None:
        assert created == (True, False), "the second create finds the first by its dedup key"
    shown, expected = writes.escalated
    assert (escalated.incident.severity if shown == "severity" else escalated.steps[0].detail) == expected
    assert assignees == writes.reassign_to
    assert open_clients == 0
    if writes.after is not None:
        writes.after(handle, ref)


@pytest.mark.parametrize("name", NAMES)
def test_a_refused_credential_fails_fast_names_the_connection_and_never_the_credential(
    name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, handle = handle_for(name, request)
    incident_id = case.some_incident(handle)
    handle.clear_requests()
    wrong = case.wrong_key
    handle.use_connection(monkeypatch, key=wrong, **case.extra)
    with pytest.raises(AuthenticationError) as info:
        get_incident_hook(handle.conn_id).get_incident(incident_id)
    error = str(info.value)
    assert info.value.status_code == 401
    if case.refusal_code is not None:
        assert info.value.code == case.refusal_code
    assert case.refusal in error, "the vendor's own words"
    assert f"check connection {handle.conn_id!r}: {case.credential_hint}" in error
    assert wrong not in error
    assert handle.key not in error
    assert len(handle.requests()) == 1, "401 is never retried (and a token is never renewed)"
    assert handle.key not in json.dumps(handle.requests())
    ok, message = get_incident_hook(handle.conn_id).test_connection()
    assert not ok
    assert case.refusal in message
    assert handle.conn_id in message
    assert "wrong-key" not in message


@pytest.mark.parametrize("name", [name for name in NAMES if name in CASES and CASES[name].rate_limited])
def test_the_vendors_429_past_the_deadline_gives_up_with_its_words(
    name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, handle = handle_for(name, request)
    limit = case.rate_limited
    assert limit is not None
    reads_before = limit.reads_before
    handle.use_connection(monkeypatch, total_timeout=2, **case.extra)
    incident_id = limit.incident(handle)  # the test client's look-up takes the window's first slot
    handle.configure(rate_limit_per_minute=reads_before + 1)
    handle.clear_requests()
    hook = get_incident_hook(handle.conn_id)
    for _ in range(reads_before):
        hook.get_incident(incident_id)
    started = time.monotonic()
    with pytest.raises(RateLimitedError) as info:
        hook.get_incident(incident_id)
    if limit.timed:
        assert time.monotonic() - started < 2, "a wait beyond the deadline is not slept"
    assert limit.words in str(info.value)
    if limit.code is not None:
        assert info.value.code == limit.code
    retry_after = info.value.retry_after
    assert retry_after is not None
    assert limit.retry_after_ok(retry_after)
    assert [record["status"] for record in handle.requests()] == [200] * reads_before + [429]


def offline_hook(name: str) -> IncidentHook:
    """The vendor's hook on a connection to nowhere: flows are driven against scripted answers."""
    record = BY_NAME[name]
    connection = Connection(
        conn_id=f"offline_{name}",
        conn_type=record.conn_type,
        host=f"https://{name}.test",
        password="offline-key-6d1f0c",
        extra=json.dumps(CASES[name].offline_extra),
    )
    return hook_class_for(connection)(connection.conn_id, connection=connection)


@pytest.mark.parametrize("body", [{"unexpected": True}, "text", 7], ids=["object", "string", "number"])
@pytest.mark.parametrize("name", NAMES)
def test_an_answer_the_vendor_module_cannot_read_is_an_unexpected_body(name: str, body: Any) -> None:
    flow = offline_hook(name).get_flow(MISSING_UUID)
    with pytest.raises(TransportError, match="unexpected response body") as info:
        drive(flow, lambda request: ok(body), vendor=name)
    assert info.value.vendor == name
    assert info.value.sent, "the request was answered: what it did is unknown, so it is not resent blindly"
