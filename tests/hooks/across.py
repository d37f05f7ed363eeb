"""What the shared hook tests need of each vendor: one ``Case`` per vendor, in ``cases_<vendor>.py``.

``tests/hooks/test_across_vendors.py`` runs over the registry's vendors and reads each one's ``CASE``
from its own module, so a new vendor's row is its own file; one without it fails
``test_every_registered_vendor_has_its_cases``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.idempotency import idempotency_key
from airflow_incident_provider.models import IncidentCreate, IncidentUpdate, WriteOptions
from airflow_incident_provider.registry import VENDOR_NAMES

PUBLIC = WriteOptions(public=True)
KEYED = WriteOptions(idempotency_key=idempotency_key("d", "r", "t"))
MISSING_UUID = "0f0f0f0f-0000-4000-8000-000000000404"
"""A well-formed id no sandbox holds (the vendors with UUID ids refuse any other shape)."""


async def acknowledge(hook: IncidentHook, incident_id: str) -> list[str]:
    """The async acknowledgement with a note, for a vendor's ``moves``."""
    acked = await hook.aacknowledge_incident(incident_id, note="async ack", options=KEYED)
    return [acked.incident.status]


async def retitle(hook: IncidentHook, incident_id: str) -> list[str]:
    """An async retitle, for a vendor whose API cannot acknowledge."""
    renamed = await hook.aupdate_incident(incident_id, IncidentUpdate(title="Async retitle"))
    return [renamed.incident.status]


def public_update(status: str, note: str, options: WriteOptions) -> Callable[..., Awaitable[list[str]]]:
    """An async status change with a note, as a status page takes it."""

    async def move(hook: IncidentHook, incident_id: str) -> list[str]:
        moved = await hook.aupdate_incident(incident_id, IncidentUpdate(status=status, note=note), options)
        return [moved.incident.status]

    return move


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
    setup: Callable[[Any, pytest.MonkeyPatch], None] | None = None
    """What the test does first (patch a sign-in in place, for a vendor that signs in)."""
    rate_limited: RateLimit | None = None
    """The vendor's own 429; None: the suite does not reach it for this vendor."""
    resolves: bool = True
    """False: the vendor's API cannot resolve (a person does, in its app); resolving is then refused with
    ``UnsupportedOperationError`` naming the alternative, and the incident keeps its status."""


def case_module(name: str) -> str:
    """The module holding vendor ``name``'s ``CASE``."""
    return f"tests.hooks.cases_{name}"


def load_cases() -> tuple[Mapping[str, Case], tuple[str, ...]]:
    """Each registered vendor's ``CASE``, and the vendors that have none (no module, or no ``CASE``)."""
    cases: dict[str, Case] = {}
    for name in VENDOR_NAMES:
        if importlib.util.find_spec(case_module(name)) is None:
            continue
        case = getattr(importlib.import_module(case_module(name)), "CASE", None)
        if isinstance(case, Case):
            cases[name] = case
    return cases, tuple(name for name in VENDOR_NAMES if name not in cases)
