"""Parsing of Rootly JSON:API bodies and list queries into plain values, with Rootly-style errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import RootlyError, bad_request, short, unprocessable
from .model import KINDS, STATUSES

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
VISIBILITIES = ("internal", "external")

UPDATE_ATTRIBUTES: dict[str, str] = {
    "title": "string",
    "kind": "kind",
    "parent_incident_id": "string",
    "duplicate_incident_id": "string",
    "summary": "string",
    "status": "status",
    "private": "boolean",
    "severity_id": "string",
    "public_title": "string",
    "alert_ids": "ids",
    "environment_ids": "ids",
    "incident_type_ids": "ids",
    "service_ids": "ids",
    "functionality_ids": "ids",
    "muted_service_ids": "ids",
    "group_ids": "ids",
    "cause_ids": "ids",
    "labels": "labels",
    "slack_channel_id": "string",
    "slack_channel_name": "string",
    "slack_channel_url": "string",
    "slack_channel_archived": "boolean",
    "google_drive_parent_id": "string",
    "google_drive_url": "string",
    "jira_issue_key": "string",
    "jira_issue_id": "string",
    "jira_issue_url": "string",
    "scheduled_for": "datetime",
    "scheduled_until": "datetime",
    "in_triage_at": "datetime",
    "started_at": "datetime",
    "detected_at": "datetime",
    "acknowledged_at": "datetime",
    "mitigated_at": "datetime",
    "resolved_at": "datetime",
    "closed_at": "datetime",
    "cancelled_at": "datetime",
    "mitigation_message": "string",
    "resolution_message": "string",
    "cancellation_message": "string",
}
"""The attributes of the spec's ``update_incident`` schema (``additionalProperties: false``), all nullable."""

SORT_FIELDS = ("created_at", "updated_at", "started_at", "in_triage_at", "mitigated_at", "resolved_at")
TIME_FILTERS = (
    "created_at", "updated_at", "started_at", "detected_at", "acknowledged_at", "mitigated_at",
    "resolved_at", "closed_at", "in_triage_at",
)  # fmt: skip
COMPARISONS = ("gt", "gte", "lt", "lte")
WORD_FILTERS = ("status", "kind", "severity", "severity_id", "labels")
"""Filters compared with ``filter[x]``, ``filter[x][eq|not_eq|in|not_in]`` (lists comma-separated); a
label is given as ``key:value`` (the spec declares ``filter[labels]`` as a plain string)."""
ID_FILTERS = {"service_ids": "service_ids", "team_ids": "group_ids"}
"""Filters on an incident's related ids (filter name -> the incident's ``*_ids`` attribute; teams are
Rootly's groups): the plain ``filter[x]`` too takes a comma-separated list, and matches any of its ids."""


# ---------------------------------------------------------------- bodies


def parse_time(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise unprocessable(f"{where} must be an ISO 8601 date-time (got {short(value)}).")


def _document(payload: Any, resource_type: str, *, attributes_required: bool) -> dict[str, Any]:
    """The ``attributes`` of a ``{"data": {"type", "attributes"}}`` document (empty when absent)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise unprocessable("The body must be a JSON:API document with a 'data' object.")
    data = payload["data"]
    if data.get("type") != resource_type:
        raise unprocessable(f"data.type must be {resource_type!r} (got {short(data.get('type'))}).")
    if "attributes" not in data:
        if attributes_required:
            raise unprocessable("data.attributes is required.")
        return {}
    attributes = data["attributes"]
    if not isinstance(attributes, dict):
        raise unprocessable("data.attributes must be an object.")
    return attributes


def _only(attributes: dict[str, Any], allowed: tuple[str, ...] | list[str]) -> None:
    unknown = sorted(key for key in attributes if key not in allowed)
    if unknown:
        raise unprocessable(
            f"Unknown attribute(s): {', '.join(unknown)}. Allowed: {', '.join(allowed) or 'none'}."
        )


def _value(key: str, kind: str, value: Any) -> Any:
    where = f"data.attributes.{key}"
    if value is None:
        return None
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "ids" and isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    if kind == "labels" and isinstance(value, dict):
        return dict(value)
    if kind == "datetime":
        # Rails stores a blank date-time as null; other text that is not ISO 8601 is refused (a sandbox
        # choice: Rails would store null for it just as silently, erasing the time a typo was meant to set).
        return None if isinstance(value, str) and not value.strip() else parse_time(value, where)
    if kind == "kind" and value in KINDS:
        return value
    if kind == "status" and value in STATUSES:
        return value
    expected = {
        "string": "a string",
        "boolean": "a boolean",
        "ids": "an array of strings",
        "labels": "an object",
        "kind": f"one of {', '.join(KINDS)}",
        "status": f"one of {', '.join(STATUSES)}",
    }[kind]
    raise unprocessable(f"{where} must be {expected} or null (got {short(value)}).")


def parse_update(payload: Any) -> dict[str, Any]:
    """The attributes of ``PUT /v1/incidents/{id}``, type-checked; date-times parsed."""
    attributes = _document(payload, "incidents", attributes_required=True)
    _only(attributes, list(UPDATE_ATTRIBUTES))
    return {key: _value(key, UPDATE_ATTRIBUTES[key], value) for key, value in attributes.items()}


CREATE_ONLY: dict[str, str] = {"user_id": "string", "notify_emails": "ids", "url": "string"}
"""Attributes only a create takes: checked, then dropped (the sandbox always acts as the key's user)."""


def parse_create(payload: Any) -> dict[str, Any]:
    """The attributes of ``POST /v1/incidents``: the update's (its messages aside) and the create-only ones,
    type-checked; date-times parsed."""
    attributes = _document(payload, "incidents", attributes_required=True)
    _only(attributes, [*(name for name in UPDATE_ATTRIBUTES if not name.endswith("_message")), *CREATE_ONLY])
    if "url" in attributes and attributes["url"] is None:
        raise unprocessable("data.attributes.url must be a string (got None).")
    for key, kind in CREATE_ONLY.items():
        if key in attributes:
            _value(key, kind, attributes[key])
    return {
        key: _value(key, UPDATE_ATTRIBUTES[key], value)
        for key, value in attributes.items()
        if key not in CREATE_ONLY
    }


def parse_transition(
    payload: Any, message_key: str | None, *, attributes_required: bool = True
) -> str | None:
    """The message of a transition endpoint's body (``resolution_message``...), or None."""
    attributes = _document(payload, "incidents", attributes_required=attributes_required)
    if message_key is None:
        _only(attributes, [])
        return None
    _only(attributes, [message_key])
    message = _value(message_key, "string", attributes.get(message_key))
    return str(message) if message else None


def parse_in_triage(payload: Any) -> None:
    """``{"data": {"type": "incidents"}}``; the spec's body declares nothing else."""
    _document(payload, "incidents", attributes_required=False)


def parse_event(payload: Any) -> tuple[str, str]:
    """``event`` (required) and ``visibility`` (internal by default) of a new incident event."""
    attributes = _document(payload, "incident_events", attributes_required=True)
    _only(attributes, ["event", "visibility"])
    if "event" not in attributes:
        raise unprocessable("data.attributes.event is required.")
    event = attributes["event"]
    if not isinstance(event, str):
        raise unprocessable(f"data.attributes.event must be a string (got {short(event)}).")
    visibility = attributes.get("visibility", "internal")
    if visibility not in VISIBILITIES:
        raise unprocessable(
            f"data.attributes.visibility must be one of {', '.join(VISIBILITIES)} (got {short(visibility)})."
        )
    return event, str(visibility)


def parse_role_assignment(payload: Any) -> tuple[str, str]:
    """``user_id`` and ``incident_role_id`` of ``assign_role_to_user`` / ``unassign_role_from_user``.

    Both are required (a sandbox choice: the spec declares neither required, but without them the call
    names nobody); any string is taken here, and one that names nothing is refused by the lookup."""
    attributes = _document(payload, "incidents", attributes_required=True)
    _only(attributes, ["user_id", "incident_role_id"])
    values = []
    for key in ("user_id", "incident_role_id"):
        value = attributes.get(key)
        if not isinstance(value, str):
            raise unprocessable(f"data.attributes.{key} is required, as a string (got {short(value)}).")
        values.append(value)
    return values[0], values[1]


def parse_include(items: list[tuple[str, str]]) -> set[str]:
    """``include=a,b``: the related resources to add under ``included``."""
    raw = _single(items, "include") or ""
    return {part.strip() for part in raw.split(",") if part.strip()}


# ---------------------------------------------------------------- queries


@dataclass
class Page:
    number: int = 1
    size: int = DEFAULT_PAGE_SIZE


@dataclass
class ListQuery:
    page: Page
    words: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    """filter name -> (operator ``eq``/``not_eq``/``in``/``not_in``, values)."""
    times: list[tuple[str, str, datetime]] = field(default_factory=list)
    """(attribute, comparison, moment)."""
    search: str | None = None
    sort: list[tuple[str, bool]] = field(default_factory=lambda: [("created_at", True)])
    """(attribute, descending); Rootly lists newest first unless told otherwise."""


def _single(items: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in items if key == name]
    return values[-1] if values else None


def _positive(items: list[tuple[str, str]], name: str, default: int) -> int:
    raw = _single(items, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer (got {short(raw)}).") from None
    if value < 1:
        raise bad_request(f"{name} must be at least 1.")
    return value


def parse_page(items: list[tuple[str, str]]) -> Page:
    """``page[number]`` (from 1) and ``page[size]`` (at most 100, larger values are capped)."""
    size = min(_positive(items, "page[size]", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    return Page(_positive(items, "page[number]", 1), size)


def _sort(raw: str | None) -> list[tuple[str, bool]]:
    if not raw:
        return [("created_at", True)]
    sort = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        name = part.removeprefix("-")
        if name not in SORT_FIELDS:
            raise bad_request(f"sort {short(part)} is invalid: use [-]{'|'.join(SORT_FIELDS)}.")
        sort.append((name, part.startswith("-")))
    return sort


def parse_list_query(items: list[tuple[str, str]]) -> ListQuery:
    query = ListQuery(
        page=parse_page(items), search=_single(items, "filter[search]"), sort=_sort(_single(items, "sort"))
    )
    for name in (*WORD_FILTERS, *ID_FILTERS):
        for operator in ("", "eq", "not_eq", "in", "not_in"):
            key = f"filter[{name}]" + (f"[{operator}]" if operator else "")
            raw = _single(items, key)
            if raw is None:
                continue
            listed = operator.endswith("in") or name in ID_FILTERS
            values = {value.strip() for value in raw.split(",")} if listed else {raw}
            query.words[name] = (operator or "eq", values)
    for name in TIME_FILTERS:
        for comparison in COMPARISONS:
            raw = _single(items, f"filter[{name}][{comparison}]")
            if raw is not None:
                try:
                    moment = parse_time(raw.replace(" ", "+"), f"filter[{name}][{comparison}]")
                except RootlyError:
                    raise bad_request(
                        f"filter[{name}][{comparison}] must be an ISO 8601 date-time (got {short(raw)})."
                    ) from None
                query.times.append((name, comparison, moment))
    return query
