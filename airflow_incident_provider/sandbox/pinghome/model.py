"""In-memory Pinghome entities: users, teams, incidents, sign-in sessions, and deterministic ids."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

STATUSES = ("open", "acknowledged", "resolved")
URGENCIES = ("low", "medium", "high")
ASSIGNEE_TYPES = ("user", "team")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    member_ids: tuple[str, ...]


@dataclass(frozen=True)
class Assignee:
    type: str
    id: str


@dataclass
class Incident:
    id: str
    team_id: str
    name: str
    description: str
    urgency: str
    received_at: datetime
    status: str = "open"
    assignees: list[Assignee] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    updated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Session:
    """A token issued by sign-in: whose it is and until when (sandbox clock, POSIX seconds)."""

    email: str
    expires_at: float


class IdFactory:
    """UUID-shaped ids, the same sequence after every reset."""

    def __init__(self, salt: str = "sandbox-pinghome") -> None:
        self._salt = salt
        self._count = 0

    def make(self) -> str:
        self._count += 1
        digest = hashlib.sha256(f"{self._salt}:{self._count}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))
