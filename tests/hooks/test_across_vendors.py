"""What every vendor hook does alike, one parametrized suite over the registry's vendors.

Each vendor's facts for these tests (how to make an incident in its sandbox, its words for a refusal)
are one entry of :data:`CASES`; a vendor added to the registry without one fails
:func:`test_every_registered_vendor_has_its_cases`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from airflow.sdk import Connection
from airflow.sdk.log import redact  # type: ignore[attr-defined]  # re-exported by the SDK

from airflow_incident_provider.exceptions import (
    AuthenticationError,
    RateLimitedError,
    TransportError,
    UnsupportedOperationError,
)
from airflow_incident_provider.hooks import aget_incident_hook, get_incident_hook, hook_class_for, transport
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.idempotency import idempotency_key
from airflow_incident_provider.models import IncidentCreate, IncidentUpdate, WriteOptions
from airflow_incident_provider.registry import BY_NAME, VENDORS
from airflow_incident_provider.sandbox.devhelm import DEFAULT_STATUS_PAGE_ID
from airflow_incident_provider.sandbox.incidentio import USERS as INCIDENTIO_USERS
from airflow_incident_provider.sandbox.pinghome import USERS as PINGHOME_USERS
from airflow_incident_provider.sandbox.rootly import USERS as ROOTLY_USERS
from airflow_incident_provider.sandbox.statuspage import PAGE_ID as STATUSPAGE_PAGE_ID
from airflow_incident_provider.sandbox.uptimeio import PROJECT_ID, STATUS_PAGE_ID
from tests.fixtures import VendorSandbox
from tests.hooks.scripted import drive, ok
from tests.hooks.test_pinghome import SIGN_IN, ph_token, signing_in

PUBLIC = WriteOptions(public=True)
KEYED = WriteOptions(idempotency_key=idempotency_key("d", "r", "t"))
MISSING_UUID = "0f0f0f0f-0000-4000-8000-000000000404"
"""A well-formed id no sandbox holds (the vendors with UUID ids refuse any other shape)."""


async def _acknowledge(hook: IncidentHook, incident_id: str) -> list[str]:
    acked = await hook.aacknowledge_incident(incident_id, note="async ack", options=KEYED)
    return [acked.incident.status]


async def _acknowledge_and_mitigate(hook: IncidentHook, incident_id: str) -> list[str]:
    acked = await hook.aacknowledge_incident(incident_id, note="async ack", options=KEYED)
    mitigated = await hook.amitigate_incident(incident_id, message="Failed over")  # type: ignore[attr-defined]
    return [acked.incident.status, mitigated.incident.status]


async def _retitle(hook: IncidentHook, incident_id: str) -> list[str]:
    renamed = await hook.aupdate_incident(incident_id, IncidentUpdate(title="Async retitle"))
    return [renamed.incident.status]


def _public_update(status: str, note: str, options: WriteOptions) -> Callable[..., Awaitable[list[str]]]:
    async def move(hook: IncidentHook, incident_id: str) -> list[str]:
        moved = await hook.aupdate_incident(incident_id, IncidentUpdate(status=status, note=note), options)
        return [moved.incident.status]

    return move


def _created_once(handle: Any, title: str) -> None:
    assert [item["title"] for item in handle.incidents()].count(title) == 1, "the dedup key held"


def _stored_severity(handle: Any, incident_id: str, severity: str) -> None:
    assert handle.incident(incident_id)["severity"] == severity


def _pinghome_signed_in(handle: Any) -> None:
    assert handle.calls().count(SIGN_IN) == 1, "signed in once, for every async call"
    assert redact(ph_token(handle)) == "***", "the signed-in token is masked"


@dataclass(frozen=True)
class RateLimit:
    """How a vendor's sandbox answers once its own rate limit is reached."""

    words: str
    """Its words in the 429."""
    code: str | None
    incident: Callable[[Any], str]
    """An existing incident to read (the look-up itself takes the window's first slot)."""
    reads_before: int
    """Reads the hook makes before the one refused (the limit is set to hold them and the look-up)."""
    retry_after_ok: Callable[[float], bool]
    timed: bool = False
    """Also time the refusal, as Rootly's test always did (the others rely on the request log alone)."""


@dataclass(frozen=True)
class AsyncWrites:
    """A vendor's create (twice, with one dedup key), one-step escalation and reassignment, async."""

    create: IncidentCreate | None
    """None: the vendor cannot create; ``existing`` makes the incident instead."""
    options: WriteOptions
    escalated: tuple[str, str]
    """What the escalation shows: ``("severity", word)`` on the incident, or ``("detail", text)`` of its
    first step."""
    reassign_to: tuple[str, ...] | None
    """None: the vendor has no assignees."""
    existing: Callable[[Any], str] | None = None
    after: Callable[[Any, str], None] | None = None
    """Checks in the sandbox afterwards, given the incident's ref."""


@dataclass(frozen=True)
class Case:
    """One vendor's facts for the shared tests."""

    fixture: str
    """The sandbox fixture of the vendor's test connection."""
    new_incident: Callable[[Any], str]
    """The id of a fresh incident in the sandbox, at the start of the vendor's lifecycle."""
    first_status: str
    moves: Callable[[IncidentHook, str], Awaitable[list[str]]]
    """The async writes between reading and resolving; returns the incident's status after each."""
    moved: tuple[str, ...]
    resolve_options: WriteOptions
    resolved_listed: int
    """How many resolved incidents the sandbox then lists at least (exactly, when ``listed_exactly``)."""
    listed_exactly: bool
    stored_resolved: str
    """The status the sandbox stores for a resolved incident (the vendor's own word)."""
    refusal: str
    """Text of the vendor's own answer to a refused credential, in the error and the UI's message."""
    refusal_code: str | None
    credential_hint: str
    """How a refused credential's error names the connection setting to check."""
    some_incident: Callable[[Any], str]
    """An id to read while testing a refusal (no sandbox look-up answers before the credential check)."""
    extra: dict[str, Any]
    """Connection extras a test that rewrites the connection keeps."""
    offline_extra: dict[str, Any]
    """Extras of a connection to nowhere that lets an incident id alone be addressed."""
    writes: AsyncWrites
    wrong_key: str = "wrong-key-5b9d0e77"
    """A credential the sandbox refuses, in the vendor's own shape."""
    after_async: Callable[[Any], None] | None = None
    signs_in: bool = False
    rate_limited: RateLimit | None = None
    """The vendor's own 429; None: the suite does not reach it for this vendor."""
    resolves: bool = True
    """False: the vendor's API cannot resolve (a person does, in its app); resolving is then refused with
    ``UnsupportedOperationError`` naming the alternative, and the incident keeps its status."""


CASES: dict[str, Case] = {
    "pagerduty": Case(
        fixture="pd",
        new_incident=lambda pd: pd.create(),
        first_status="triggered",
        moves=_acknowledge,
        moved=("acknowledged",),
        resolve_options=WriteOptions(),
        resolved_listed=1,
        listed_exactly=False,
        stored_resolved="resolved",
        refusal="Authentication",
        refusal_code="2006",
        credential_hint="the API token in the password and its auth_scheme 'api_key' (api_key or oauth)",
        some_incident=lambda pd: "Q1",
        extra={},
        offline_extra={},
        writes=AsyncWrites(
            IncidentCreate(title="Async", vendor_fields={"service": "PSVC002"}, dedup_key="async-1"),
            WriteOptions(),
            ("detail", "urgency high"),
            ("PUSER02",),
        ),
    ),
    "rootly": Case(
        fixture="rootly",
        new_incident=lambda rootly: rootly.create(status="in_triage"),
        first_status="in_triage",
        moves=_acknowledge_and_mitigate,
        moved=("acknowledged", "mitigated"),
        resolve_options=WriteOptions(),
        resolved_listed=2,
        listed_exactly=False,
        stored_resolved="resolved",
        refusal="Unauthorized",
        refusal_code=None,
        credential_hint="the API key in the password",
        some_incident=lambda rootly: "00000000-0000-4000-8000-000000000404",
        extra={},
        offline_extra={},
        writes=AsyncWrites(
            IncidentCreate(title="Async", severity="sev1", dedup_key="async-1"),
            WriteOptions(),
            ("severity", "SEV0"),
            (ROOTLY_USERS[0].id,),
        ),
        rate_limited=RateLimit(
            "Rate limit exceeded",
            None,
            lambda rootly: rootly.with_status("started"),
            0,
            lambda s: 1 <= s <= 61,
            timed=True,
        ),
    ),
    "pinghome": Case(
        fixture="ph",
        new_incident=lambda ph: ph.create(),
        first_status="open",
        moves=_acknowledge,
        moved=("acknowledged",),
        resolve_options=WriteOptions(),
        resolved_listed=2,
        listed_exactly=False,
        stored_resolved="resolved",
        refusal="Unauthorized",
        refusal_code=None,
        credential_hint="the API token in the password",
        some_incident=lambda ph: ph.with_status("open"),
        extra={},
        offline_extra={"team_id": "t-1"},
        writes=AsyncWrites(
            IncidentCreate(title="Async", severity="low", dedup_key="k-async"),
            WriteOptions(),
            ("severity", "medium"),
            (PINGHOME_USERS[1].id,),
        ),
        after_async=_pinghome_signed_in,
        signs_in=True,
        rate_limited=RateLimit(
            "Too Many Requests", None, lambda ph: ph.with_status("open"), 1, lambda s: s > 2
        ),
    ),
    "devhelm": Case(
        fixture="devhelm",
        new_incident=lambda devhelm: devhelm.create(),
        first_status="investigating",
        moves=_public_update(
            "identified",
            "async note",
            WriteOptions(public=True, idempotency_key=idempotency_key("dag", "run", "async")),
        ),
        moved=("identified",),
        resolve_options=PUBLIC,
        resolved_listed=2,
        listed_exactly=True,
        stored_resolved="RESOLVED",
        refusal="invalid API key",
        refusal_code="UNAUTHORIZED",
        credential_hint="the API key in the password",
        some_incident=lambda devhelm: MISSING_UUID,
        extra={},
        offline_extra={"status_page_id": DEFAULT_STATUS_PAGE_ID},
        writes=AsyncWrites(
            IncidentCreate(title="Async", severity="minor", dedup_key="async"),
            PUBLIC,
            ("severity", "major"),
            None,
            after=lambda devhelm, ref: _created_once(devhelm, "Async"),
        ),
        wrong_key="dh_live_wrong-key-5b9d0e77",
        rate_limited=RateLimit(
            "RATE_LIMITED",
            "RATE_LIMITED",
            lambda devhelm: devhelm.with_status("INVESTIGATING"),
            0,
            lambda s: s > 2,
        ),
    ),
    "uptimeio": Case(
        fixture="uptimeio",
        new_incident=lambda uptimeio: uptimeio.with_status("investigating"),
        first_status="investigating",
        moves=_public_update("mitigated", "Fix deployed.", PUBLIC),
        moved=("monitoring",),
        resolve_options=PUBLIC,
        resolved_listed=2,
        listed_exactly=True,
        stored_resolved="resolved",
        refusal="Invalid or missing API key",
        refusal_code="UNAUTHORIZED",
        credential_hint="the API key in the password",
        some_incident=lambda uptimeio: uptimeio.with_status("identified"),
        extra={"project_id": PROJECT_ID, "status_page_id": STATUS_PAGE_ID},
        offline_extra={"project_id": PROJECT_ID, "status_page_id": STATUS_PAGE_ID},
        writes=AsyncWrites(
            None,
            PUBLIC,
            ("severity", "major"),
            None,
            existing=lambda uptimeio: uptimeio.create(severity="minor"),
            after=lambda uptimeio, ref: _stored_severity(uptimeio, ref, "major"),
        ),
        rate_limited=RateLimit(
            "RATE_LIMITED",
            "RATE_LIMITED",
            lambda uptimeio: uptimeio.with_status("identified"),
            1,
            lambda s: s > 2,
        ),
    ),
    "statuspage": Case(
        fixture="statuspage",
        new_incident=lambda statuspage: statuspage.create(),
        first_status="investigating",
        moves=_public_update("identified", "async note", KEYED.model_copy(update={"public": True})),
        moved=("identified",),
        resolve_options=PUBLIC,
        resolved_listed=2,
        listed_exactly=True,
        stored_resolved="resolved",
        refusal="Could not authenticate",
        refusal_code=None,
        credential_hint="the API key in the password",
        some_incident=lambda statuspage: "sbxmissing01",
        extra={},
        offline_extra={"page_id": STATUSPAGE_PAGE_ID},
        writes=AsyncWrites(
            IncidentCreate(title="Async", severity="minor", dedup_key="async"),
            PUBLIC,
            ("severity", "major"),
            None,
            after=lambda statuspage, ref: statuspage.assert_created_once("Async"),
        ),
    ),
    "incidentio": Case(
        fixture="incidentio",
        new_incident=lambda incidentio: incidentio.create(category="live"),
        first_status="live",
        moves=_retitle,
        moved=("live",),
        resolve_options=WriteOptions(),
        resolved_listed=1,
        listed_exactly=False,
        stored_resolved="closed",
        refusal="The API key provided is not valid",
        refusal_code="invalid_authorization_material",
        credential_hint="the API key in the password",
        some_incident=lambda incidentio: incidentio.with_status("live"),
        extra={},
        offline_extra={},
        writes=AsyncWrites(
            IncidentCreate(title="Async", severity="Minor", dedup_key="async-1"),
            WriteOptions(),
            ("severity", "Major"),
            (INCIDENTIO_USERS[1].id,),
        ),
        rate_limited=RateLimit(
            "Too many requests",
            "too_many_requests",
            lambda incidentio: incidentio.with_status("live"),
            0,
            lambda s: 0 < s <= 62,
        ),
        resolves=False,
    ),
}
NAMES = [record.name for record in VENDORS]


def test_every_registered_vendor_has_its_cases() -> None:
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
    if case.signs_in:
        signing_in(handle, monkeypatch)  # type: ignore[arg-type]
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


@pytest.mark.parametrize("name", [name for name in NAMES if CASES[name].rate_limited])
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
