"""Pinghome organisation state and its rules: create, full replacement, newest-first paging, sessions."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from .errors import invalid, not_found
from .model import IdFactory, Incident, Session, Team, User

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from .validation import IncidentBody

SESSION_TTL_SECONDS = 3600.0
"""Lifetime of a token issued by sign-in, in sandbox seconds (advance the sandbox clock to expire it)."""
_TICK = timedelta(microseconds=1)


class PinghomeStore:
    """One fake Pinghome organisation: its users, teams, incidents and signed-in sessions."""

    def __init__(self, users: Iterable[User], teams: Iterable[Team]) -> None:
        self.users = {u.id: u for u in users}
        self.teams = {t.id: t for t in teams}
        self.incidents: dict[str, Incident] = {}
        self.sessions: dict[str, Session] = {}
        self.ids = IdFactory()

    # ------------------------------------------------------------ sessions

    def sign_in(self, email: str, now: float) -> tuple[str, float]:
        token = "ph-session-" + secrets.token_urlsafe(24)
        self.sessions[token] = Session(email.lower(), now + SESSION_TTL_SECONDS)
        return token, SESSION_TTL_SECONDS

    # ------------------------------------------------------------ lookups

    def team(self, team_id: str) -> Team:
        team = self.teams.get(team_id)
        if team is None:
            raise not_found("Team")
        return team

    def get(self, incident_id: str) -> Incident:
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise not_found("Incident")
        return incident

    def _check_assignees(self, body: IncidentBody) -> None:
        problems = [
            (f"assignees[{index}].id", f"no {item.type} with id {item.id!r}")
            for index, item in enumerate(body.assignees)
            if item.id not in (self.users if item.type == "user" else self.teams)
        ]
        if problems:
            raise invalid(*problems)

    def _with_ids(self, actions: list[dict[str, object]]) -> list[dict[str, object]]:
        """Actions as stored: an empty or missing ``id`` gets a new one, as on a create."""
        return [{**action, "id": action.get("id") or self.ids.make()} for action in actions]

    # ------------------------------------------------------------ operations

    def create(self, team_id: str, body: IncidentBody, at: datetime) -> Incident:
        self.team(team_id)
        self._check_assignees(body)
        received = at
        taken = {i.received_at for i in self.incidents.values()}
        while received in taken:  # the paging cursor needs distinct times
            received += _TICK
        incident = Incident(
            id=self.ids.make(),
            team_id=team_id,
            name=body.name,
            description=body.description,
            urgency=body.urgency,
            received_at=received,
            assignees=list(body.assignees),
            actions=self._with_ids(body.actions),
            updated_at=received,
        )
        self.incidents[incident.id] = incident
        return incident

    def replace(self, incident: Incident, body: IncidentBody, at: datetime) -> Incident:
        """A full replacement: fields the body leaves out are emptied; a missing status is kept."""
        self._check_assignees(body)
        incident.name = body.name
        incident.description = body.description
        incident.urgency = body.urgency
        incident.assignees = list(body.assignees)
        incident.actions = self._with_ids(body.actions)
        if body.status is not None and body.status != incident.status:
            incident.status = body.status
            if body.status == "acknowledged":
                incident.acknowledged_at = at
                incident.resolved_at = None
            elif body.status == "resolved":
                incident.resolved_at = at
            else:
                incident.acknowledged_at = incident.resolved_at = None
        incident.updated_at = at
        return incident

    def page(
        self, team_id: str, limit: int, cursor: datetime | None
    ) -> tuple[list[Incident], datetime | None]:
        """Newest first, strictly older than ``cursor``; the next cursor is None after the last page."""
        self.team(team_id)
        found = sorted(
            (
                i
                for i in self.incidents.values()
                if i.team_id == team_id and (cursor is None or i.received_at < cursor)
            ),
            key=lambda incident: incident.received_at,
            reverse=True,
        )
        page = found[:limit]
        return page, page[-1].received_at if len(found) > limit else None
