"""In-memory UptimeIO entities (projects, status pages, monitors, incidents, updates) and their ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

STATUSES = ("investigating", "identified", "monitoring", "resolved")
"""In lifecycle order; UptimeIO documents no enforced order, so any move is accepted."""
SEVERITIES = ("minor", "major", "critical")
RESOLVED = "resolved"


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    accessible: bool = True
    """False: the project exists but the sandbox key has no access to it (403)."""


@dataclass(frozen=True)
class Monitor:
    id: str
    name: str
    type: str
    status: str


@dataclass(frozen=True)
class StatusPage:
    id: str
    project_id: str
    name: str
    monitor_ids: tuple[str, ...]


@dataclass
class Update:
    id: str
    incident_id: str
    message: str
    status: str
    created_at: datetime
    created_by: str


@dataclass
class Incident:
    id: str
    number: int
    status_page_id: str
    title: str
    message: str
    severity: str
    status: str
    affected_monitor_ids: list[str]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    updates: list[Update] = field(default_factory=list)

    def set_status(self, status: str, at: datetime) -> None:
        """Any move is allowed; resolving stamps ``resolved_at`` and reopening clears it."""
        if status == RESOLVED and self.status != RESOLVED:
            self.resolved_at = at
        elif status != RESOLVED:
            self.resolved_at = None
        self.status = status


class IdFactory:
    """Deterministic UUIDs: the same sequence after every reset."""

    def __init__(self, salt: str = "uptimeio-sandbox") -> None:
        self._salt = salt
        self._counters: dict[str, int] = {}

    def make(self, kind: str) -> str:
        count = self._counters.get(kind, 0) + 1
        self._counters[kind] = count
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self._salt}:{kind}:{count}"))
