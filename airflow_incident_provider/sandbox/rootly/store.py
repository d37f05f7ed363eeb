"""Rootly account state and the incident lifecycle rules (triage, terminal statuses, restart, events)."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any

from .errors import not_found, unprocessable
from .model import (
    ACTOR_STATUSES,
    MAINTENANCE_KINDS,
    MAINTENANCE_STATUSES,
    MESSAGES,
    TERMINAL_STATUSES,
    TIMESTAMP_STATUSES,
    Event,
    IdFactory,
    Incident,
    IncidentRole,
    RoleAssignment,
    Severity,
    User,
)
from .validation import ID_FILTERS

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from .validation import ListQuery

_ENDPOINT_STATUSES = {"mitigate": "mitigated", "resolve": "resolved", "cancel": "cancelled"}
_MESSAGE_OF = {"mitigated": MESSAGES[0], "resolved": MESSAGES[1], "cancelled": MESSAGES[2]}


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "incident"


class RootlyStore:
    """One fake Rootly organization: its users, severities and incidents."""

    def __init__(
        self,
        users: Iterable[User],
        severities: Iterable[Severity],
        roles: Iterable[IncidentRole],
        created_at: datetime,
    ) -> None:
        self.created_at = created_at
        self.users = {u.id: u for u in users}
        self.severities = list(severities)  # by position, most severe first
        self.roles = list(roles)  # by position
        self.incidents: dict[str, Incident] = {}
        self.ids = IdFactory()
        self._next_number = 1

    # ------------------------------------------------------------ lookups

    def get(self, id_or_slug: str) -> Incident:
        """By id or by slug, as Rootly's ``{id}`` path parameter allows."""
        incident = self.incidents.get(id_or_slug)
        if incident is None:
            incident = next((i for i in self.incidents.values() if i.slug == id_or_slug), None)
        if incident is None:
            raise not_found()
        return incident

    def severity(self, severity_id: str) -> Severity:
        found = next((s for s in self.severities if s.id == severity_id), None)
        if found is None:
            raise unprocessable(
                f"data.attributes.severity_id {severity_id!r} is not a severity of this team."
            )
        return found

    def role(self, role_id: str) -> IncidentRole:
        found = next((r for r in self.roles if r.id == role_id), None)
        if found is None:
            raise unprocessable(f"data.attributes.incident_role_id {role_id!r} is not an incident role.")
        return found

    def user(self, user_id: str) -> User:
        found = self.users.get(user_id)
        if found is None:
            raise unprocessable(f"data.attributes.user_id {user_id!r} is not a user of this team.")
        return found

    # ------------------------------------------------------------ internals

    def _event(self, incident: Incident, text: str, visibility: str, at: datetime) -> Event:
        event = Event(self.ids.make("event"), text, visibility, at, at, at)
        incident.events.append(event)
        return event

    def _stamp(self, incident: Incident, status: str, actor: User, at: datetime) -> None:
        if status in TIMESTAMP_STATUSES:
            incident.times[status] = at
        if status in ACTOR_STATUSES:
            incident.actors[status] = actor.id

    def _set_status(self, incident: Incident, status: str, actor: User, at: datetime) -> None:
        before = incident.status
        if status == before:
            return
        incident.status = status
        self._stamp(incident, status, actor, at)
        if status == "resolved" and incident.times.get("mitigated") is None:
            incident.times["mitigated"] = at  # documented: skipped mitigation takes the resolution time
        self._event(incident, f"Status changed from {before} to {status} by {actor.name}", "internal", at)

    def _check_status(self, incident: Incident, status: str) -> None:
        """The lifecycle rules Rootly documents, checked before anything changes."""
        current = incident.status
        if status == current:
            return
        maintenance = incident.kind in MAINTENANCE_KINDS
        if (status in MAINTENANCE_STATUSES) != maintenance:
            kind = "scheduled maintenance" if maintenance else "incidents"
            raise unprocessable(f"Status {status} is not available for {kind}.")
        if current in TERMINAL_STATUSES and not (current == "resolved" and status == "closed"):
            raise unprocessable(
                f"The incident is {current}: restart it (PUT /v1/incidents/{{id}}/restart) before changing "
                "its status."
            )
        if current == "completed":
            raise unprocessable("The maintenance is completed.")
        if current == "in_triage" and status == "resolved":
            raise unprocessable("An incident cannot skip from in_triage to resolved: start it first.")
        if status == "closed" and current != "resolved":
            raise unprocessable("Only a resolved incident can be closed.")

    # ------------------------------------------------------------ operations

    def create(
        self, attributes: dict[str, Any], actor: User, at: datetime, meeting: dict[str, Any] | None = None
    ) -> Incident:
        number = self._next_number
        title = attributes.pop("title", None) or f"Incident #{number}"
        status = attributes.pop("status", None) or "started"
        kind = attributes.pop("kind", None) or "normal"
        severity_id = attributes.pop("severity_id", None)
        if severity_id is not None:
            self.severity(severity_id)
        incident = Incident(
            id=self.ids.make("incident"),
            sequential_id=number,
            title=title,
            slug=f"{number}-{slugify(title)}",
            kind=kind,
            status=status,
            user_id=actor.id,
            created_at=at,
            updated_at=at,
            summary=attributes.pop("summary", None),
            private=bool(attributes.pop("private", None) or False),
            severity_id=severity_id,
            meeting=dict(meeting or {}),
        )
        for name in TIMESTAMP_STATUSES:
            moment = attributes.pop(f"{name}_at", None)
            if moment is not None:
                incident.times[name] = moment
        self._stamp(incident, status, actor, incident.times.get(status) or at)
        incident.fields.update(attributes)
        self._next_number += 1
        self.incidents[incident.id] = incident
        self._event(incident, f"Incident created by {actor.name} as {status}", "internal", at)
        return incident

    def update(self, incident: Incident, attributes: dict[str, Any], actor: User, at: datetime) -> Incident:
        """``PUT /v1/incidents/{id}``: every rule is checked before anything is changed."""
        status = attributes.pop("status", None)
        if status is not None:
            self._check_status(incident, status)
        severity_id = attributes.get("severity_id")
        if severity_id is not None:
            self.severity(severity_id)
        times = {name: attributes.get(f"{name}_at", incident.times.get(name)) for name in TIMESTAMP_STATUSES}
        started, mitigated = times["started"], times["mitigated"]
        if started is not None and mitigated is not None and mitigated < started:
            raise unprocessable("mitigated_at must be greater than or equal to started_at.")
        title = attributes.pop("title", None)
        if title is not None:  # a null title is ignored; any string (blank too) is the new title
            incident.title = title
        if "summary" in attributes:
            incident.summary = attributes.pop("summary")
        if "private" in attributes:
            incident.private = bool(attributes.pop("private")) or incident.private  # cannot be undone
        if "kind" in attributes:
            incident.kind = attributes.pop("kind") or incident.kind
        if "severity_id" in attributes:
            incident.severity_id = attributes.pop("severity_id")
        for name in TIMESTAMP_STATUSES:
            if f"{name}_at" in attributes:
                incident.times[name] = attributes.pop(f"{name}_at")
        incident.fields.update(attributes)
        if status is not None:
            self._set_status(incident, status, actor, at)
        incident.updated_at = at
        return incident

    def transition(
        self, incident: Incident, action: str, message: str | None, actor: User, at: datetime
    ) -> Incident:
        """The ``PUT /v1/incidents/{id}/<action>`` endpoints."""
        if action == "restart":
            if not incident.is_terminal:
                raise unprocessable(
                    "Only resolved, closed or cancelled incidents can be restarted "
                    f"(it is {incident.status})."
                )
            for name in ("mitigated", "resolved", "closed", "cancelled"):
                incident.times[name] = None
                incident.actors[name] = None
            for key in MESSAGES:
                incident.fields[key] = None
            before = incident.status
            incident.status = "started"
            self._stamp(incident, "started", actor, at)
            self._event(incident, f"Incident restarted from {before} by {actor.name}", "internal", at)
        elif action == "in_triage":
            if incident.is_terminal:
                raise unprocessable(
                    f"The incident is {incident.status}: restart it before moving it to triage."
                )
            self._check_status(incident, "in_triage")
            self._set_status(incident, "in_triage", actor, at)
        else:
            status = _ENDPOINT_STATUSES[action]
            if incident.status == status:
                raise unprocessable(f"The incident is already {status}.")
            self._check_status(incident, status)
            self._set_status(incident, status, actor, at)
            if message is not None:
                incident.fields[_MESSAGE_OF[status]] = message
        incident.updated_at = at
        return incident

    def change_status_in_ui(self, incident: Incident, status: str, actor: User, at: datetime) -> Incident:
        """A status picked in Rootly's UI: the lifecycle endpoints for mitigate, resolve, cancel, triage and
        restart (a terminal incident back to started), a plain status update otherwise; same rules as the API.
        """
        if status == "started" and incident.is_terminal:
            return self.transition(incident, "restart", None, actor, at)
        if status == "in_triage":
            return self.transition(incident, "in_triage", None, actor, at)
        action = next((name for name, word in _ENDPOINT_STATUSES.items() if word == status), None)
        if action is not None:
            return self.transition(incident, action, None, actor, at)
        return self.update(incident, {"status": status}, actor, at)

    def assign_role(
        self, incident: Incident, user_id: str, role_id: str, actor: User, at: datetime
    ) -> Incident:
        """A single-holder role passes to the user; a multi-holder one gains them. Assigning a holder
        again changes nothing."""
        role, user = self.role(role_id), self.user(user_id)
        if any(a.role_id == role.id and a.user_id == user.id for a in incident.roles):
            return incident
        if not role.allow_multi_user_assignment:
            incident.roles = [a for a in incident.roles if a.role_id != role.id]
        incident.roles.append(RoleAssignment(self.ids.make("role_assignment"), role.id, user.id))
        self._event(incident, f"{user.name} assigned as {role.name} by {actor.name}", "internal", at)
        incident.updated_at = at
        return incident

    def unassign_role(
        self, incident: Incident, user_id: str, role_id: str, actor: User, at: datetime
    ) -> Incident:
        role, user = self.role(role_id), self.user(user_id)
        kept = [a for a in incident.roles if not (a.role_id == role.id and a.user_id == user.id)]
        if len(kept) == len(incident.roles):
            raise unprocessable(f"{user.name} is not assigned as {role.name}.")
        incident.roles = kept
        self._event(incident, f"{user.name} unassigned as {role.name} by {actor.name}", "internal", at)
        incident.updated_at = at
        return incident

    def add_event(self, incident: Incident, text: str, visibility: str, at: datetime) -> Event:
        event = self._event(incident, text, visibility, at)
        incident.updated_at = at
        return event

    # ------------------------------------------------------------ listing

    def _severity_words(self, incident: Incident) -> set[str]:
        if incident.severity_id is None:
            return set()
        severity = self.severity(incident.severity_id)
        return {severity.slug, severity.name}

    def query(self, q: ListQuery) -> list[Incident]:
        def value_of(incident: Incident, name: str) -> set[str]:
            if name == "severity":
                return self._severity_words(incident)
            if name == "severity_id":
                return {incident.severity_id} if incident.severity_id else set()
            if name == "labels":  # matched as "key:value"
                return {f"{key}:{value}" for key, value in (incident.fields.get("labels") or {}).items()}
            if name in ID_FILTERS:  # any of the incident's related ids
                return set(incident.fields.get(ID_FILTERS[name]) or ())
            return {str(getattr(incident, name))}

        def keep(incident: Incident) -> bool:
            for name, (operator, values) in q.words.items():
                matches = bool(value_of(incident, name) & values)
                if matches != (operator in ("eq", "in")):
                    return False
            for name, comparison, moment in q.times:
                value = _time_of(incident, name)
                if value is None or not _compare(value, comparison, moment):
                    return False
            if q.search:
                text = f"{incident.title} {incident.summary or ''}".lower()
                if q.search.lower() not in text:
                    return False
            return True

        found = [i for i in self.incidents.values() if keep(i)]
        for name, descending in reversed(q.sort):
            found.sort(key=partial(_sort_key, name=name), reverse=descending)
        return found


def _compare(value: datetime, comparison: str, moment: datetime) -> bool:
    return {
        "gt": value > moment,
        "gte": value >= moment,
        "lt": value < moment,
        "lte": value <= moment,
    }[comparison]


def _time_of(incident: Incident, name: str) -> datetime | None:
    """The value of a ``*_at`` attribute."""
    if name == "created_at":
        return incident.created_at
    if name == "updated_at":
        return incident.updated_at
    return incident.times.get(name.removesuffix("_at"))


def _sort_key(incident: Incident, *, name: str) -> tuple[bool, float, int]:
    value = _time_of(incident, name)
    return (value is None, value.timestamp() if value else 0.0, incident.sequential_id)
