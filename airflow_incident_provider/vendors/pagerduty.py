"""PagerDuty REST API v2: request building and response parsing, no I/O.

The only place that knows PagerDuty's JSON shapes, status words, headers, error codes and limits.
Sources: PagerDuty's OpenAPI spec (``PagerDuty/api-schema``), its developer docs on authentication,
rate limits and errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from airflow_incident_provider import connection_defaults as defaults
from airflow_incident_provider.exceptions import (
    IncidentValidationError,
    UnsupportedOperationError,
    VendorError,
)
from airflow_incident_provider.models import Escalation, Incident, IncidentCreate, IncidentUpdate, Phase
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

NAME = "pagerduty"
DISPLAY_NAME = "PagerDuty"
BASE_URLS = defaults.PAGERDUTY_BASE_URLS
DEFAULT_REGION = defaults.PAGERDUTY_REGION
ACCEPT = "application/vnd.pagerduty+json;version=2"
RATE_LIMIT_PER_MINUTE = 960
"""Per API key, per user and per app-token x account (developer docs, 04-Rate-Limits)."""

STATUS_PHASES: Mapping[str, Phase] = {
    "triggered": Phase.OPEN,
    "acknowledged": Phase.ACKNOWLEDGED,
    "resolved": Phase.RESOLVED,
}
PHASE_STATUSES: Mapping[Phase, str] = {phase: status for status, phase in STATUS_PHASES.items()}
URGENCIES = ("low", "high")
"""PagerDuty's urgencies, least urgent first: the first rungs of the escalation scale.

One step of escalation (:func:`one_step_target`) climbs this tuple, then the account's priorities from
the least to the most severe (``GET /priorities`` lists them most severe first); the most severe
priority at high urgency is the top.
"""
LIST_PAGE_SIZE = 100
"""The largest ``limit`` PagerDuty accepts on ``GET /incidents``."""
NOTE_MAX_LENGTH = 25_000
TITLE_MAX_LENGTH = 1024
INCIDENT_KEY_MAX_LENGTH = 255
"""The REST spec gives no limit for ``incident_key``; 255 is the Events API's limit for the same key."""

ERROR_CODES: Mapping[int, str] = {
    1001: "Incident Already Resolved",
    1002: "Incident Already Acknowledged",
    1003: "Invalid Status Provided",
    1004: "Invalid Id Provided",
    1005: "Data Updated Since Last Request",
    1006: "Cannot Escalate",
    1012: "Incident Not Acknowledged",
    1019: "Incident Already Merged",
    1020: "Invalid Priority",
    2001: "Invalid Input Provided",
    2006: "Authentication Failed",
    2010: "Access Denied",
    2020: "Rate Limit Exceeded",
    2100: "Not Found",
}
CONFLICT_CODES = frozenset({1001, 1002, 1005, 1006, 1012, 1019})
"""Codes that mean "the incident's state does not allow this", not "the input is malformed"."""
ALREADY_RESOLVED = 1001

SENSITIVE_FIELDS = ("conference_bridge", "conference_number", "conference_url")
"""Conference bridges carry dial-in numbers with access codes: never copied into XCom."""

VENDOR_FIELDS = (
    "priority",
    "escalation_policy",
    "escalation_level",
    "conference_bridge",
    "incident_type",
    "service",
    "urgency",
)
"""Body fields of ``PUT /incidents/{id}`` reachable through ``vendor_fields``."""
_ARGUMENT_FIELDS = {
    "title": "title",
    "status": "status",
    "assignments": "assignees",
    "resolution": "resolution",
    "type": None,
}
CREATE_VENDOR_FIELDS = (
    "service",
    "priority",
    "urgency",
    "escalation_policy",
    "incident_type",
    "conference_bridge",
)
"""Body fields of ``POST /incidents`` reachable through ``vendor_fields`` (``service`` is required)."""
_CREATE_ARGUMENT_FIELDS = {
    "title": "title",
    "body": "description",
    "incident_key": "dedup_key",
    "assignments": "assignees",
    "type": None,
}


# --- authentication and headers -------------------------------------------------------------------

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
"""The spec's ``From`` is ``format: email``."""

AUTH_SCHEMES = defaults.PAGERDUTY_AUTH_SCHEMES
DEFAULT_AUTH_SCHEME = defaults.PAGERDUTY_AUTH_SCHEME


def authorization(token: str, auth_scheme: str) -> str:
    """The ``Authorization`` header value: ``Token token=`` for API keys, ``Bearer`` for OAuth."""
    if auth_scheme == "oauth":
        return f"Bearer {token}"
    return f"Token token={token}"


def headers(*, from_email: str | None, write: bool) -> dict[str, str]:
    """Headers every request carries (versioned Accept, JSON content type) and, on writes, ``From``.

    The spec marks ``Content-Type: application/json`` required on every operation, reads included.
    """
    result = {"Accept": ACCEPT, "Content-Type": "application/json"}
    if write:
        if not from_email or not EMAIL.fullmatch(from_email):
            raise IncidentValidationError(
                "from_email",
                "PagerDuty requires a From header with the email of a user in the account on every "
                f"write; set 'from_email' in the connection's extra (got {from_email!r})",
                vendor=NAME,
            )
        result["From"] = from_email
    return result


def retry_after(response: Response) -> float | None:
    """Seconds to wait after a 429: ``ratelimit-reset`` is seconds until reset; it may be absent."""
    return wait_from_headers(response.headers, reset_headers=("ratelimit-reset",), reset_is_epoch=False)


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """PagerDuty's ``{"error": {"message", "code", "errors"}}`` as (message, code, details)."""
    body = response.body
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        code = error.get("code")
        message = str(error.get("message") or "") or (
            ERROR_CODES.get(code, "") if isinstance(code, int) else ""
        )
        details = tuple(str(item) for item in error.get("errors") or ())
        return message or f"HTTP {response.status}", str(code) if code is not None else None, details
    if isinstance(error, str):
        return error, None, ()
    return f"HTTP {response.status} with no error body", None, ()


def is_conflict(code: str | None) -> bool:
    """Whether a PagerDuty error code means a state conflict rather than bad input."""
    return code is not None and code.isdigit() and int(code) in CONFLICT_CODES


# --- reading ---------------------------------------------------------------------------------------


def incident_id_from_ref(ref: str) -> str:
    """PagerDuty incidents are addressed by their id alone, so the ref is the id."""
    return path_segment(ref, "incident_id", NAME)


def build_get(ref: str) -> Request:
    return Request("GET", f"/incidents/{incident_id_from_ref(ref)}")


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def incident_from_json(data: Mapping[str, Any], *, include_raw: bool = False) -> Incident:
    """One PagerDuty incident object as the normalized ``Incident``."""
    status = str(data.get("status", "")).lower()
    priority = data.get("priority")
    severity = None
    if isinstance(priority, Mapping):
        severity = priority.get("name") or priority.get("summary")
    severity = severity or data.get("urgency")
    assignees = tuple(
        str(item["assignee"]["id"])
        for item in data.get("assignments") or ()
        if isinstance(item, Mapping)
        and isinstance(item.get("assignee"), Mapping)
        and "id" in item["assignee"]
    )
    return Incident(
        vendor=NAME,
        id=str(data["id"]),
        ref=str(data["id"]),
        title=data.get("title") or data.get("summary"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(severity) if severity else None,
        assignees=assignees,
        url=data.get("html_url"),
        created_at=_timestamp(data.get("created_at")),
        updated_at=_timestamp(data.get("updated_at") or data.get("last_status_change_at")),
        resolved_at=_timestamp(data.get("resolved_at")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def parse_incident(response: Response, *, include_raw: bool = False) -> Incident:
    """The ``{"incident": {...}}`` body of a get or update response."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("incident"), Mapping):
        raise ValueError("PagerDuty response has no 'incident' object")
    return incident_from_json(body["incident"], include_raw=include_raw)


def build_list(
    *,
    statuses: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
    services: Sequence[str] = (),
    teams: Sequence[str] = (),
) -> Request:
    """One page of ``GET /incidents``, oldest first; without ``since``, every incident (``date_range=all``).

    PagerDuty otherwise looks back only one month (from ``until`` when given), which silently hides
    older open incidents; an ``until`` without ``since`` is then applied by :func:`local_until`.
    ``services`` and ``teams`` (ids) scope the list with ``service_ids[]`` and ``team_ids[]``: any of
    the services, and any of the teams (the account needs the ``teams`` ability for the latter).
    """
    params: list[tuple[str, str]] = [
        ("limit", str(limit)),
        ("offset", str(offset)),
        ("sort_by", "created_at:asc"),
    ]
    wanted = dict.fromkeys(to_vendor_status(status, field_name="statuses") for status in statuses or ())
    params.extend(("statuses[]", status) for status in wanted)  # the spec's statuses[] are uniqueItems
    params.extend(("service_ids[]", service) for service in scope_ids(services, "services", NAME))
    params.extend(("team_ids[]", team) for team in scope_ids(teams, "teams", NAME))
    if since is None:
        params.append(("date_range", "all"))
    else:
        params.append(("since", _aware(since).isoformat()))
        if until is not None:
            params.append(("until", _aware(until).isoformat()))
    return Request("GET", "/incidents", params=tuple(params))


def local_until(since: datetime | None, until: datetime | None) -> datetime | None:
    """The ``until`` the caller must apply to listed incidents itself (when :func:`build_list` could not)."""
    return _aware(until) if since is None and until is not None else None


def _aware(moment: datetime) -> datetime:
    """A naive datetime is taken as UTC, as Airflow's own dates are, rather than PagerDuty's account zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_list(response: Response, *, include_raw: bool = False) -> tuple[list[Incident], bool]:
    """A page of incidents and whether PagerDuty says there are more."""
    body = response.body if isinstance(response.body, Mapping) else {}
    incidents = [incident_from_json(item, include_raw=include_raw) for item in body.get("incidents") or ()]
    return incidents, bool(body.get("more"))


def build_priorities() -> Request:
    return Request("GET", "/priorities", params=(("limit", "100"),))


def parse_priorities(response: Response) -> list[dict[str, str]]:
    """Priorities as ``{"id", "name"}``, in the order PagerDuty returns them (most severe first)."""
    body = response.body if isinstance(response.body, Mapping) else {}
    return [
        {"id": str(item["id"]), "name": str(item.get("name") or item.get("summary") or "")}
        for item in body.get("priorities") or ()
        if isinstance(item, Mapping) and "id" in item
    ]


def build_connection_check() -> Request:
    """The cheapest call that proves the token can read incidents."""
    return Request("GET", "/incidents", params=(("limit", "1"), ("date_range", "all")))


# --- writing ---------------------------------------------------------------------------------------


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """A PagerDuty status word for a status word or phase; "mitigated" has no PagerDuty status."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)


class _Reference(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    type: str


class _ConferenceBridge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conference_number: str | None = None
    conference_url: str | None = Field(default=None, pattern=r"^https?://")


class _IncidentType(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)


def _reference(value: Any, field_name: str, ref_type: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {"id": value, "type": ref_type}
    try:
        ref = _Reference.model_validate(value)
    except ValidationError as exc:
        raise IncidentValidationError(
            f"vendor_fields.{field_name}",
            f"must be an id string or {{'id': ..., 'type': '{ref_type}'}} ({_first_error(exc)})",
            vendor=NAME,
        ) from None
    if ref.type != ref_type:
        raise IncidentValidationError(
            f"vendor_fields.{field_name}", f"type must be '{ref_type}'", vendor=NAME
        )
    return ref.model_dump()


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def validate_vendor_fields(
    fields: Mapping[str, Any],
    *,
    allowed: Sequence[str] = VENDOR_FIELDS,
    arguments: Mapping[str, str | None] = _ARGUMENT_FIELDS,
) -> dict[str, Any]:
    """Check ``vendor_fields`` against PagerDuty's update body (or, with the create tables, its create
    body) and return them in the spec's shapes.

    ``priority`` may be a priority id (``{"id": ..., "type": "priority_reference"}``) or a name, which
    is looked up later; ids of services and escalation policies may be given as plain strings.
    """
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=allowed,
        arguments=arguments,
        what="a PagerDuty incident field",
    ):
        if key == "priority":
            if isinstance(value, str):
                result[key] = value
            else:
                result[key] = _reference(value, key, "priority_reference")
        elif key == "escalation_policy":
            result[key] = _reference(value, key, "escalation_policy_reference")
        elif key == "service":
            result[key] = _reference(value, key, "service_reference")
        elif key == "escalation_level":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise IncidentValidationError(f"vendor_fields.{key}", "must be an integer >= 1", vendor=NAME)
            result[key] = value
        elif key == "urgency":
            result[key] = _urgency(value, f"vendor_fields.{key}")
        elif key == "conference_bridge":
            try:
                result[key] = _ConferenceBridge.model_validate(value).model_dump(exclude_none=True)
            except ValidationError as exc:
                raise IncidentValidationError(
                    f"vendor_fields.{key}", _first_error(exc), vendor=NAME
                ) from None
        elif key == "incident_type":
            value = {"name": value} if isinstance(value, str) else value
            try:
                result[key] = _IncidentType.model_validate(value).model_dump()
            except ValidationError as exc:
                raise IncidentValidationError(
                    f"vendor_fields.{key}", _first_error(exc), vendor=NAME
                ) from None
    return result


def _urgency(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in URGENCIES:
        raise IncidentValidationError(
            field_name, f"{value!r} is not an urgency; allowed: low, high", vendor=NAME
        )
    return value.strip().lower()


def is_urgency(severity: str) -> bool:
    return severity.strip().lower() in URGENCIES


def needs_priorities(update: IncidentUpdate | IncidentCreate) -> bool:
    """Whether building this write needs ``GET /priorities`` (a severity or priority given by name)."""
    if update.severity is not None and not is_urgency(update.severity):
        return True
    return isinstance(update.vendor_fields.get("priority"), str)


def severity_field(severity: str, priorities: Sequence[Mapping[str, str]] | None) -> dict[str, Any]:
    """The body field a normalized severity sets: ``urgency`` for low/high, else a priority by name."""
    if is_urgency(severity):
        return {"urgency": severity.strip().lower()}
    return {"priority": priority_reference(severity, priorities or (), "severity")}


def priority_reference(name: str, priorities: Sequence[Mapping[str, str]], field_name: str) -> dict[str, str]:
    """The priority named ``name`` (case-insensitive), as a reference; the error lists the names."""
    wanted = name.strip().lower()
    for priority in priorities:
        if priority["name"].lower() == wanted or priority["id"] == name:
            return {"id": priority["id"], "type": "priority_reference"}
    names = ", ".join(priority["name"] for priority in priorities) or "none (priorities are disabled)"
    raise IncidentValidationError(
        field_name,
        f"{name!r} is neither an urgency (low, high) nor a priority; priorities: {names}",
        vendor=NAME,
    )


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything about an update that can be checked without the incident or the network.

    Returns the validated vendor fields. Raises before any request for a field PagerDuty cannot take.
    """
    if update.description is not None:
        raise UnsupportedOperationError(
            "PagerDuty incidents have no description field: pass the text as note=... to add it as an "
            "incident note"
        )
    if update.title is not None:
        _validate_title(update.title)
    if update.status is not None:
        to_vendor_status(update.status)
    if update.note is not None:
        validate_note(update.note)
    if update.resolution is not None and (
        update.status is None or to_vendor_status(update.status) != "resolved"
    ):
        raise IncidentValidationError(
            "resolution", "PagerDuty uses a resolution only when the status is set to resolved", vendor=NAME
        )
    if update.assignees is not None:
        validate_assignees(update.assignees)
    fields = validate_vendor_fields(update.vendor_fields)
    _one_severity(update.severity, fields)
    return fields


def _validate_title(title: str) -> None:
    if not title.strip() or len(title) > TITLE_MAX_LENGTH:
        raise IncidentValidationError("title", f"must be 1 to {TITLE_MAX_LENGTH} characters", vendor=NAME)


def validate_assignees(assignees: Sequence[str]) -> None:
    """Assignees are PagerDuty user ids: at least one, each usable as an id."""
    if not assignees:
        raise IncidentValidationError("assignees", "must name at least one PagerDuty user id", vendor=NAME)
    for assignee in assignees:
        path_segment(assignee, "assignees", NAME)


def assignments(assignees: Sequence[str]) -> list[dict[str, Any]]:
    """``assignments`` for these user ids, each once, in the order given."""
    users = dict.fromkeys(user.strip() for user in assignees)
    return [{"assignee": {"id": user, "type": "user_reference"}} for user in users]


def _one_severity(severity: str | None, fields: Mapping[str, Any]) -> None:
    if severity is None:
        return
    if not severity.strip():
        raise IncidentValidationError(
            "severity", "must be an urgency (low, high) or a priority name", vendor=NAME
        )
    if "urgency" in fields or "priority" in fields:
        raise IncidentValidationError(
            "severity", "give either severity or vendor_fields urgency/priority, not both", vendor=NAME
        )


def validate_note(note: str) -> None:
    if not isinstance(note, str) or not note.strip():
        raise IncidentValidationError("note", "must be non-empty text", vendor=NAME)
    if len(note) > NOTE_MAX_LENGTH:
        raise IncidentValidationError("note", f"is longer than {NOTE_MAX_LENGTH} characters", vendor=NAME)


def update_fields(
    update: IncidentUpdate, *, current: Incident | None, priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any]:
    """The ``incident`` body fields for an update, leaving out a status the incident already has."""
    fields = validate_update(update)
    body: dict[str, Any] = {}
    if update.title is not None:
        body["title"] = update.title
    if update.status is not None:
        status = to_vendor_status(update.status)
        if current is None or current.status != status:
            body["status"] = status
            if status == "resolved" and update.resolution:
                body["resolution"] = update.resolution
    if update.assignees is not None:
        body["assignments"] = assignments(update.assignees)
    if update.severity is not None:
        body.update(severity_field(update.severity, priorities))
    body.update(_resolved_priority(fields, priorities))
    return body


def _resolved_priority(
    fields: Mapping[str, Any], priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any]:
    """The validated vendor fields with a priority given by name turned into its reference."""
    result = dict(fields)
    if isinstance(result.get("priority"), str):
        result["priority"] = priority_reference(
            result["priority"], priorities or (), "vendor_fields.priority"
        )
    return result


def build_update(ref: str, fields: Mapping[str, Any]) -> Request:
    """``PUT /incidents/{id}`` with the fields wrapped as PagerDuty expects."""
    return Request(
        "PUT",
        f"/incidents/{incident_id_from_ref(ref)}",
        json={"incident": {"type": "incident_reference", **fields}},
        write=True,
    )


BULK_LIMIT = 250
"""Incidents one ``PUT /incidents`` may update; PagerDuty answers 413 to more."""
BULK_STATUSES = ("acknowledged", "resolved")
"""The statuses the bulk transition moves incidents to (forward only; triggered would reopen)."""


def validate_bulk_status(status: str) -> str:
    """The PagerDuty status for a bulk transition: acknowledged or resolved (a word or phase)."""
    vendor_status = to_vendor_status(status)
    if vendor_status not in BULK_STATUSES:
        raise IncidentValidationError(
            "status", f"{status!r} is not one of {', '.join(BULK_STATUSES)}", vendor=NAME
        )
    return vendor_status


def build_bulk_update(items: Sequence[tuple[str, Mapping[str, Any]]]) -> Request:
    """``PUT /incidents`` updating each ``(id, fields)`` pair: 1 to :data:`BULK_LIMIT` incidents.

    The fields are absolute targets (a status, not a step), so sending the request twice is harmless.
    """
    if not items:
        raise IncidentValidationError("incidents", "must name at least one incident", vendor=NAME)
    if len(items) > BULK_LIMIT:
        raise IncidentValidationError(
            "incidents",
            f"PagerDuty updates at most {BULK_LIMIT} incidents per request (got {len(items)})",
            vendor=NAME,
        )
    incidents = []
    for ref, fields in items:
        path_segment(ref, "incident_id", NAME)  # the same checks as an id in a path
        incidents.append({"id": ref.strip(), "type": "incident_reference", **fields})
    return Request("PUT", "/incidents", json={"incidents": incidents}, write=True, idempotent=True)


def parse_bulk(response: Response, *, include_raw: bool = False) -> list[Incident]:
    """The ``{"incidents": [...]}`` body of ``PUT /incidents``: each incident after the update."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("incidents"), list):
        raise ValueError("PagerDuty response has no 'incidents' list")
    return [incident_from_json(item, include_raw=include_raw) for item in body["incidents"]]


def build_note(ref: str, content: str) -> Request:
    """``POST /incidents/{id}/notes``; not idempotent, so callers mark the note and check first."""
    validate_note(content)
    return Request(
        "POST",
        f"/incidents/{incident_id_from_ref(ref)}/notes",
        json={"note": {"content": content}},
        write=True,
        idempotent=False,
    )


def build_list_notes(ref: str) -> Request:
    return Request("GET", f"/incidents/{incident_id_from_ref(ref)}/notes")


def parse_notes(response: Response) -> list[str]:
    """The text of each note on the incident, oldest first."""
    body = response.body if isinstance(response.body, Mapping) else {}
    return [str(note.get("content", "")) for note in body.get("notes") or () if isinstance(note, Mapping)]


# --- creating --------------------------------------------------------------------------------------


def validate_create(create: IncidentCreate, *, default_service: str | None) -> dict[str, Any]:
    """Everything about a create that can be checked without the network; the vendor fields in the
    spec's shapes, ``service`` always among them.

    PagerDuty requires a service: ``vendor_fields["service"]``, else the connection's
    ``default_service_id``. Assignments and an escalation policy exclude each other (the spec says so).
    """
    _validate_title(create.title)
    if create.assignees is not None:
        validate_assignees(create.assignees)
    if create.dedup_key is not None and not (0 < len(create.dedup_key.strip()) <= INCIDENT_KEY_MAX_LENGTH):
        raise IncidentValidationError(
            "dedup_key", f"must be 1 to {INCIDENT_KEY_MAX_LENGTH} characters", vendor=NAME
        )
    if create.description is not None and not create.description.strip():
        raise IncidentValidationError("description", "must be non-empty text when given", vendor=NAME)
    fields = validate_vendor_fields(
        create.vendor_fields, allowed=CREATE_VENDOR_FIELDS, arguments=_CREATE_ARGUMENT_FIELDS
    )
    _one_severity(create.severity, fields)
    if "service" not in fields:
        if not default_service:
            raise IncidentValidationError(
                "vendor_fields.service",
                "PagerDuty creates an incident on a service: pass vendor_fields={'service': '<id>'} or "
                "set default_service_id in the connection",
                vendor=NAME,
            )
        fields["service"] = _reference(str(default_service), "service", "service_reference")
    if create.assignees is not None and "escalation_policy" in fields:
        raise IncidentValidationError(
            "assignees",
            "PagerDuty takes assignees or vendor_fields.escalation_policy on create, not both",
            vendor=NAME,
        )
    return fields


def create_body(
    create: IncidentCreate, fields: Mapping[str, Any], priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any]:
    """The ``incident`` object of ``POST /incidents``; ``fields`` come from :func:`validate_create`.

    The description goes in ``body.details`` as text, as PagerDuty's own example and web UI do (the
    spec's schema calls ``details`` an object); the dedup key is the ``incident_key``.
    """
    body: dict[str, Any] = {"type": "incident", "title": create.title}
    if create.severity is not None:
        body.update(severity_field(create.severity, priorities))
    body.update(_resolved_priority(fields, priorities))
    if create.description is not None:
        body["body"] = {"type": "incident_body", "details": create.description}
    if create.dedup_key is not None:
        body["incident_key"] = create.dedup_key.strip()
    if create.assignees is not None:
        body["assignments"] = assignments(create.assignees)
    return body


def build_create(body: Mapping[str, Any]) -> Request:
    """``POST /incidents``; not idempotent, so callers look for the ``incident_key`` before a retry."""
    return Request("POST", "/incidents", json={"incident": dict(body)}, write=True, idempotent=False)


def build_find_by_key(incident_key: str, service_id: str) -> Request:
    """The newest incident of the service carrying ``incident_key``, in any status and of any age.

    PagerDuty scopes an ``incident_key`` to its service, so the search is scoped the same way.
    """
    params = (
        ("incident_key", incident_key),
        ("service_ids[]", service_id),
        ("date_range", "all"),
        ("sort_by", "created_at:desc"),
        ("limit", "1"),
    )
    return Request("GET", "/incidents", params=params)


def parse_found(response: Response, *, include_raw: bool = False) -> Incident | None:
    """The incident :func:`build_find_by_key` found, or None."""
    incidents, _more = parse_list(response, include_raw=include_raw)
    return incidents[0] if incidents else None


def is_duplicate_key(error: VendorError) -> bool:
    """Whether PagerDuty refused a create because an open incident already has its ``incident_key``.

    It answers 400, code 2001, with a message saying the incident "already exists".
    """
    words = " ".join((error.vendor_message or "", *error.details)).lower()
    return error.status_code == 400 and error.code == "2001" and "already exists" in words


# --- escalating ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """What escalation reads from an incident: where it stands on each of PagerDuty's scales."""

    urgency: str
    priority_id: str | None
    escalation_level: int | None
    assignees: tuple[str, ...]


def parse_standing(response: Response) -> Standing:
    """The urgency, priority id, escalation level and assignees of a ``{"incident"}`` response."""
    data = response.body["incident"]
    priority = data.get("priority")
    level = data.get("escalation_level")
    return Standing(
        urgency=str(data.get("urgency") or "high").lower(),
        priority_id=str(priority["id"]) if isinstance(priority, Mapping) and "id" in priority else None,
        escalation_level=level if isinstance(level, int) and not isinstance(level, bool) else None,
        assignees=incident_from_json(data).assignees,
    )


def validate_escalation(escalation: Escalation) -> None:
    """Everything about an escalation that can be checked without the incident or the network."""
    if escalation.severity is not None:
        _one_severity(escalation.severity, {})
    if escalation.assignees is not None:
        validate_assignees(escalation.assignees)
        if escalation.escalation_level is not None:
            raise IncidentValidationError(
                "assignees",
                "an escalation_level assigns that level of the escalation policy; give assignees or "
                "escalation_level, not both",
                vendor=NAME,
            )
    if escalation.note is not None:
        validate_note(escalation.note)


def escalation_needs_priorities(escalation: Escalation, standing: Standing) -> bool:
    """Whether the target depends on the account's priorities (a priority name, or a step past high)."""
    if escalation.severity is not None:
        return not is_urgency(escalation.severity)
    return escalation.one_step and URGENCIES.index(_rung(standing.urgency)) == len(URGENCIES) - 1


def _rung(urgency: str) -> str:
    return urgency if urgency in URGENCIES else URGENCIES[-1]


def one_step_target(standing: Standing, priorities: Sequence[Mapping[str, str]]) -> dict[str, Any] | None:
    """The absolute field one step above ``standing``, or None at the top of the scale.

    low urgency -> high; then no priority -> the least severe priority -> ... -> the most severe, which
    is the top (so is high urgency on an account without priorities).
    """
    rung = URGENCIES.index(_rung(standing.urgency))
    if rung + 1 < len(URGENCIES):
        return {"urgency": URGENCIES[rung + 1]}
    ids = [priority["id"] for priority in priorities]
    if standing.priority_id is None:
        return {"priority": {"id": ids[-1], "type": "priority_reference"}} if ids else None
    if standing.priority_id not in ids:
        raise IncidentValidationError(
            "severity",
            f"the incident's priority {standing.priority_id} is not among the account's priorities; "
            "escalate to a named severity instead",
            vendor=NAME,
        )
    position = ids.index(standing.priority_id)
    return {"priority": {"id": ids[position - 1], "type": "priority_reference"}} if position else None


def escalation_fields(
    escalation: Escalation, standing: Standing, priorities: Sequence[Mapping[str, str]] | None
) -> dict[str, Any] | None:
    """The absolute fields an escalation sets, leaving out what the incident already has.

    None means one step was asked for and the incident is at the top of the scale.
    """
    fields: dict[str, Any] = {}
    if escalation.one_step:
        target = one_step_target(standing, priorities or ())
        if target is None:
            return None
        fields.update(target)
    if escalation.severity is not None:
        fields.update(severity_field(escalation.severity, priorities))
    if escalation.escalation_level is not None:
        fields["escalation_level"] = escalation.escalation_level
    if escalation.assignees is not None:
        fields["assignments"] = assignments(escalation.assignees)
    return not_lower(without_current(fields, standing), standing, priorities or ())


def not_lower(
    fields: Mapping[str, Any], standing: Standing, priorities: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """``fields`` minus any that would lower the incident: an escalation never goes backwards.

    A scheduled escalation to a fixed target must not undo a human's higher urgency, priority or level.
    """
    ids = [priority["id"] for priority in priorities]
    result = dict(fields)
    urgency = result.get("urgency")
    if urgency is not None and URGENCIES.index(urgency) < URGENCIES.index(_rung(standing.urgency)):
        del result["urgency"]
    priority = result.get("priority")
    target = priority["id"] if priority is not None else None
    current = standing.priority_id
    if target in ids and current in ids and ids.index(target) > ids.index(current):  # most severe first
        del result["priority"]
    level = result.get("escalation_level")
    if level is not None and standing.escalation_level is not None and level < standing.escalation_level:
        del result["escalation_level"]
    return result


def without_current(fields: Mapping[str, Any], standing: Standing) -> dict[str, Any]:
    """``fields`` minus those the incident already has (so an escalation already made sends nothing)."""
    current: dict[str, Any] = {
        "urgency": standing.urgency,
        "priority": standing.priority_id,
        "escalation_level": standing.escalation_level,
        "assignments": sorted(standing.assignees),
    }
    result: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "priority":
            comparable: Any = value["id"]
        elif key == "assignments":
            comparable = sorted(item["assignee"]["id"] for item in value)
        else:
            comparable = value
        if current.get(key) != comparable:
            result[key] = value
    return result


def describe(fields: Mapping[str, Any], priorities: Sequence[Mapping[str, str]] | None) -> str:
    """A short account of what a write set, for the step's detail (priority names, user ids)."""
    names = {priority["id"]: priority["name"] for priority in priorities or ()}
    parts: list[str] = []
    for key, value in fields.items():
        if key == "priority":
            parts.append(f"priority {names.get(value['id'], value['id'])}")
        elif key == "assignments":
            parts.append("assignees " + ", ".join(item["assignee"]["id"] for item in value))
        elif key != "status":
            parts.append(f"{key} {value}")
    return ", ".join(parts)
