"""In-memory DevHelm entities (status pages, components, incidents, timeline updates) and ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

STATUSES = ("INVESTIGATING", "IDENTIFIED", "MONITORING", "RESOLVED")
IMPACTS = ("NONE", "MINOR", "MAJOR", "CRITICAL")
COMPONENT_STATUSES = (
    "OPERATIONAL",
    "DEGRADED_PERFORMANCE",
    "PARTIAL_OUTAGE",
    "MAJOR_OUTAGE",
    "UNDER_MAINTENANCE",
)
SANDBOX_USER_ID = 1
"""The user every sandbox API key belongs to (``createdByUserId``)."""


@dataclass(frozen=True)
class Component:
    id: str
    name: str


@dataclass
class StatusPage:
    id: str
    name: str
    slug: str
    created_at: datetime
    components: dict[str, Component] = field(default_factory=dict)


@dataclass
class TimelineUpdate:
    id: str
    status: str
    body: str
    notify_subscribers: bool
    created_at: datetime
    created_by: str = "USER"


@dataclass
class Incident:
    id: str
    page_id: str
    title: str
    status: str
    impact: str
    started_at: datetime
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    resolved_at: datetime | None = None
    postmortem_body: str | None = None
    postmortem_url: str | None = None
    affected: dict[str, str] = field(default_factory=dict)  # component id -> component status
    updates: list[TimelineUpdate] = field(default_factory=list)


class IdFactory:
    """Deterministic UUIDs: the same sequence after every reset, so sample ids are stable."""

    _NAMESPACE = uuid.UUID("9a4c1f3e-2b7d-4e58-a6f1-3c0d8e5b7a92")

    def __init__(self) -> None:
        self._count = 0

    def make(self, kind: str) -> str:
        self._count += 1
        return str(uuid.uuid5(self._NAMESPACE, f"{kind}:{self._count}"))
