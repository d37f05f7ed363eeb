"""Pinghome incident management: request building and response parsing, no I/O. EXPERIMENTAL.

The only place that knows Pinghome's JSON shapes, status words, headers, error format and limits.
Pinghome publishes no spec: the facts come from docs.pinghome.io (incident tracking, update incident,
create incident, account sign-in) and a third-party summary of its API. Everything the docs leave
open is a choice made here, each in one named constant or function so it is easy to correct, and
listed in ``docs/pinghome.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from airflow_incident_provider import connection_defaults as defaults
from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import is_marked, mark
from airflow_incident_provider.models import Escalation, Incident, IncidentCreate, IncidentUpdate, Phase
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    capped_raw,
    lookup_status,
    path_segment,
    refuse_scope,
    scope_ids,
    vendor_field_items,
    wait_from_headers,
)

NAME = "pinghome"
DISPLAY_NAME = "Pinghome"

# --- services and URLs -----------------------------------------------------------------------------

CMD = "cmd"
QUERY = "query"
AUTH = "auth"
SERVICES = (CMD, QUERY, AUTH)
DEFAULT_URLS: Mapping[str, str] = defaults.PINGHOME_URLS
"""One subdomain per service, keyed by :data:`SERVICES`."""
GATEWAY_PATHS: Mapping[str, str] = defaults.PINGHOME_GATEWAY_PATHS
DEFAULT_PATH_PREFIX = defaults.PINGHOME_PATH_PREFIX
AUTH_PATH = "/v1/auth"
_PATH_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")

RATE_LIMIT_PER_MINUTE = 60
"""Pinghome publishes no rate limit. One request per second is a conservative guess that a paging
read-merge-write (list, PUT, list) stays well inside; raise it per connection with
``rate_limit_per_minute`` once the account's real limit is known."""


def normalize_path_prefix(value: str) -> str | None:
    """``/v1``-like prefixes without a trailing slash, or None when ``value`` is not a plain path."""
    text = "/" + value.strip().strip("/") if value.strip().strip("/") else ""
    if not _PATH_PREFIX.fullmatch(text) or any(part in (".", "..") for part in text.split("/")):
        return None
    return text


# --- statuses, urgencies, assignees ----------------------------------------------------------------

STATUS_PHASES: Mapping[str, Phase] = {
    "open": Phase.OPEN,
    "acknowledged": Phase.ACKNOWLEDGED,
    "resolved": Phase.RESOLVED,
}
"""UNDOCUMENTED: the docs name no status values; these are the provider's guess (see docs/pinghome.md)."""
PHASE_STATUSES: Mapping[Phase, str] = {phase: status for status, phase in STATUS_PHASES.items()}
URGENCIES = ("low", "medium", "high")
"""docs.pinghome.io create-incident: "its urgency level (e.g., low, medium, high)".

Lowest first: this order is also the escalation scale (one step up is the next word)."""
CREATE_URGENCY = "medium"
"""The urgency of a created incident when the caller names no severity (the docs give no default):
the middle of the scale, so a one-step escalation still has somewhere to go."""
ASSIGNEE_TYPES = ("user", "team")
"""``team`` is in the docs' examples; ``user`` is assumed. A plain id means a user."""
DEFAULT_ASSIGNEE_TYPE = "user"

# --- paging, notes, read-back ----------------------------------------------------------------------

LIST_PAGE_SIZE = 50
"""``limit`` per page of ``GET /team/{id}/incidents``; Pinghome documents no maximum."""
CURSOR_PARAM = "last_received_at"
"""The paging cursor named by the third-party summary: the ``received_at`` of the last incident seen."""
CREATE_ATTEMPTS = 3
"""How often a create whose answer was lost is posted, each retry only after its dedup marker was
looked for and not found."""
READ_BACK_ATTEMPTS = 3
"""How often a write is read back before a field that did not take is reported (reads may lag writes)."""
NOTE_SEPARATOR = "\n\n---\n"
"""Pinghome has no notes: a note is appended to the description after this separator line."""
NOTE_MAX_LENGTH = 5000
"""Pinghome documents no limit on the description; this keeps one appended note reasonable."""
NAME_MAX_LENGTH = 255
"""Pinghome documents no maximum for a name; longer ones are refused before sending (a 255-character
column is the common limit, and the sandbox keeps it) rather than risked at the vendor."""
RESOLUTION_PREFIX = "Resolution: "

SENSITIVE_FIELDS = ("token", "secret", "password", "api_key", "authorization", "webhook_url")
"""Keys that may appear in an incident's action settings and must never reach XCom."""

BODY_FIELDS = ("name", "description", "urgency", "assignees", "actions")
"""The documented fields of ``PUT /incident/{id}``: it replaces the incident, so each is always sent."""
VERIFIED_FIELDS = ("name", "description", "urgency", "assignees", "status")
"""Fields compared when a write is read back (``actions`` are not: Pinghome may fill in their ids)."""
VENDOR_FIELDS = ("actions",)
"""Body fields reachable only through ``vendor_fields``."""
_ARGUMENT_FIELDS = {
    "name": "title",
    "description": "description",
    "urgency": "severity",
    "assignees": "assignees",
    "status": "status",
}


# --- authentication and headers -------------------------------------------------------------------


class Secret(str):
    """A string sent in a body (the sign-in password) whose ``repr`` never shows it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def authorization(token: str) -> str:
    return f"Bearer {token}"


def headers(*, has_body: bool) -> dict[str, str]:
    """JSON in and out; the ``Authorization`` header is added by the hook."""
    result = {"Accept": "application/json"}
    if has_body:
        result["Content-Type"] = "application/json"
    return result


def build_sign_in(email: str, password: str) -> Request:
    """``POST {auth}/v1/auth`` with ``{email, password}``: exchanges the credentials for a token."""
    return Request("POST", AUTH_PATH, json={"email": email, "password": Secret(password)}, service=AUTH)


_TOKEN_KEYS = ("access_token", "accessToken", "AccessToken", "token", "id_token", "idToken", "IdToken")
_EXPIRY_KEYS = ("expires_in", "expiresIn", "ExpiresIn")
_NESTED_KEYS = ("data", "tokens", "AuthenticationResult", "auth")


def parse_sign_in(response: Response) -> tuple[str, float | None]:
    """The bearer token of a sign-in response and its lifetime in seconds, if given.

    The docs only say the response carries "authentication tokens": common spellings are looked for,
    at the top level and one level down. The error never quotes the body (it holds the token).
    """
    candidates: list[Mapping[str, Any]] = []
    if isinstance(response.body, Mapping):
        candidates.append(response.body)
        candidates.extend(
            response.body[key] for key in _NESTED_KEYS if isinstance(response.body.get(key), Mapping)
        )
    for candidate in candidates:
        for key in _TOKEN_KEYS:
            token = candidate.get(key)
            if isinstance(token, str) and token.strip():
                expiry = next((candidate[k] for k in _EXPIRY_KEYS if k in candidate), None)
                lifetime = float(expiry) if isinstance(expiry, int | float) and expiry > 0 else None
                return token.strip(), lifetime
    raise ValueError("the Pinghome sign-in response carries no access token")


# --- errors and rate limits --------------------------------------------------------------------------


def retry_after(response: Response) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` (seconds or an HTTP date), else ``X-RateLimit-Reset``.

    Pinghome documents neither; a reset above 10^9 is read as epoch seconds, otherwise as seconds.
    """
    return wait_from_headers(response.headers, reset_headers=("x-ratelimit-reset",))


def _error_details(errors: Any) -> tuple[str, ...]:
    if isinstance(errors, Mapping):
        return tuple(f"{key}: {_text(value)}" for key, value in errors.items())
    if isinstance(errors, list):
        details = []
        for item in errors:
            if isinstance(item, Mapping):
                where = item.get("field") or item.get("path") or item.get("param")
                message = _text(item.get("message") or item.get("msg") or item.get("detail") or item)
                details.append(f"{where}: {message}" if where else message)
            else:
                details.append(_text(item))
        return tuple(details)
    if isinstance(errors, str):
        return (errors,)
    return ()


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_text(item) for item in value)
    return str(value)


def _reason(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _code(value: Any) -> str | None:
    return (
        str(value) if isinstance(value, str | int) and not isinstance(value, bool) and value != "" else None
    )


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """Pinghome's error body is undocumented: ``message``, ``error`` and ``errors`` are looked for.

    Falls back to the HTTP status and its reason, so a refusal is never reported without one.
    """
    body = response.body
    message, code = "", None
    details: tuple[str, ...] = ()
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            message = str(error.get("message") or "")
            code = _code(error.get("code"))
            details = _error_details(error.get("errors") or error.get("details"))
        elif isinstance(error, str):
            message = error
        top = body.get("message")
        if isinstance(top, str) and top and top != message:
            message = f"{message}: {top}" if message else top
        code = code or _code(body.get("code"))
        details = details or _error_details(body.get("errors") or body.get("details"))
    elif isinstance(body, str):
        message = body
    if not message and (details or not response.text):
        message = _reason(response.status)
    return message, code, details


def is_conflict(code: str | None) -> bool:
    """Pinghome documents no error codes; only HTTP 409 means a conflict."""
    return False


# --- references --------------------------------------------------------------------------------------


def split_ref(ref: str, default_team: str | None) -> tuple[str, str]:
    """``teamId/incidentId``, or an incident id alone with the team from the connection (both checked)."""
    if not isinstance(ref, str):
        raise IncidentValidationError(
            "incident_id", "must be an incident id or a 'teamId/incidentId' ref", vendor=NAME
        )
    text = ref.strip()
    if "/" in text:
        team, _, incident = text.partition("/")
        if "/" in incident or not team.strip() or not incident.strip():
            raise IncidentValidationError(
                "incident_id", f"{ref!r} is not a 'teamId/incidentId' ref", vendor=NAME
            )
    else:
        team, incident = default_team or "", text
        if not team:
            raise IncidentValidationError(
                "team_id",
                "Pinghome addresses incidents through their team: pass a 'teamId/incidentId' ref or set "
                "team_id in the connection's extra",
                vendor=NAME,
            )
    path_segment(team, "team_id", NAME)
    path_segment(incident, "incident_id", NAME)
    return team.strip(), incident.strip()


def make_ref(team_id: str, incident_id: str) -> str:
    return f"{team_id}/{incident_id}"


# --- reading -----------------------------------------------------------------------------------------


LIST_SCOPE = (
    "Pinghome lists one team's incidents and has no services: give one team id in teams, or set "
    "team_id on the connection (one task per team to list several)"
)
"""What scopes a Pinghome list: one team, the connection's unless ``teams`` names another."""


def list_team(services: Sequence[str], teams: Sequence[str]) -> str | None:
    """The team a list is scoped to: the one id of ``teams``, or None for the connection's ``team_id``.

    ``services`` and more than one team are refused (Pinghome lists one team at a time).
    """
    refuse_scope(services, (), vendor=NAME, instead=LIST_SCOPE)
    ids = scope_ids(teams, "teams", NAME)
    if len(ids) > 1:
        raise IncidentValidationError("teams", f"names {len(ids)} teams; {LIST_SCOPE}", vendor=NAME)
    return ids[0] if ids else None


def build_list(team: str, *, limit: int, cursor: str | None) -> Request:
    """One page of ``GET {query}/v1/team/{id}/incidents``, newest first, after ``cursor``."""
    params: list[tuple[str, str]] = [("limit", str(limit))]
    if cursor:
        params.append((CURSOR_PARAM, cursor))
    path = f"/team/{path_segment(team, 'team_id', NAME)}/incidents"
    return Request("GET", path, params=tuple(params), service=QUERY)


def build_connection_check(team: str | None) -> Request:
    """The cheapest authenticated read (one incident of the team), or the health check without a team."""
    if team is None:
        return Request("GET", "/health-check", service=QUERY)
    return build_list(team, limit=1, cursor=None)


def _items(body: Any) -> list[Mapping[str, Any]]:
    if isinstance(body, list):
        items: Any = body
    elif isinstance(body, Mapping):
        items = next(
            (body[key] for key in ("incidents", "data", "items") if isinstance(body.get(key), list)), None
        )
        if items is None and isinstance(body.get("data"), Mapping):
            return _items(body["data"])
        if items is None:
            raise ValueError("Pinghome incident list has no 'incidents' array")
    else:
        raise ValueError("Pinghome incident list is not a JSON object or array")
    return [item for item in items if isinstance(item, Mapping)]


def parse_list(response: Response, limit: int) -> tuple[list[Mapping[str, Any]], str | None]:
    """The raw incidents of a page and the cursor of the next page (None after the last page).

    A ``last_received_at`` in the body is used when present; otherwise the last incident's
    ``received_at`` (or ``created_at``), and only when the page was full.
    """
    items = _items(response.body)
    body = response.body
    if isinstance(body, Mapping) and CURSOR_PARAM in body:
        cursor = body.get(CURSOR_PARAM)
        return items, str(cursor) if cursor and items else None
    if len(items) < limit or not items:
        return items, None
    last = items[-1]
    cursor = last.get("received_at") or last.get("created_at")
    return items, str(cursor) if cursor else None


def find(items: Sequence[Mapping[str, Any]], incident_id: str) -> Mapping[str, Any] | None:
    return next((item for item in items if str(item.get("id")) == incident_id), None)


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None


def status_of(data: Mapping[str, Any]) -> str:
    """The status word, lower-cased; without one: resolved if it has ``resolved_at``, else open."""
    status = data.get("status")
    if isinstance(status, str) and status.strip():
        return status.strip().lower()
    return "resolved" if data.get("resolved_at") else "open"


def assignee_ids(raw: Any) -> tuple[str, ...]:
    """Assignee objects as strings: a user's plain id, any other type as ``type:id``."""
    result = []
    for item in raw or ():
        if isinstance(item, Mapping) and item.get("id"):
            kind = str(item.get("type") or DEFAULT_ASSIGNEE_TYPE).lower()
            result.append(str(item["id"]) if kind == DEFAULT_ASSIGNEE_TYPE else f"{kind}:{item['id']}")
    return tuple(result)


URL_PLACEHOLDERS = ("team_id", "incident_id")
"""What the connection's ``incident_url_template`` may name."""


def incident_url(data: Mapping[str, Any], team_id: str, template: str | None) -> str | None:
    """The incident's web link: Pinghome returns none, so the connection's template makes one."""
    given = data.get("url") or data.get("html_url")
    if given:
        return str(given)
    if not template:
        return None
    return template.format(team_id=quote(team_id, safe=""), incident_id=quote(str(data["id"]), safe=""))


def incident_from_json(
    data: Mapping[str, Any], team_id: str, *, include_raw: bool = False, url_template: str | None = None
) -> Incident:
    """One Pinghome incident object as the normalized ``Incident``; ``team_id`` completes its ref."""
    status = status_of(data)
    incident_id = str(data["id"])
    team = str(data.get("team_id") or team_id)
    urgency = data.get("urgency")
    return Incident(
        vendor=NAME,
        id=incident_id,
        ref=make_ref(team, incident_id),
        title=data.get("name") or data.get("title"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(urgency).lower() if urgency else None,
        assignees=assignee_ids(data.get("assignees")),
        url=incident_url(data, team, url_template),
        created_at=_timestamp(data.get("created_at") or data.get("received_at")),
        updated_at=_timestamp(data.get("updated_at")),
        resolved_at=_timestamp(data.get("resolved_at")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def filter_statuses(statuses: Sequence[str]) -> frozenset[str]:
    """Status words or phases as Pinghome words (checked before any request); empty means all."""
    return frozenset(to_vendor_status(status, field_name="statuses") for status in statuses)


# --- writing -----------------------------------------------------------------------------------------


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """A Pinghome status word for a status word or phase; "mitigated" has no Pinghome status."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)


def _urgency(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in URGENCIES:
        raise IncidentValidationError(
            field_name, f"{value!r} is not an urgency; allowed: {', '.join(URGENCIES)}", vendor=NAME
        )
    return value.strip().lower()


def assignee_objects(assignees: Sequence[str]) -> list[dict[str, str]]:
    """``"id"`` (a user) or ``"team:id"``/``"user:id"`` as Pinghome assignee objects."""
    result = []
    for assignee in assignees:
        kind, typed, ident = assignee.strip().partition(":")
        kind, ident = (kind.strip().lower(), ident) if typed else (DEFAULT_ASSIGNEE_TYPE, kind)
        if kind not in ASSIGNEE_TYPES:
            raise IncidentValidationError(
                "assignees",
                f"{assignee!r}: type {kind!r} is not one of {', '.join(ASSIGNEE_TYPES)} (write 'team:<id>' "
                "for a team, a plain id for a user)",
                vendor=NAME,
            )
        path_segment(ident, "assignees", NAME)
        result.append({"type": kind, "id": ident.strip()})
    return result


def _actions(value: Any) -> list[dict[str, Any]]:
    field = "vendor_fields.actions"
    if not isinstance(value, list):
        raise IncidentValidationError(field, "must be a list of action objects", vendor=NAME)
    for index, action in enumerate(value):
        if not isinstance(action, Mapping) or not isinstance(action.get("type"), str) or not action["type"]:
            raise IncidentValidationError(f"{field}[{index}]", "must be an object with a 'type'", vendor=NAME)
        settings = action.get("settings", [])
        if not isinstance(settings, list) or not all(isinstance(item, Mapping) for item in settings):
            raise IncidentValidationError(
                f"{field}[{index}].settings", "must be a list of objects", vendor=NAME
            )
    return [dict(action) for action in value]


def validate_vendor_fields(
    fields: Mapping[str, Any], arguments: Mapping[str, str | None] = _ARGUMENT_FIELDS
) -> dict[str, Any]:
    """``vendor_fields`` as body fields; a key with its own argument (in ``arguments``) is refused."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=arguments,
        what="a Pinghome incident field",
    ):
        result[key] = _actions(value)
    return result


def validate_note(note: str, field_name: str = "note") -> None:
    if not isinstance(note, str) or not note.strip():
        raise IncidentValidationError(field_name, "must be non-empty text", vendor=NAME)
    if len(note) > NOTE_MAX_LENGTH:
        raise IncidentValidationError(field_name, f"is longer than {NOTE_MAX_LENGTH} characters", vendor=NAME)


def _name(title: str) -> str:
    """The ``name`` body field of a title, checked."""
    if not title.strip() or len(title) > NAME_MAX_LENGTH:
        raise IncidentValidationError("title", f"must be 1 to {NAME_MAX_LENGTH} characters", vendor=NAME)
    return title


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """The body fields an update changes, checked without the incident or the network.

    ``note`` and ``resolution`` are not body fields: they are appended to the description.
    """
    changes: dict[str, Any] = {}
    if update.title is not None:
        changes["name"] = _name(update.title)
    if update.description is not None:
        changes["description"] = update.description
    if update.severity is not None:
        changes["urgency"] = _urgency(update.severity, "severity")
    if update.assignees is not None:
        changes["assignees"] = assignee_objects(update.assignees)
    if update.status is not None:
        changes["status"] = to_vendor_status(update.status)
    if update.note is not None:
        validate_note(update.note)
    if update.resolution is not None:
        if changes.get("status") != "resolved":
            raise IncidentValidationError(
                "resolution", "Pinghome takes a resolution only together with status resolved", vendor=NAME
            )
        validate_note(update.resolution, "resolution")
    if update.description is not None and (update.note is not None or update.resolution is not None):
        raise UnsupportedOperationError(
            "Pinghome stores notes in the description: give either description=... (replacing it) or "
            "note=.../resolution=... (appended to it), not both in one update"
        )
    changes.update(validate_vendor_fields(update.vendor_fields))
    return changes


# --- create, escalate, reassign ------------------------------------------------------------------


_CREATE_ARGUMENT_FIELDS = {key: value for key, value in _ARGUMENT_FIELDS.items() if key != "status"}
"""A new incident starts open: ``status`` is not a create field, so it is refused as unknown."""


def validate_create(create: IncidentCreate) -> dict[str, Any]:
    """The ``POST`` body of a new incident, checked without the network; the dedup marker comes later.

    ``assignees`` and ``actions`` are sent only when given (the create page marks assignees optional).
    """
    body: dict[str, Any] = {
        "name": _name(create.title),
        "description": create.description or "",
        "urgency": _urgency(create.severity, "severity") if create.severity is not None else CREATE_URGENCY,
    }
    if create.assignees is not None:
        body["assignees"] = assignee_objects(create.assignees)
    body.update(validate_vendor_fields(create.vendor_fields, _CREATE_ARGUMENT_FIELDS))
    return body


def created_description(description: str, dedup_key: str | None) -> str:
    """The description of a new incident, ending with the dedup marker line when there is a key."""
    if not dedup_key:
        return description
    return mark(description, dedup_key) if description.strip() else mark("", dedup_key).lstrip()


def carries_dedup_key(data: Mapping[str, Any], dedup_key: str) -> bool:
    """Whether an incident was created with ``dedup_key`` (its marker is in the description)."""
    return has_note(str(data.get("description") or ""), dedup_key)


def build_create(team: str, body: Mapping[str, Any]) -> Request:
    """``POST {cmd}/v1/team/{teamId}/incident``: not idempotent, a lost answer is checked, not resent."""
    path = f"/team/{path_segment(team, 'team_id', NAME)}/incident"
    return Request("POST", path, json=dict(body), write=True, idempotent=False, service=CMD)


def parse_created(response: Response) -> str:
    """The new incident's id: ``id`` at the top level, or under ``incident`` or ``data``."""
    body = response.body
    if isinstance(body, Mapping):
        for candidate in (body, body.get("incident"), body.get("data")):
            if isinstance(candidate, Mapping) and isinstance(candidate.get("id"), str | int):
                return str(candidate["id"])
    raise ValueError("the Pinghome create response carries no incident id")


def validate_escalation(escalation: Escalation) -> dict[str, Any]:
    """The body fields an escalation names (empty for one step), checked without the network."""
    if escalation.escalation_level is not None:
        raise UnsupportedOperationError(
            "Pinghome has no escalation levels (escalation_level): pass severity= (urgency "
            f"{', '.join(URGENCIES)}), assignees= to hand the incident on, or neither for one urgency "
            "step up"
        )
    changes: dict[str, Any] = {}
    if escalation.severity is not None:
        changes["urgency"] = _urgency(escalation.severity, "severity")
    if escalation.assignees is not None:
        changes["assignees"] = validate_assignees(escalation.assignees)
    if escalation.note is not None:
        validate_note(escalation.note)
    return changes


def lowers_urgency(target: str, data: Mapping[str, Any]) -> bool:
    """Whether ``target`` is below the incident's urgency: an escalation never lowers it."""
    current = str(data.get("urgency") or "").strip().lower()
    return current in URGENCIES and target in URGENCIES and URGENCIES.index(target) < URGENCIES.index(current)


def next_urgency(data: Mapping[str, Any]) -> str | None:
    """One step up :data:`URGENCIES` from the incident's urgency, as an absolute word; None at the top."""
    current = str(data.get("urgency") or "").strip().lower()
    if current not in URGENCIES:
        raise IncidentValidationError(
            "severity",
            f"the incident's urgency {current!r} is not on the scale {', '.join(URGENCIES)}, so one step "
            "up is unknown: pass severity= explicitly",
            vendor=NAME,
        )
    index = URGENCIES.index(current)
    return URGENCIES[index + 1] if index + 1 < len(URGENCIES) else None


def validate_assignees(assignees: Sequence[str]) -> list[dict[str, str]]:
    """Assignee objects for a reassignment: at least one, each a user id or ``team:<id>``."""
    if not assignees:
        raise IncidentValidationError("assignees", "must name at least one assignee", vendor=NAME)
    return assignee_objects(assignees)


def same_assignees(data: Mapping[str, Any], assignees: Sequence[Mapping[str, str]]) -> bool:
    """Whether the incident is assigned to exactly ``assignees``, in any order."""
    now = _comparable(current_body(data), "assignees")
    return bool(now == _comparable({"assignees": assignees}, "assignees"))


def current_body(data: Mapping[str, Any]) -> dict[str, Any]:
    """The full ``PUT`` body that leaves the incident exactly as read (the base of read-merge-write).

    ``status`` is left out: it is undocumented, so it is sent only when a caller changes it.
    """
    return {
        "name": str(data.get("name") or data.get("title") or ""),
        "description": str(data.get("description") or ""),
        "urgency": str(data.get("urgency") or "").lower(),
        "assignees": [
            {"type": str(item.get("type") or DEFAULT_ASSIGNEE_TYPE).lower(), "id": str(item["id"])}
            for item in data.get("assignees") or ()
            if isinstance(item, Mapping) and item.get("id")
        ],
        "actions": [dict(action) for action in data.get("actions") or () if isinstance(action, Mapping)],
    }


def note_text(note: str, key: str | None) -> str:
    return mark(note, key) if key else note


def append_note(description: str, note: str) -> str:
    """The description with ``note`` appended after a separator line (no separator when it was empty)."""
    return f"{description.rstrip()}{NOTE_SEPARATOR}{note}" if description.strip() else note


def has_note(description: str, key: str | None) -> bool:
    """Whether the description already carries the note of idempotency key ``key``."""
    return bool(key) and is_marked(description, key or "")


def merged_body(
    current: Mapping[str, Any], changes: Mapping[str, Any], notes: Sequence[str]
) -> dict[str, Any]:
    """The full replacement body: the incident as read, the changes over it, then ``notes`` appended."""
    body = {**current_body(current), **changes}
    for note in notes:
        body["description"] = append_note(body["description"], note)
    return body


def build_replace(incident_id: str, body: Mapping[str, Any]) -> Request:
    """``PUT {cmd}/v1/incident/{id}`` with the whole incident; absolute, so resending it is harmless."""
    path = f"/incident/{path_segment(incident_id, 'incident_id', NAME)}"
    return Request("PUT", path, json=dict(body), write=True, service=CMD)


def _comparable(body: Mapping[str, Any], field: str) -> Any:
    value = body.get(field)
    if field == "assignees":
        return sorted((item["type"], item["id"]) for item in value or ())
    return value


def not_taken(sent: Mapping[str, Any], read_back: Mapping[str, Any]) -> list[str]:
    """The fields of a sent body that the incident read back afterwards does not show."""
    now = {**current_body(read_back), "status": status_of(read_back)}
    return [
        field
        for field in VERIFIED_FIELDS
        if field in sent and _comparable(now, field) != _comparable(sent, field)
    ]


def changed_fields(current: Mapping[str, Any], body: Mapping[str, Any]) -> list[str]:
    """The fields of a replacement body that differ from the incident as read (empty: nothing to write)."""
    now = {**current_body(current), "status": status_of(current)}
    return [field for field in (*BODY_FIELDS, "status") if field in body and body[field] != now.get(field)]


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_not_taken(fields: Sequence[str], sent: Mapping[str, Any], read_back: Mapping[str, Any]) -> str:
    """Which fields the incident does not show after the write, what was sent and what is there."""
    now = {**current_body(read_back), "status": status_of(read_back)}
    parts = [f"{field!r} is {_short(now.get(field))}, sent {_short(sent.get(field))}" for field in fields]
    hint = ""
    if "status" in fields:
        hint = (
            "; 'status' is not in Pinghome's documented update fields and this API did not apply it: "
            "change the status in the Pinghome app"
        )
    return (
        f"Pinghome accepted the update but the incident read back does not show it: {'; '.join(parts)}{hint}"
    )
