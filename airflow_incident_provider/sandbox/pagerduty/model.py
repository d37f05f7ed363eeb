"""In-memory PagerDuty entities (users, services, policies, priorities, incidents) and id generation."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

STATUSES = ("triggered", "acknowledged", "resolved")
URGENCIES = ("high", "low")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class EscalationPolicy:
    id: str
    name: str
    levels: tuple[tuple[str, ...], ...]  # user ids on call at each level, level 1 first


@dataclass(frozen=True)
class Team:
    id: str
    name: str


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    escalation_policy_id: str
    default_urgency: str = "high"
    teams: tuple[Team, ...] = ()
    """The teams the service belongs to; its incidents are listed under them (``team_ids[]``)."""


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    description: str


@dataclass
class Note:
    id: str
    user_id: str
    content: str
    created_at: datetime


@dataclass
class LogEntry:
    """One timeline entry; ``agent`` is a user id (or None for the service itself)."""

    id: str
    type: str
    created_at: datetime
    summary: str
    agent_user_id: str | None
    channel: dict[str, Any]
    note: str | None = None
    assignee_ids: tuple[str, ...] | None = None


@dataclass
class Incident:
    id: str
    number: int
    title: str
    service_id: str
    escalation_policy_id: str
    urgency: str
    incident_key: str
    created_at: datetime
    status: str = "triggered"
    updated_at: datetime | None = None
    last_status_change_at: datetime | None = None
    last_status_change_by: str | None = None  # user id
    assignments: list[tuple[str, datetime]] = field(default_factory=list)
    acknowledgements: list[tuple[str, datetime]] = field(default_factory=list)
    assigned_via: str = "escalation_policy"
    escalation_level: int = 1
    priority_id: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    conference_bridge: dict[str, str] | None = None
    incident_type: str = "incident_default"
    body_details: Any = None
    notes: list[Note] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"

    def assignee_ids(self) -> tuple[str, ...]:
        return tuple(user_id for user_id, _ in self.assignments)


class IdFactory:
    """Deterministic ids shaped like PagerDuty's: same sequence after every reset."""

    def __init__(self, salt: str = "sandbox") -> None:
        self._salt = salt
        self._counters: dict[str, int] = {}

    def make(self, prefix: str, length: int) -> str:
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        digest = hashlib.sha256(f"{self._salt}:{prefix}:{count}".encode()).digest()
        body = base64.b32encode(digest).decode().rstrip("=")
        return prefix + body[: length - len(prefix)]

    def incident(self) -> str:
        return self.make("Q", 14)

    def note(self) -> str:
        return self.make("P", 7)

    def log_entry(self) -> str:
        return self.make("R", 26)

    def incident_key(self) -> str:
        count = self._counters.get("key", 0) + 1
        self._counters["key"] = count
        return hashlib.sha256(f"{self._salt}:key:{count}".encode()).hexdigest()[:32]
