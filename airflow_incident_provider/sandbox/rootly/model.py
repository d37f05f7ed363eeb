"""In-memory Rootly entities (users, severities, incidents, timeline events) and deterministic ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

STATUSES = (
    "in_triage",
    "started",
    "detected",
    "acknowledged",
    "mitigated",
    "resolved",
    "closed",
    "cancelled",
    "scheduled",
    "in_progress",
    "completed",
)
"""The status enum of the spec's ``update_incident`` body."""
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "completed")
TERMINAL_STATUSES = ("resolved", "closed", "cancelled")
KINDS = (
    "test", "test_sub", "example", "example_sub", "normal", "normal_sub", "backfilled", "scheduled",
    "scheduled_sub",
)  # fmt: skip
MAINTENANCE_KINDS = ("scheduled", "scheduled_sub")
TIMESTAMP_STATUSES = (
    "in_triage", "started", "detected", "acknowledged", "mitigated", "resolved", "closed", "cancelled",
)  # fmt: skip
"""Statuses with a ``<status>_at`` attribute."""
ACTOR_STATUSES = ("in_triage", "started", "mitigated", "resolved", "closed", "cancelled")
"""Statuses with a ``<status>_by`` attribute."""
MESSAGES = ("mitigation_message", "resolution_message", "cancellation_message")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class Severity:
    id: str
    name: str
    slug: str
    severity: str
    color: str
    position: int
    description: str


@dataclass(frozen=True)
class IncidentRole:
    id: str
    name: str
    slug: str
    position: int
    allow_multi_user_assignment: bool
    description: str


@dataclass(frozen=True)
class RoleAssignment:
    """One user holding one incident role on one incident."""

    id: str
    role_id: str
    user_id: str


@dataclass
class Event:
    id: str
    event: str
    visibility: str
    occurred_at: datetime
    created_at: datetime
    updated_at: datetime


@dataclass
class Incident:
    """One incident; ``fields`` holds every other writable attribute by its spec name."""

    id: str
    sequential_id: int
    title: str
    slug: str
    kind: str
    status: str
    user_id: str
    created_at: datetime
    updated_at: datetime
    summary: str | None = None
    private: bool = False
    severity_id: str | None = None
    source: str = "api"
    fields: dict[str, Any] = field(default_factory=dict)
    times: dict[str, datetime | None] = field(default_factory=dict)
    actors: dict[str, str | None] = field(default_factory=dict)
    meeting: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    roles: list[RoleAssignment] = field(default_factory=list)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class IdFactory:
    """Deterministic UUIDs: the same sequence after every reset."""

    def __init__(self, salt: str = "rootly-sandbox") -> None:
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, salt)
        self._counters: dict[str, int] = {}

    def make(self, kind: str) -> str:
        count = self._counters.get(kind, 0) + 1
        self._counters[kind] = count
        return str(uuid.uuid5(self._namespace, f"{kind}:{count}"))
