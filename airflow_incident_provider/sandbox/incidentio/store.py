"""One fake incident.io account: its configured statuses, severities, roles and users, its incidents,
and the rules the public API enforces on them (written from the OpenAPI description, not from the
provider's vendor module, so tests against it can catch a wrong vendor module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..core import SandboxHTTPError

MODES = ("standard", "retrospective", "test", "tutorial")
LISTED_MODES = ("standard", "retrospective")
"""The modes a list shows unless ``mode[one_of]`` names others: the spec's ``mode`` parameter says the
default leaves test and tutorial incidents out."""
TIME_OPERATORS = ("gte", "lte")


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str
    rank: int


@dataclass(frozen=True)
class Severity:
    id: str
    name: str
    rank: int


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    role_type: str
    shortform: str


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str


def _ulid(kind: str, n: int) -> str:
    """A 26-character id shaped like incident.io's ULIDs, the same after every reset."""
    return f"01SANDBOX{kind.upper()[:4]:<4}{n:013d}".replace(" ", "X")


STATUSES = tuple(
    Status(_ulid("stat", n), name, category, n)
    for n, (name, category) in enumerate(
        [
            ("Triage", "triage"),
            ("Investigating", "live"),
            ("Fixing", "live"),
            ("Monitoring", "live"),
            ("Paused", "paused"),
            ("Documenting", "learning"),
            ("Closed", "closed"),
            ("Declined", "declined"),
            ("Merged", "merged"),
            ("Canceled", "canceled"),
        ]
    )
)
SEVERITIES = tuple(
    Severity(_ulid("sev", n), name, n) for n, name in enumerate(["Minor", "Major", "Critical"], start=1)
)
ROLES = (
    Role(_ulid("role", 1), "Incident Lead", "lead", "lead"),
    Role(_ulid("role", 2), "Reporter", "reporter", ""),
    Role(_ulid("role", 3), "Communications Lead", "custom", "comms"),
)
USERS = (
    User(_ulid("user", 1), "Avery Stone", "avery@example.com"),
    User(_ulid("user", 2), "Robin Hale", "robin@example.com"),
    User(_ulid("user", 3), "Kai Moreno", "kai@example.com"),
)
CATEGORIES = ("triage", "live", "paused", "learning", "closed", "declined", "merged", "canceled")


def error(status: int, kind: str, code: str, message: str, source: str | None = None) -> SandboxHTTPError:
    """incident.io's error body: type, status, request_id and the list of errors."""
    item: dict[str, Any] = {"code": code, "message": message}
    if source:
        item["source"] = {"field": source}
    body = {"type": kind, "status": status, "request_id": "sandbox-request", "errors": [item]}
    return SandboxHTTPError(status, body)


def invalid(message: str, source: str | None = None, code: str = "invalid_value") -> SandboxHTTPError:
    return error(422, "validation_error", code, message, source)


def list_filter(getlist: Callable[[str], list[str]]) -> Callable[[Incident], bool]:
    """Whether a list shows an incident, from its ``mode[one_of]``, ``created_at[gte|lte]`` and
    ``updated_at[gte|lte]`` filters (a timestamp or a date, as the spec's filter parameters take)."""
    modes = getlist("mode[one_of]") or list(LISTED_MODES)
    for mode in modes:
        if mode not in MODES:
            raise invalid(f"{mode!r} is not a mode", "mode")
    bounds = [
        (name, operator, _moment(value, name))
        for name in ("created_at", "updated_at")
        for operator in TIME_OPERATORS
        for value in getlist(f"{name}[{operator}]")
    ]

    def shown(incident: Incident) -> bool:
        if incident.mode not in modes:
            return False
        for name, operator, moment in bounds:
            at: datetime = getattr(incident, name)
            if (at < moment) if operator == "gte" else (at > moment):
                return False
        return True

    return shown


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{value!r} is not a timestamp or a date", name) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def not_found(what: str) -> SandboxHTTPError:
    return error(404, "not_found", "not_found", f"{what} not found")


@dataclass
class Update:
    id: str
    incident_id: str
    status: Status
    severity: Severity | None
    at: datetime
    message: str


@dataclass
class Incident:
    id: str
    reference: str
    name: str
    summary: str
    status: Status
    severity: Severity | None
    visibility: str
    mode: str
    created_at: datetime
    updated_at: datetime
    call_url: str | None = None
    roles: dict[str, User] = field(default_factory=dict)
    notified: int = 0
    """How many edits asked to notify the incident's Slack channel."""


class Store:
    """The account: its incidents (newest first when listed), updates and idempotency keys."""

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.updates: list[Update] = []
        self.keys: dict[str, str] = {}

    @staticmethod
    def status(status_id: str, source: str = "incident_status_id") -> Status:
        found = next((s for s in STATUSES if s.id == status_id), None)
        if found is None:
            raise invalid(f"No incident status with id {status_id!r}", source, "not_found")
        return found

    @staticmethod
    def severity(severity_id: str) -> Severity:
        found = next((s for s in SEVERITIES if s.id == severity_id), None)
        if found is None:
            raise invalid(f"No severity with id {severity_id!r}", "severity_id", "not_found")
        return found

    def incident(self, incident_id: str) -> Incident:
        found = self.incidents.get(incident_id)
        if found is None:
            raise not_found("Incident")
        return found

    def assign(self, incident: Incident, assignments: list[dict[str, Any]]) -> None:
        for assignment in assignments:
            role = next((r for r in ROLES if r.id == assignment["incident_role_id"]), None)
            if role is None:
                raise invalid("No incident role with that id", "incident_role_assignments", "not_found")
            who = assignment.get("assignee")
            if not who:
                incident.roles.pop(role.id, None)
                continue
            user = next((u for u in USERS if who.get("id") == u.id or who.get("email") == u.email), None)
            if user is None:
                raise invalid(
                    "No user matches the assignee", "incident_role_assignments.assignee", "not_found"
                )
            incident.roles[role.id] = user

    def create(self, body: dict[str, Any], at: datetime) -> tuple[Incident, bool]:
        """A new incident, or the one an earlier request with the same idempotency key made."""
        known = self.keys.get(body["idempotency_key"])
        if known is not None:
            return self.incidents[known], False
        mode = body.get("mode", "standard")
        severity = self.severity(body["severity_id"]) if "severity_id" in body else None
        if severity is None and mode == "standard":
            raise invalid("A severity is required to open an incident", "severity_id", "is_required")
        status_id = body.get("incident_status_id")
        status = self.status(status_id) if status_id else STATUSES[1]
        number = len(self.incidents) + 1
        incident = Incident(
            id=_ulid("inc", number),
            reference=f"INC-{number}",
            name=body.get("name") or f"Incident {number}",
            summary=body.get("summary", ""),
            status=status,
            severity=severity,
            visibility=body["visibility"],
            mode=mode,
            created_at=at,
            updated_at=at,
        )
        self.assign(incident, body.get("incident_role_assignments", []))
        self.incidents[incident.id] = incident
        self.keys[body["idempotency_key"]] = incident.id
        self._update(incident, at, "Incident declared")
        return incident, True

    def edit(self, incident: Incident, changes: dict[str, Any], notify: bool, at: datetime) -> None:
        """The edit action: a status change only from one live status to another."""
        if "incident_status_id" in changes:
            target = self.status(changes["incident_status_id"])
            if incident.status.category != "live" or target.category != "live":
                raise invalid(
                    "You can only change an incident from one active status to another; other lifecycle "
                    "changes must be taken via the app",
                    "incident_status_id",
                    "invalid_status_transition",
                )
        before = (incident.status, incident.severity)
        if "severity_id" in changes:
            incident.severity = self.severity(changes["severity_id"])
        if "incident_status_id" in changes:
            incident.status = self.status(changes["incident_status_id"])
        for key in ("name", "summary", "call_url"):
            if key in changes:
                setattr(incident, key, changes[key])
        self.assign(incident, changes.get("incident_role_assignments", []))
        incident.updated_at = at
        incident.notified += 1 if notify else 0
        if (incident.status, incident.severity) != before:
            self._update(incident, at, "Edited through the API")

    def move(self, incident: Incident, category: str, at: datetime) -> None:
        """What a responder does in the app: any move, to the category's first status."""
        incident.status = next(s for s in STATUSES if s.category == category)
        incident.updated_at = at
        self._update(incident, at, f"Moved to {incident.status.name} in the app")

    def _update(self, incident: Incident, at: datetime, message: str) -> None:
        number = len(self.updates) + 1
        self.updates.append(
            Update(_ulid("upd", number), incident.id, incident.status, incident.severity, at, message)
        )
