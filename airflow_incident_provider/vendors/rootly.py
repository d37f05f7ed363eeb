"""Rootly API v1 (JSON:API): request building and response parsing, no I/O.

The only place that knows Rootly's JSON shapes, status words and lifecycle rules, headers, error
format, rate limit and sensitive fields. Sources: Rootly's OpenAPI 3.0 spec (``swagger/v1/swagger.json``,
as copied in ``rootlyhq/rootly-mcp-server``), docs.rootly.com (API reference, incident status and
lifecycle pages) and the ``PUT /v1/incidents/{id}`` reference page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_incident_provider import connection_defaults as defaults
from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import mark, mark_hidden
from airflow_incident_provider.models import FromTriage, Incident, IncidentCreate, IncidentUpdate, Phase
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    capped_raw,
    lookup_status,
    path_segment,
    scope_ids,
    vendor_field_items,
    wait_from_headers,
)

NAME = "rootly"
DISPLAY_NAME = "Rootly"
BASE_URL = defaults.ROOTLY_BASE_URL
MEDIA_TYPE = "application/vnd.api+json"
"""JSON:API's media type, for request and response bodies alike."""
RATE_LIMIT_PER_MINUTE = 3000
"""Per API key: 3000 reads plus 3000 writes a minute (docs.rootly.com/api-reference); one shared
client-side limiter per credential is seeded with 3000, so reads and writes together never exceed
either budget."""
LIST_PAGE_SIZE = 100
"""``page[size]`` for every listing (incidents, events, severities, roles); Rootly documents no maximum."""
RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset")
"""Both spellings Rootly has used; the value is a UTC epoch in seconds."""

# --- statuses and the lifecycle ---------------------------------------------------------------------

STATUS_PHASES: Mapping[str, Phase] = {
    "in_triage": Phase.OPEN,
    "detected": Phase.OPEN,
    "started": Phase.OPEN,
    "acknowledged": Phase.ACKNOWLEDGED,
    "mitigated": Phase.MITIGATED,
    "resolved": Phase.RESOLVED,
    "closed": Phase.RESOLVED,
    "cancelled": Phase.RESOLVED,
    "scheduled": Phase.OPEN,
    "in_progress": Phase.OPEN,
    "completed": Phase.RESOLVED,
}
"""Every status Rootly reports; the last three belong to scheduled maintenance (read only here)."""
PHASE_STATUSES: Mapping[Phase, str] = {
    Phase.OPEN: "started",
    Phase.ACKNOWLEDGED: "acknowledged",
    Phase.MITIGATED: "mitigated",
    Phase.RESOLVED: "resolved",
}
"""The status written for a phase."""
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "completed")
WRITABLE_STATUSES: Mapping[str, Phase] = {
    status: phase for status, phase in STATUS_PHASES.items() if status not in MAINTENANCE_STATUSES
}
TERMINAL_STATUSES = ("resolved", "closed", "cancelled")
"""Final unless the incident is restarted (``PUT /v1/incidents/{id}/restart``)."""
TRIAGE = "in_triage"
RESTARTED_STATUS = "started"
"""Where ``/restart`` leaves an incident."""
KINDS = (
    "test",
    "test_sub",
    "example",
    "example_sub",
    "normal",
    "normal_sub",
    "backfilled",
    "scheduled",
    "scheduled_sub",
)

STATUS_ENDPOINTS: Mapping[str, str] = {
    "resolved": "resolve",
    "mitigated": "mitigate",
    "cancelled": "cancel",
    "in_triage": "in_triage",
}
"""Statuses reached through their own endpoint (``PUT /v1/incidents/{id}/<action>``, which takes the
transition's message); every other status is written with a ``PUT`` of ``status``. Reopening uses
``/restart``."""
MESSAGE_ATTRIBUTES: Mapping[str, str] = {
    "resolve": "resolution_message",
    "mitigate": "mitigation_message",
    "cancel": "cancellation_message",
}
STEP_NAMES: Mapping[str, str] = {
    "in_triage": "triage",
    "detected": "detect",
    "started": "start",
    "acknowledged": "acknowledge",
    "mitigated": "mitigate",
    "resolved": "resolve",
    "closed": "close",
    "cancelled": "cancel",
}
"""The name of the step that moves an incident to each status, as reported in ``steps``."""


@dataclass(frozen=True)
class Transition:
    """One request of a status change: an endpoint (``action``) or a ``PUT`` of ``status``."""

    name: str
    action: str
    status: str

    @property
    def by_status_put(self) -> bool:
        return self.action == "status"


def _transition_to(status: str) -> Transition:
    return Transition(STEP_NAMES[status], STATUS_ENDPOINTS.get(status, "status"), status)


RESTART = Transition("restart", "restart", RESTARTED_STATUS)

# --- identity, errors and sensitive data ------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SLUG = re.compile(r"[a-z0-9_-]+")
"""The spec's incident ``id`` path parameter: a UUID or a slug matching ``^[a-z0-9_-]+$``."""

CONFLICT_CODES: frozenset[str] = frozenset()
"""Rootly documents no error codes; a 409 is a conflict by its status alone."""

SENSITIVE_FIELDS = (
    "zoom_meeting_password",
    "zoom_meeting_pstn_password",
    "zoom_meeting_h323_password",
    "zoom_meeting_start_url",
    "zoom_meeting_join_url",
    "google_meeting_url",
    "webex_meeting_url",
    "microsoft_teams_meeting_url",
)
"""Meeting passwords, and the meeting links that embed a password or host key: never copied into XCom."""

VENDOR_FIELDS: Mapping[str, str] = {
    "kind": "kind",
    "parent_incident_id": "string",
    "duplicate_incident_id": "string",
    "private": "boolean",
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
"""Attributes of ``PUT /v1/incidents/{id}`` reachable through ``vendor_fields``, each with the type of
value it takes; the spec makes every one nullable, so ``None`` clears it (but see ``NOT_NULLABLE``)."""
NOT_NULLABLE = frozenset({"kind"})
"""Attributes whose spec schema is an enum without null: OpenAPI 3.0 validators refuse null there."""
_ARGUMENT_FIELDS: Mapping[str, str] = {
    "title": "title",
    "summary": "description",
    "status": "status",
    "severity_id": "severity",
}


# --- authentication and headers ---------------------------------------------------------------------


def headers(token: str) -> dict[str, str]:
    """Every request: the JSON:API media type both ways (as Rootly's examples send it) and the key."""
    return {"Accept": MEDIA_TYPE, "Content-Type": MEDIA_TYPE, "Authorization": f"Bearer {token}"}


def retry_after(response: Response, now: float | None = None) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` if sent, else the rate-limit reset (an epoch)."""
    return wait_from_headers(response.headers, reset_headers=RESET_HEADERS, now=now)


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """Rootly's ``{"errors": [{"title", "status", "code"?, "detail"?}]}`` as (message, code, details).

    A 429 carries ``{"error": "Rate limit exceeded. Try again later."}`` instead.
    """
    body = response.body
    if isinstance(body, Mapping):
        errors = [item for item in body.get("errors") or () if isinstance(item, Mapping)]
        if errors:
            first = errors[0]
            code = first.get("code")
            details: list[str] = []
            for index, error in enumerate(errors):
                if error.get("detail"):
                    details.append(str(error["detail"]))
                elif index and error.get("title"):
                    details.append(str(error["title"]))
            message = str(first.get("title") or "") or f"HTTP {response.status}"
            return message, str(code) if code not in (None, "") else None, tuple(details)
        rate_limited = body.get("error")
        if isinstance(rate_limited, str) and rate_limited:
            return rate_limited, None, ()
    return f"HTTP {response.status} with no error body", None, ()


def is_conflict(code: str | None) -> bool:
    """Whether a Rootly error code means a state conflict rather than bad input."""
    return code is not None and code in CONFLICT_CODES


# --- reading ----------------------------------------------------------------------------------------


def incident_id_from_ref(ref: str) -> str:
    """Rootly incidents are addressed by id (a UUID) or slug alone, so the ref is the id; path-encoded."""
    if isinstance(ref, str) and not (_UUID.fullmatch(ref.strip()) or _SLUG.fullmatch(ref.strip())):
        raise IncidentValidationError(
            "incident_id",
            f"{ref[:80]!r} is neither a Rootly incident id (a UUID) nor a slug (lower-case letters, digits, "
            "'-' and '_')",
            vendor=NAME,
        )
    return path_segment(ref, "incident_id", NAME)


def _incident_path(ref: str, suffix: str = "") -> str:
    return f"/v1/incidents/{incident_id_from_ref(ref)}{suffix}"


def build_get(ref: str) -> Request:
    return Request("GET", _incident_path(ref))


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _severity_name(value: Any) -> str | None:
    """The incident's severity: a JSON:API ``{"data": {"attributes": {"name", "slug"}}}`` (or a word)."""
    if isinstance(value, str):
        return value or None
    if not isinstance(value, Mapping):
        return None
    data = value.get("data", value)
    attributes = data.get("attributes", data) if isinstance(data, Mapping) else None
    if not isinstance(attributes, Mapping):
        return None
    name = attributes.get("name") or attributes.get("slug")
    return str(name) if name else None


def incident_from_json(data: Mapping[str, Any], *, include_raw: bool = False) -> Incident:
    """One JSON:API incident resource (``{"id", "type", "attributes"}``) as the normalized ``Incident``."""
    attributes = data.get("attributes")
    if not isinstance(attributes, Mapping):
        raise ValueError("Rootly incident has no 'attributes' object")
    status = str(attributes.get("status") or "").lower()
    phase = STATUS_PHASES.get(status, Phase.OPEN)
    resolved_at = None
    if phase is Phase.RESOLVED:
        resolved_at = _timestamp(
            attributes.get("resolved_at") or attributes.get("cancelled_at") or attributes.get("closed_at")
        )
    return Incident(
        vendor=NAME,
        id=str(data["id"]),
        ref=str(data["id"]),
        title=attributes.get("title"),
        status=status,
        phase=phase,
        severity=_severity_name(attributes.get("severity")),
        assignees=(),
        url=attributes.get("url") or attributes.get("short_url"),
        created_at=_timestamp(attributes.get("created_at")),
        updated_at=_timestamp(attributes.get("updated_at")),
        resolved_at=resolved_at,
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def parse_incident(response: Response, *, include_raw: bool = False) -> Incident:
    """The ``{"data": {...}}`` body of a get, update or transition response."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise ValueError("Rootly response has no 'data' object")
    return incident_from_json(body["data"], include_raw=include_raw)


def next_page(response: Response) -> int | None:
    """``meta.next_page`` of a list response: the page number to ask for next, None on the last page."""
    body = response.body if isinstance(response.body, Mapping) else {}
    meta = body.get("meta")
    value = meta.get("next_page") if isinstance(meta, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _resources(response: Response) -> list[Mapping[str, Any]]:
    body = response.body if isinstance(response.body, Mapping) else {}
    return [item for item in body.get("data") or () if isinstance(item, Mapping)]


def _paging(page: int, page_size: int) -> tuple[tuple[str, str], ...]:
    return (("page[number]", str(page)), ("page[size]", str(page_size)))


def list_statuses(statuses: Sequence[str]) -> list[str]:
    """The Rootly words to list for status words or phases: a Rootly word means itself, and a phase
    that is not a Rootly word (``open``) means every status of that phase."""
    words: dict[str, None] = {}
    for word in statuses:
        lowered = word.strip().lower()
        if lowered in STATUS_PHASES:
            words[lowered] = None
            continue
        phases = [phase for phase in Phase if phase.value == lowered]
        if not phases:
            lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, "statuses")  # raises, listing words
        words.update({status: None for status, phase in STATUS_PHASES.items() if phase in phases})
    return list(words)


def _iso(moment: datetime) -> str:
    """A naive datetime is taken as UTC, as Airflow's own dates are."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).isoformat()


def build_list(
    *,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    page: int,
    page_size: int,
    services: Sequence[str] = (),
    teams: Sequence[str] = (),
) -> Request:
    """One page of ``GET /v1/incidents``, oldest first; one status per request (``filter[status]``).

    ``services`` and ``teams`` (ids) scope the list with ``filter[service_ids]`` and
    ``filter[team_ids]``, each one comma-separated string (the spec types both as strings): incidents
    of any of the services, and of any of the teams (Rootly's "groups").
    """
    params: list[tuple[str, str]] = [*_paging(page, page_size), ("sort", "created_at")]
    if status is not None:
        params.append(("filter[status]", status))
    for name, field_name, ids in (("service_ids", "services", services), ("team_ids", "teams", teams)):
        scoped = scope_ids(ids, field_name, NAME, separator=",")
        if scoped:
            params.append((f"filter[{name}]", ",".join(scoped)))
    if since is not None:
        params.append(("filter[created_at][gte]", _iso(since)))
    if until is not None:
        params.append(("filter[created_at][lte]", _iso(until)))
    return Request("GET", "/v1/incidents", params=tuple(params))


def parse_list(response: Response, *, include_raw: bool = False) -> tuple[list[Incident], int | None]:
    """A page of incidents and the next page number (None on the last page)."""
    incidents = [incident_from_json(item, include_raw=include_raw) for item in _resources(response)]
    return incidents, next_page(response)


def build_severities(page: int) -> Request:
    return Request("GET", "/v1/severities", params=_paging(page, LIST_PAGE_SIZE))


def _position(value: Any) -> str:
    """A ``position`` as text ("" when absent), so a severity stays a ``dict[str, str]``."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def parse_severities(response: Response) -> tuple[list[dict[str, str]], int | None]:
    """Severities as ``{"id", "slug", "name", "position"}`` and the next page number."""
    severities = []
    for item in _resources(response):
        found = item.get("attributes")
        attributes: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        if "id" in item:
            severities.append(
                {
                    "id": str(item["id"]),
                    "slug": str(attributes.get("slug") or ""),
                    "name": str(attributes.get("name") or ""),
                    "position": _position(attributes.get("position")),
                }
            )
    return severities, next_page(response)


def severity_id(value: str, severities: Sequence[Mapping[str, str]]) -> str:
    """The id of the severity named by ``value``: its id, slug or name (case-insensitive)."""
    wanted = value.strip()
    for severity in severities:
        if severity["id"] == wanted or wanted.lower() in (severity["slug"].lower(), severity["name"].lower()):
            return severity["id"]
    names = ", ".join(f"{s['name']} ({s['slug']})" for s in severities) or "none defined"
    raise IncidentValidationError(
        "severity", f"{value!r} is not a Rootly severity id, slug or name; severities: {names}", vendor=NAME
    )


def build_connection_check() -> Request:
    """The cheapest call that proves the key can read incidents."""
    return Request("GET", "/v1/incidents", params=(("page[size]", "1"),))


# --- writing: validation ----------------------------------------------------------------------------


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """The Rootly status to write for a status word or phase; maintenance statuses are read only."""
    if word.strip().lower() in MAINTENANCE_STATUSES:
        raise IncidentValidationError(
            field_name,
            f"{word!r} is a scheduled-maintenance status, which this provider only reads; writable: "
            f"{', '.join(WRITABLE_STATUSES)}",
            vendor=NAME,
        )
    return lookup_status(word, WRITABLE_STATUSES, PHASE_STATUSES, NAME, field_name)


def _datetime(value: Any, field_name: str) -> str:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, str):
        try:
            return _iso(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            pass
    raise IncidentValidationError(field_name, f"{value!r} is not an ISO 8601 date-time", vendor=NAME)


def _vendor_value(key: str, kind: str, value: Any) -> Any:
    field_name = f"vendor_fields.{key}"
    if value is None and key not in NOT_NULLABLE:
        return None
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "kind" and isinstance(value, str) and value.strip().lower() in KINDS:
        return value.strip().lower()
    if kind == "datetime":
        return _datetime(value, field_name)
    if (
        kind == "ids"
        and isinstance(value, list | tuple)
        and all(isinstance(item, str) and item.strip() for item in value)
    ):
        return [item.strip() for item in value]
    if (
        kind == "labels"
        and isinstance(value, Mapping)
        and all(isinstance(k, str) and k and isinstance(v, str) for k, v in value.items())
    ):
        return dict(value)
    expected = {
        "string": "a string",
        "boolean": "true or false",
        "kind": f"one of {', '.join(KINDS)}",
        "ids": "a list of non-empty id strings",
        "labels": "a dict of string keys to string values",
    }[kind]
    nullable = "" if key in NOT_NULLABLE else " or None"
    raise IncidentValidationError(
        field_name, f"must be {expected}{nullable} (got {value!r:.80})", vendor=NAME
    )


def validate_vendor_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``vendor_fields`` against the attributes of ``PUT /v1/incidents/{id}``; return them as sent."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=_ARGUMENT_FIELDS,
        what="a Rootly incident attribute",
    ):
        result[key] = _vendor_value(key, VENDOR_FIELDS[key], value)
    started, mitigated = result.get("started_at"), result.get("mitigated_at")
    if started and mitigated and datetime.fromisoformat(mitigated) < datetime.fromisoformat(started):
        raise IncidentValidationError(
            "vendor_fields.mitigated_at", "Rootly requires mitigated_at >= started_at", vendor=NAME
        )
    return result


def validate_note(note: str) -> None:
    if not isinstance(note, str) or not note.strip():
        raise IncidentValidationError("note", "must be non-empty text", vendor=NAME)


def validate_message(message: str | None, field_name: str) -> None:
    if message is not None and not isinstance(message, str):
        raise IncidentValidationError(field_name, "must be text", vendor=NAME)


_MESSAGE_TARGETS = ("resolved", "closed", "cancelled", "mitigated")


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything about an update that can be checked without the incident or the network.

    Returns the validated vendor fields. Raises before any request for a field Rootly cannot take.
    """
    if update.assignees is not None:
        raise UnsupportedOperationError(
            "Rootly incidents have no assignee field: responders hold incident roles "
            "(POST /v1/incidents/{id}/assign_role_to_user); use ReassignIncidentOperator "
            "(hook.reassign_incident), which fills the connection's assignee_role, the incident "
            "commander by default"
        )
    if update.title is not None and not update.title.strip():
        raise IncidentValidationError("title", "must not be empty", vendor=NAME)
    if update.status is not None:
        target = to_vendor_status(update.status)
        if update.resolution is not None and target not in _MESSAGE_TARGETS:
            raise IncidentValidationError(
                "resolution",
                f"Rootly takes a message only when the status becomes {', '.join(_MESSAGE_TARGETS)}",
                vendor=NAME,
            )
    elif update.resolution is not None:
        raise IncidentValidationError(
            "resolution", "give a status (resolved, closed, cancelled or mitigated) with it", vendor=NAME
        )
    validate_message(update.resolution, "resolution")
    if update.severity is not None and not update.severity.strip():
        raise IncidentValidationError("severity", "must be a severity id, slug or name", vendor=NAME)
    if update.note is not None:
        validate_note(update.note)
    return validate_vendor_fields(update.vendor_fields)


def update_attributes(
    update: IncidentUpdate, fields: Mapping[str, Any], *, severity: str | None, current: Incident | None
) -> dict[str, Any]:
    """The attributes for ``PUT /v1/incidents/{id}`` (status aside), leaving out a title already set."""
    attributes: dict[str, Any] = {}
    if update.title is not None and (current is None or current.title != update.title):
        attributes["title"] = update.title
    if update.description is not None:
        attributes["summary"] = update.description
    if severity is not None:
        attributes["severity_id"] = severity
    attributes.update(fields)
    return attributes


def transition_plan(
    current: str, target: str, *, allow_reopen: bool, from_triage: FromTriage
) -> list[Transition]:
    """The requests that move an incident from ``current`` to ``target`` status, in order.

    Rootly refuses in_triage -> resolved (the incident is started first, cancelled, or the call fails,
    per ``from_triage``); resolved, closed and cancelled are final unless restarted, which needs
    ``allow_reopen``; closed comes only after resolved.
    """
    if current == target:
        return []
    if current in MAINTENANCE_STATUSES:
        raise UnsupportedOperationError(
            f"the incident is scheduled maintenance ({current}); its statuses (scheduled, in_progress, "
            "completed) are only read by this provider: change it in Rootly"
        )
    if current in TERMINAL_STATUSES:
        if current == "resolved" and target == "closed":
            return [_transition_to("closed")]
        if target == "resolved":
            return []  # closed and cancelled are already past resolved
        if not allow_reopen:
            raise IncidentValidationError(
                "status",
                f"{target!r} would reopen an incident that is {current}; pass allow_reopen=True to restart "
                "it (PUT /v1/incidents/{id}/restart) on purpose",
                vendor=NAME,
            )
        return [
            RESTART,
            *transition_plan(RESTARTED_STATUS, target, allow_reopen=False, from_triage=from_triage),
        ]
    if target == "resolved":
        if current != TRIAGE:
            return [_transition_to("resolved")]
        if from_triage == "fail":
            raise IncidentValidationError(
                "from_triage",
                "the incident is in_triage and Rootly refuses in_triage -> resolved; use from_triage='start' "
                "(start it, then resolve) or 'cancel' (cancel it with the resolution as the reason)",
                vendor=NAME,
            )
        if from_triage == "cancel":
            return [_transition_to("cancelled")]
        return [_transition_to("started"), _transition_to("resolved")]
    if target == "closed":
        plan = transition_plan(current, "resolved", allow_reopen=allow_reopen, from_triage=from_triage)
        if plan[-1].status != "resolved":
            raise IncidentValidationError(
                "from_triage",
                "'cancel' cannot close an incident: only a resolved incident is closed",
                vendor=NAME,
            )
        return [*plan, _transition_to("closed")]
    return [_transition_to(target)]


# --- writing: requests ------------------------------------------------------------------------------


def _document(resource_type: str, attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": resource_type}
    if attributes is not None:
        data["attributes"] = dict(attributes)
    return {"data": data}


def build_update(ref: str, attributes: Mapping[str, Any]) -> Request:
    """``PUT /v1/incidents/{id}`` with the attributes in a JSON:API document."""
    return Request("PUT", _incident_path(ref), json=_document("incidents", attributes), write=True)


def build_transition(ref: str, transition: Transition, message: str | None = None) -> Request:
    """The request of one transition: its endpoint with its message attribute, or a ``PUT`` of status."""
    if transition.by_status_put:
        return build_update(ref, {"status": transition.status})
    attributes: dict[str, Any] | None = {}
    if transition.action == "in_triage":
        attributes = None  # the spec's in_triage body has no attributes
    elif transition.action in MESSAGE_ATTRIBUTES and message is not None:
        attributes = {MESSAGE_ATTRIBUTES[transition.action]: message}
    return Request(
        "PUT",
        _incident_path(ref, f"/{transition.action}"),
        json=_document("incidents", attributes),
        write=True,
    )


def event_text(text: str, idempotency_key: str | None, *, public: bool) -> str:
    """The event with its idempotency marker: visible on internal events, hidden in external ones."""
    if not idempotency_key:
        return text
    return mark_hidden(text, idempotency_key) if public else mark(text, idempotency_key)


def build_event(ref: str, text: str, *, public: bool) -> Request:
    """``POST /v1/incidents/{id}/events``: internal unless ``public``; not idempotent, so marked."""
    validate_note(text)
    attributes = {"event": text, "visibility": "external" if public else "internal"}
    return Request(
        "POST",
        _incident_path(ref, "/events"),
        json=_document("incident_events", attributes),
        write=True,
        idempotent=False,
    )


def build_list_events(ref: str, page: int) -> Request:
    return Request("GET", _incident_path(ref, "/events"), params=_paging(page, LIST_PAGE_SIZE))


def parse_events(response: Response) -> tuple[list[str], int | None]:
    """The text of each event on the page and the next page number."""
    events = []
    for item in _resources(response):
        attributes = item.get("attributes")
        if isinstance(attributes, Mapping):
            events.append(str(attributes.get("event") or ""))
    return events, next_page(response)


# --- creating ---------------------------------------------------------------------------------------

CREATE_STATUS = "started"
"""The status a new incident is created in: the provider opens incidents that are being worked on."""
DEDUP_LABEL = "airflow-dedup"
"""The label key a create's dedup key is stored under: ``labels: {"airflow-dedup": <key>}``."""
DEDUP_SCAN_PAGES = 3
"""How many pages (newest first) of the ``filter[labels]`` listing are searched for a dedup key. The
spec declares ``filter[labels]`` without a format; the provider sends ``<key>:<value>`` and checks
each incident's labels itself, so a server that ignored the filter would cost at most these pages."""
_DEDUP_KEY = re.compile(r"[A-Za-z0-9._~/@+=-]{1,128}")
"""Dedup keys are stored as a label value and sent in ``filter[labels]``: no ``:`` or ``,`` (the
filter's separators), no spaces."""
CREATE_VENDOR_FIELDS: Mapping[str, str] = {
    key: kind for key, kind in VENDOR_FIELDS.items() if key not in MESSAGE_ATTRIBUTES.values()
}
"""``vendor_fields`` a create takes: the update attributes the spec's ``new_incident`` also has (not the
three transition messages)."""
_CREATE_ARGUMENT_FIELDS: Mapping[str, str | None] = {**_ARGUMENT_FIELDS, "status": None}


def validate_dedup_key(key: str) -> str:
    if not isinstance(key, str) or not _DEDUP_KEY.fullmatch(key):
        raise IncidentValidationError(
            "dedup_key",
            f"{str(key)[:80]!r} must be 1 to 128 letters, digits or . _ ~ / @ + = - (it is stored as a "
            f"Rootly label value and looked up with filter[labels])",
            vendor=NAME,
        )
    return key


def validate_assignees(assignees: Sequence[str]) -> tuple[str, ...]:
    """Rootly user ids: at least one, each a non-empty string without spaces."""
    users = tuple(assignees)
    if not users or not all(
        isinstance(user, str) and user.strip() and " " not in user.strip() for user in users
    ):
        raise IncidentValidationError(
            "assignees", f"must be one or more Rootly user ids (got {users!r:.80})", vendor=NAME
        )
    return tuple(dict.fromkeys(user.strip() for user in users))


def validate_create(create: IncidentCreate) -> dict[str, Any]:
    """Everything about a create that can be checked without the network; returns the vendor fields."""
    if not isinstance(create.title, str) or not create.title.strip():
        raise IncidentValidationError("title", "must be non-empty text", vendor=NAME)
    validate_message(create.description, "description")
    if create.severity is not None and not create.severity.strip():
        raise IncidentValidationError("severity", "must be a severity id, slug or name", vendor=NAME)
    if create.assignees is not None:
        validate_assignees(create.assignees)
    if create.dedup_key is not None:
        validate_dedup_key(create.dedup_key)
    fields: dict[str, Any] = {}
    for key, value in vendor_field_items(
        create.vendor_fields,
        vendor=NAME,
        allowed=CREATE_VENDOR_FIELDS,
        arguments=_CREATE_ARGUMENT_FIELDS,
        what="a Rootly new-incident attribute",
    ):
        fields[key] = _vendor_value(key, CREATE_VENDOR_FIELDS[key], value)
    if DEDUP_LABEL in (fields.get("labels") or {}):
        raise IncidentValidationError(
            f"vendor_fields.labels.{DEDUP_LABEL}",
            "is set by the provider: use the dedup_key argument",
            vendor=NAME,
        )
    return validate_vendor_fields(fields)


def create_attributes(
    create: IncidentCreate, fields: Mapping[str, Any], *, severity: str | None
) -> dict[str, Any]:
    """The attributes of ``POST /v1/incidents``; the dedup key joins the caller's labels."""
    attributes: dict[str, Any] = {"title": create.title, "status": CREATE_STATUS}
    if create.description is not None:
        attributes["summary"] = create.description
    if severity is not None:
        attributes["severity_id"] = severity
    attributes.update(fields)
    if create.dedup_key is not None:
        attributes["labels"] = {**(attributes.get("labels") or {}), DEDUP_LABEL: create.dedup_key}
    return attributes


def build_create(attributes: Mapping[str, Any]) -> Request:
    """``POST /v1/incidents``: not idempotent, so a dedup key is looked for before it is sent again."""
    return Request(
        "POST", "/v1/incidents", json=_document("incidents", attributes), write=True, idempotent=False
    )


def build_find_dedup(key: str, page: int) -> Request:
    """A page of the incidents labelled with ``key``, newest first."""
    params = (
        *_paging(page, LIST_PAGE_SIZE),
        ("sort", "-created_at"),
        ("filter[labels]", f"{DEDUP_LABEL}:{key}"),
    )
    return Request("GET", "/v1/incidents", params=params)


def parse_dedup_matches(
    response: Response, key: str, *, include_raw: bool = False
) -> tuple[list[Incident], int | None]:
    """The incidents of a page whose labels really carry ``key``, and the next page number."""
    found = []
    for item in _resources(response):
        attributes = item.get("attributes")
        labels = attributes.get("labels") if isinstance(attributes, Mapping) else None
        if isinstance(labels, Mapping) and labels.get(DEDUP_LABEL) == key:
            found.append(incident_from_json(item, include_raw=include_raw))
    return found, next_page(response)


# --- escalating: the severity scale -----------------------------------------------------------------


def severity_scale(severities: Sequence[Mapping[str, str]]) -> list[Mapping[str, str]]:
    """Rootly's severities from least to most severe: the one place their order is decided.

    Rootly orders severities by ``position``, most severe first (its default ``SEV0`` leads); so the
    scale is ``position`` descending. Severities without a position rank below every positioned one,
    the first listed by ``GET /v1/severities`` being the more severe.
    """
    positioned = [s for s in severities if s.get("position", "")]
    unpositioned = [s for s in severities if not s.get("position", "")]
    ordered = sorted(positioned, key=lambda s: int(s["position"]), reverse=True)
    return [*reversed(unpositioned), *ordered]


def next_severity(current: str | None, severities: Sequence[Mapping[str, str]]) -> str | None:
    """The id one step more severe than ``current`` (an id), or None at the top of the scale.

    An incident without a severity (or with one no longer defined) steps onto the least severe one.
    """
    scale = [s["id"] for s in severity_scale(severities)]
    if not scale:
        raise IncidentValidationError(
            "severity", "the Rootly account defines no severities to escalate through", vendor=NAME
        )
    if current not in scale:
        return scale[0]
    index = scale.index(current)
    return scale[index + 1] if index + 1 < len(scale) else None


def is_lower(target: str, current: str | None, severities: Sequence[Mapping[str, str]]) -> bool:
    """Whether ``target`` is less severe than ``current``: an escalation never lowers a severity."""
    scale = [s["id"] for s in severity_scale(severities)]
    return current in scale and target in scale and scale.index(target) < scale.index(current)


def severity_label(severity: str | None, severities: Sequence[Mapping[str, str]]) -> str:
    """A severity id as its name, for step details."""
    found = next((s for s in severities if s["id"] == severity), None)
    return (found["name"] or found["slug"] or found["id"]) if found else "none"


def current_severity_id(response: Response) -> str | None:
    """The id of the incident's severity (``data.attributes.severity.data.id``), None when unset."""
    body = response.body if isinstance(response.body, Mapping) else {}
    data = body.get("data")
    attributes = data.get("attributes") if isinstance(data, Mapping) else None
    severity = attributes.get("severity") if isinstance(attributes, Mapping) else None
    inner = severity.get("data", severity) if isinstance(severity, Mapping) else None
    value = inner.get("id") if isinstance(inner, Mapping) else None
    return str(value) if value else None


def refuse_escalation_level() -> UnsupportedOperationError:
    return UnsupportedOperationError(
        "Rootly has no escalation levels (escalation_level is PagerDuty's): pass severity=... to set a "
        "Rootly severity, or no target to raise the incident one step up its severities"
    )


# --- reassigning: incident roles ---------------------------------------------------------------------

ASSIGNEE_ROLE_EXTRA = "assignee_role"
"""The connection extra naming the incident role that ``assignees`` fill (its id, slug or name)."""
DEFAULT_ASSIGNEE_ROLES = ("commander", "incident-commander", "incident commander")
"""Without the extra: the incident commander role, found by slug or name (first match wins)."""
ROLE_ASSIGNMENT_TYPE = "incident_role_assignments"
"""The type of the role holders ``GET /v1/incidents/{id}?include=roles`` returns in ``included``; the
spec documents ``include=roles`` but not this resource's shape, so reassigning reads it back."""


@dataclass(frozen=True)
class IncidentRole:
    """An incident role (``GET /v1/incident_roles``)."""

    id: str
    slug: str
    name: str
    multiple: bool
    """``allow_multi_user_assignment``: whether more than one user may hold it."""


def build_incident_roles(page: int) -> Request:
    return Request("GET", "/v1/incident_roles", params=_paging(page, LIST_PAGE_SIZE))


def parse_incident_roles(response: Response) -> tuple[list[IncidentRole], int | None]:
    """Enabled roles of the page and the next page number."""
    roles = []
    for item in _resources(response):
        found = item.get("attributes")
        attributes: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        if "id" in item and attributes.get("enabled", True) is not False:
            roles.append(
                IncidentRole(
                    id=str(item["id"]),
                    slug=str(attributes.get("slug") or ""),
                    name=str(attributes.get("name") or ""),
                    multiple=bool(attributes.get("allow_multi_user_assignment")),
                )
            )
    return roles, next_page(response)


def assignee_role(configured: object, roles: Sequence[IncidentRole]) -> IncidentRole:
    """The role ``assignees`` fill: the connection's ``assignee_role`` (id, slug or name) or the default."""
    if configured is not None and not isinstance(configured, str):
        raise IncidentValidationError(ASSIGNEE_ROLE_EXTRA, "must be a role id, slug or name", vendor=NAME)
    wanted = (configured.strip().lower(),) if configured else DEFAULT_ASSIGNEE_ROLES
    for word in wanted:
        for role in roles:
            if word in (role.id.lower(), role.slug.lower(), role.name.lower()):
                return role
    names = ", ".join(f"{r.name} ({r.slug})" for r in roles) or "none enabled"
    what = f"{configured!r} is not" if configured else "no incident commander role is"
    raise IncidentValidationError(
        ASSIGNEE_ROLE_EXTRA,
        f"{what} an enabled Rootly incident role; set the connection extra {ASSIGNEE_ROLE_EXTRA!r} to one "
        f"of: {names}",
        vendor=NAME,
    )


def check_role_capacity(role: IncidentRole, users: Sequence[str]) -> None:
    if len(users) > 1 and not role.multiple:
        raise IncidentValidationError(
            "assignees",
            f"the Rootly incident role {role.name!r} holds one user (allow_multi_user_assignment is off); "
            f"got {len(users)}",
            vendor=NAME,
        )


def build_get_with_roles(ref: str) -> Request:
    """``GET /v1/incidents/{id}?include=roles``: the incident and its role holders."""
    return Request("GET", _incident_path(ref), params=(("include", "roles"),))


def _related_id(resource: Mapping[str, Any], name: str) -> str | None:
    """The id of ``name`` (``user``, ``incident_role``) in a relationship, or in the attributes as an
    object or as ``<name>_id``: the assignment's shape is not in the spec, so every JSON:API form counts."""
    for section in ("relationships", "attributes"):
        container = resource.get(section)
        if not isinstance(container, Mapping):
            continue
        value = container.get(name)
        if isinstance(value, Mapping):
            inner = value.get("data", value)
            if isinstance(inner, Mapping) and inner.get("id") is not None:
                return str(inner["id"])
        if container.get(f"{name}_id") is not None:
            return str(container[f"{name}_id"])
    return None


def role_holders(response: Response, role_id: str) -> tuple[str, ...]:
    """The ids of the users holding ``role_id``, from the ``included`` of a ``include=roles`` read."""
    body = response.body if isinstance(response.body, Mapping) else {}
    holders: dict[str, None] = {}
    for item in body.get("included") or ():
        if isinstance(item, Mapping) and item.get("type") == ROLE_ASSIGNMENT_TYPE:
            user = _related_id(item, "user")
            if user is not None and _related_id(item, "incident_role") == role_id:
                holders[user] = None
    return tuple(holders)


def _role_document(user_id: str, role_id: str) -> dict[str, Any]:
    return _document("incidents", {"user_id": user_id, "incident_role_id": role_id})


def build_assign_role(ref: str, user_id: str, role_id: str) -> Request:
    """``POST /v1/incidents/{id}/assign_role_to_user``: assigning a holder again changes nothing."""
    return Request(
        "POST", _incident_path(ref, "/assign_role_to_user"), json=_role_document(user_id, role_id), write=True
    )


def build_unassign_role(ref: str, user_id: str, role_id: str) -> Request:
    """``DELETE /v1/incidents/{id}/unassign_role_from_user`` (the spec gives this DELETE a body)."""
    return Request(
        "DELETE",
        _incident_path(ref, "/unassign_role_from_user"),
        json=_role_document(user_id, role_id),
        write=True,
    )
