"""JSON:API rendering of Rootly entities in the shapes of the official spec's response schemas."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .model import ACTOR_STATUSES, MESSAGES, TIMESTAMP_STATUSES

if TYPE_CHECKING:
    from datetime import datetime

    from .model import Event, Incident, IncidentRole, RoleAssignment, Severity, User
    from .store import RootlyStore
    from .validation import Page

#: Web-UI links point at a reserved, never-resolving domain.
HTML_BASE = "https://sandbox.rootly.invalid"

#: Writable ``*_ids`` attributes and the relationship they show up under (as in the seed response).
RELATIONSHIPS = {
    "cause_ids": "causes",
    "environment_ids": "environments",
    "incident_type_ids": "incident_types",
    "service_ids": "services",
    "functionality_ids": "functionalities",
    "group_ids": "groups",
    "alert_ids": "alerts",
}
_STRING_FIELDS = (
    "parent_incident_id", "duplicate_incident_id", "public_title", "slack_channel_id", "slack_channel_name",
    "slack_channel_url", "google_drive_parent_id", "google_drive_url", "jira_issue_key", "jira_issue_id",
    "jira_issue_url", *MESSAGES,
)  # fmt: skip
_MEETING_FIELDS = (
    "zoom_meeting_id", "zoom_meeting_start_url", "zoom_meeting_join_url", "zoom_meeting_password",
    "zoom_meeting_pstn_password", "zoom_meeting_h323_password", "google_meeting_id", "google_meeting_url",
    "webex_meeting_id", "webex_meeting_url", "microsoft_teams_meeting_id", "microsoft_teams_meeting_url",
)  # fmt: skip


def iso(moment: datetime | None) -> str | None:
    """Rootly's timestamp shape: ISO 8601 with milliseconds and an offset."""
    return moment.isoformat(timespec="milliseconds") if moment is not None else None


class Renderer:
    """Renders store objects; ``api_base`` is the sandbox's Rootly base URL, used in ``links``."""

    def __init__(self, store: RootlyStore, api_base: str) -> None:
        self.store = store
        self.api = api_base.rstrip("/")

    def user(self, user: User) -> dict[str, Any]:
        first, _, last = user.name.partition(" ")
        return {
            "data": {
                "id": user.id,
                "type": "users",
                "attributes": {
                    "name": user.name,
                    "email": user.email,
                    "first_name": first,
                    "last_name": last,
                    "full_name": user.name,
                    "time_zone": "UTC",
                },
            }
        }

    def severity(self, severity: Severity) -> dict[str, Any]:
        at = iso(self.store.created_at)
        return {
            "id": severity.id,
            "type": "severities",
            "attributes": {
                "name": severity.name,
                "slug": severity.slug,
                "description": severity.description,
                "severity": severity.severity,
                "color": severity.color,
                "position": severity.position,
                "notify_emails": [],
                "slack_channels": [],
                "slack_aliases": [],
                "created_at": at,
                "updated_at": at,
            },
        }

    def incident_role(self, role: IncidentRole) -> dict[str, Any]:
        at = iso(self.store.created_at)
        return {
            "id": role.id,
            "type": "incident_roles",
            "attributes": {
                "name": role.name,
                "slug": role.slug,
                "summary": None,
                "description": role.description,
                "position": role.position,
                "optional": False,
                "enabled": True,
                "allow_multi_user_assignment": role.allow_multi_user_assignment,
                "created_at": at,
                "updated_at": at,
            },
        }

    def role_assignment(self, assignment: RoleAssignment) -> dict[str, Any]:
        """An ``included`` role holder: the spec documents ``include=roles`` but not this resource, so
        the sandbox uses plain JSON:API relationships."""
        return {
            "id": assignment.id,
            "type": "incident_role_assignments",
            "attributes": {},
            "relationships": {
                "incident_role": {"data": {"id": assignment.role_id, "type": "incident_roles"}},
                "user": {"data": {"id": assignment.user_id, "type": "users"}},
            },
        }

    def incident(self, incident: Incident) -> dict[str, Any]:
        fields = incident.fields
        attributes: dict[str, Any] = {
            "sequential_id": incident.sequential_id,
            "title": incident.title,
            "slug": incident.slug,
            "kind": incident.kind,
            "private": incident.private,
            "summary": incident.summary,
            "status": incident.status,
            "source": incident.source,
            "url": f"{HTML_BASE}/account/incidents/{incident.slug}",
            "short_url": None,
            "user": self.user(self.store.users[incident.user_id]),
            "severity": (
                {"data": self.severity(self.store.severity(incident.severity_id))}
                if incident.severity_id
                else None
            ),
            "labels": dict(fields.get("labels") or {}),
            "environments": [],
            "incident_types": [],
            "services": [],
            "functionalities": [],
            "groups": [],
            "muted_service_ids": list(fields.get("muted_service_ids") or []),
            "slack_channel_archived": bool(fields.get("slack_channel_archived")),
            "retrospective_progress_status": "not_started",
            "zoom_meeting_global_dial_in_numbers": list(incident.meeting.get("dial_in_numbers") or []),
            "scheduled_for": iso(fields.get("scheduled_for")),
            "scheduled_until": iso(fields.get("scheduled_until")),
        }
        attributes.update({name: fields.get(name) for name in _STRING_FIELDS})
        attributes.update({name: incident.meeting.get(name) for name in _MEETING_FIELDS})
        for status in ACTOR_STATUSES:
            actor = incident.actors.get(status)
            attributes[f"{status}_by"] = self.user(self.store.users[actor]) if actor else None
        for status in TIMESTAMP_STATUSES:
            attributes[f"{status}_at"] = iso(incident.times.get(status))
        attributes["created_at"] = iso(incident.created_at)
        attributes["updated_at"] = iso(incident.updated_at)
        relationships: dict[str, Any] = {
            name: {"data": [{"id": value, "type": name} for value in fields.get(key) or ()]}
            for key, name in RELATIONSHIPS.items()
        }
        relationships["events"] = {"data": [{"id": e.id, "type": "incident_events"} for e in incident.events]}
        return {
            "id": incident.id,
            "type": "incidents",
            "attributes": attributes,
            "relationships": relationships,
        }

    def event(self, event: Event) -> dict[str, Any]:
        return {
            "id": event.id,
            "type": "incident_events",
            "attributes": {
                "event": event.event,
                "visibility": event.visibility,
                "occurred_at": iso(event.occurred_at),
                "created_at": iso(event.created_at),
                "updated_at": iso(event.updated_at),
            },
        }

    def page(self, path: str, items: list[dict[str, Any]], page: Page) -> dict[str, Any]:
        """A JSON:API collection: one page of ``items`` with ``links`` and ``meta`` as Rootly sends them."""
        total = len(items)
        pages = math.ceil(total / page.size)
        start = (page.number - 1) * page.size

        def link(number: int) -> str:
            return f"{self.api}{path}?" + urlencode({"page[number]": number, "page[size]": page.size})

        next_page = page.number + 1 if page.number < pages else None
        prev_page = page.number - 1 if 1 < page.number <= pages + 1 else None
        return {
            "data": items[start : start + page.size],
            "links": {
                "self": link(page.number),
                "first": link(1),
                "prev": link(prev_page) if prev_page else None,
                "next": link(next_page) if next_page else None,
                "last": link(pages) if pages else None,
            },
            "meta": {
                "current_page": page.number,
                "next_page": next_page,
                "prev_page": prev_page,
                "total_count": total,
                "total_pages": pages,
                "next_cursor": None,
            },
        }
