"""What each incident.io account configures, read from the API: statuses (each in one of incident.io's
fixed categories, the status words the provider speaks), severities ordered by ``rank`` (the scale a
one-step escalation climbs), and incident roles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Phase
from airflow_incident_provider.vendors import catalogue
from airflow_incident_provider.vendors.base import Request, Response, lookup_status, statuses_named
from airflow_incident_provider.vendors.catalogue import Entry
from airflow_incident_provider.vendors.incidentio.api import NAME

STATUS_PHASES: Mapping[str, Phase] = {
    "triage": Phase.OPEN,
    "live": Phase.ACKNOWLEDGED,
    "paused": Phase.ACKNOWLEDGED,
    "learning": Phase.RESOLVED,
    "closed": Phase.RESOLVED,
    "declined": Phase.RESOLVED,
    "merged": Phase.RESOLVED,
    "canceled": Phase.RESOLVED,
}
"""Status categories and their phases: triage is not yet accepted; live (the app's "Active") is being
worked on; learning (the app's "Post-incident") and the rest are over."""
PHASE_STATUSES: Mapping[Phase, str] = {
    Phase.OPEN: "triage",
    Phase.ACKNOWLEDGED: "live",
    Phase.RESOLVED: "closed",
}
WRITABLE_CATEGORY = "live"
"""The edit endpoint moves an incident "from one active status to another" only; any other lifecycle
change "must be taken via the app" (``IncidentEditPayloadV2.incident_status_id``)."""


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """A status category or a phase (any case) as the category word, or an error naming them all."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)


CATALOGS: Mapping[str, tuple[str, str, str]] = {
    "statuses": ("/v1/incident_statuses", "incident_statuses", "category"),
    "severities": ("/v1/severities", "severities", ""),
    "roles": ("/v2/incident_roles", "incident_roles", "role_type"),
}
"""What the provider reads of the account: each list's endpoint, its key in the answer, and the field read
as an entry's ``kind`` (a status's category, a role's type)."""


def build_catalog(name: str) -> Request:
    return Request("GET", CATALOGS[name][0])


def parse_catalog(name: str, response: Response) -> list[Entry]:
    """The account's statuses, severities (least severe first) or roles."""
    _, key, kind = CATALOGS[name]
    body = response.body if isinstance(response.body, Mapping) else {}
    items: Sequence[Any] = body.get(key) or ()
    entries = [
        Entry(
            str(item["id"]),
            str(item.get("name") or ""),
            int(item.get("rank") or 0),
            str(item.get(kind) or "") if kind else "",
            (str(item.get("shortform") or ""),),
        )
        for item in items
        if isinstance(item, Mapping) and item.get("id")
    ]
    return sorted(entries, key=lambda entry: entry.rank or 0) if name == "severities" else entries


def categories(statuses: Sequence[str]) -> tuple[str, ...]:
    """The categories a list asks for: a category word as is, a phase as every category in it."""
    return statuses_named(statuses, STATUS_PHASES, PHASE_STATUSES, NAME)


def find(value: str, entries: Sequence[Entry], field_name: str, what: str) -> Entry:
    """The entry ``value`` names by id, name or shortform (case-insensitive), or an error listing them."""
    return catalogue.named(
        value, entries, field_name, f"an incident.io {what} of this account; {what}s", NAME, "none configured"
    )


def live_status(value: str, statuses: Sequence[Entry]) -> Entry:
    """The live status ``value`` names: the only kind the API moves an incident to."""
    entry = find(value, statuses, "vendor_fields.incident_status_id", "status")
    if entry.kind != WRITABLE_CATEGORY:
        raise IncidentValidationError(
            "vendor_fields.incident_status_id",
            f"{entry.name!r} is a {entry.kind} status; the API moves an incident only between live (active) "
            "statuses: make other lifecycle changes in the incident.io app",
            vendor=NAME,
        )
    return entry


def next_severity(current: str | None, severities: Sequence[Entry]) -> Entry | None:
    """The severity one rank above ``current`` (an id), the least severe when unset, None at the top."""
    return catalogue.step_up(current, severities, vendor=NAME, display="incident.io")


def rank_of(severity_id: str | None, severities: Sequence[Entry]) -> int | None:
    return next((entry.rank for entry in severities if entry.id == severity_id), None)


def assignee_role(configured: str | None, roles: Sequence[Entry]) -> Entry:
    """The role assignees fill: the connection's ``assignee_role``, else the account's lead role."""
    if configured:
        return find(configured, roles, "assignee_role", "incident role")
    lead = next((entry for entry in roles if entry.kind == "lead"), None)
    if lead is None:
        raise IncidentValidationError(
            "assignee_role", "the account has no lead role: set assignee_role in the connection", vendor=NAME
        )
    return lead
