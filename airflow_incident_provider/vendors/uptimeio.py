"""UptimeIO status-page incidents: request building and response parsing, no I/O. EXPERIMENTAL.

The only place that knows UptimeIO's JSON shapes, status words, headers, error format and limits.
UptimeIO publishes no machine-readable spec: the facts come from its API reference pages
(docs.uptimeio.com/api-reference/status-pages/...). Where those pages are silent, the choice is made
once here, in a named constant, so it is easy to correct.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_incident_provider import connection_defaults as defaults
from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import mark_hidden
from airflow_incident_provider.models import Incident, IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.vendors.base import (
    Request,
    Response,
    capped_raw,
    lookup_status,
    refuse_scope,
    uuid_segment,
    vendor_field_items,
    wait_from_headers,
)

NAME = "uptimeio"
DISPLAY_NAME = "UptimeIO"
BASE_URL = defaults.UPTIMEIO_BASE_URL
API_KEY_HEADER = "X-API-Key"

URL_PLACEHOLDERS = ("project_id", "status_page_id", "incident_id")
"""What the connection's ``incident_url_template`` may name."""
STATUS_PAGE = True
"""A public status page: every status change and note is a message to customers."""
RATE_LIMIT_PER_MINUTE = 60
"""UptimeIO publishes no rate limit. One request a second is a conservative default that a status page
never needs more of; raise it per connection with ``rate_limit_per_minute`` once UptimeIO tells you yours.
"""

STATUS_PHASES: Mapping[str, Phase] = {
    "investigating": Phase.OPEN,
    "identified": Phase.ACKNOWLEDGED,
    "monitoring": Phase.MITIGATED,
    "resolved": Phase.RESOLVED,
}
PHASE_STATUSES: Mapping[Phase, str] = {phase: status for status, phase in STATUS_PHASES.items()}
RESOLVED = "resolved"
SEVERITIES = ("minor", "major", "critical")
"""UptimeIO's severities, lowest first: the one ordered scale that escalation climbs."""

TITLE_MAX_LENGTH = 200
MESSAGE_MAX_LENGTH = 5000
"""Incident ``message``, update ``message`` and resolve ``message`` are all 1-5000 characters."""

LIST_PAGE_SIZE = 100
"""The largest ``limit`` UptimeIO accepts on its list endpoints."""
MAX_UPDATE_PAGES = 50
"""Pages of timeline updates searched for an idempotency marker (5,000 updates) before giving up."""

SORT_NEWEST_FIRST = (("sort_by", "created_at"), ("sort_order", "desc"))
"""List order the provider asks for, so a ``since`` bound can stop paging early."""

MARKER_STYLES = defaults.UPTIMEIO_NOTE_MARKERS
"""How a note carries its idempotency key: ``hidden`` = a Markdown comment, ``none`` = no marker."""
NOTE_MARKER = defaults.UPTIMEIO_NOTE_MARKER

CONFLICT_CODES = frozenset({"CONFLICT", "INVALID_TRANSITION", "INVALID_STATE"})
"""Error codes taken as "the incident's state does not allow this". UptimeIO documents none; these are
guesses kept in one place. A 409 is a conflict whatever its code."""

SENSITIVE_FIELDS = ("url",)
"""UptimeIO incidents hold no credentials, but monitors listed with an incident may carry their URL, and
a monitored URL can hold basic-auth credentials or a token in its query: never copied into XCom."""

VENDOR_FIELDS = ("affected_monitor_ids",)
"""``PATCH`` body fields reachable through ``vendor_fields`` (the others have their own argument)."""
_ARGUMENT_FIELDS = {"title": "title", "message": "description", "status": "status", "severity": "severity"}


# --- addressing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where an incident lives: UptimeIO addresses it by project, status page and incident id."""

    project_id: str
    status_page_id: str
    incident_id: str

    @property
    def ref(self) -> str:
        """The ``Incident.ref`` form: ``projectId/pageId/incidentId``."""
        return f"{self.project_id}/{self.status_page_id}/{self.incident_id}"

    @property
    def page_path(self) -> str:
        return page_path(self.project_id, self.status_page_id)

    @property
    def path(self) -> str:
        """The incident's encoded path."""
        return f"{self.page_path}/incidents/{uuid_id(self.incident_id, 'incident_id')}"


def uuid_id(value: object, field_name: str) -> str:
    """A project, status-page or incident id: UptimeIO's are UUIDs (its API docs type every id UUID)."""
    return uuid_segment(value, field_name, NAME, "UptimeIO")


def page_path(project_id: str | None, status_page_id: str | None) -> str:
    """``/api/projects/{projectId}/status-pages/{statusPageId}``, each id path-encoded."""
    for field_name, value in (("project_id", project_id), ("status_page_id", status_page_id)):
        if not value:
            raise IncidentValidationError(
                field_name,
                "is needed to reach an UptimeIO status page: set it in the connection's extra, or pass "
                "the incident as a ref 'projectId/pageId/incidentId'",
                vendor=NAME,
            )
    project = uuid_id(project_id, "project_id")
    page = uuid_id(status_page_id, "status_page_id")
    return f"/api/projects/{project}/status-pages/{page}"


def parse_ref(ref: str, *, project_id: str | None, status_page_id: str | None) -> Scope:
    """An incident id (scope from the connection) or a ``projectId/pageId/incidentId`` ref."""
    if not isinstance(ref, str) or not ref.strip():
        raise IncidentValidationError("incident_id", "must be an incident id or a ref", vendor=NAME)
    parts = [part.strip() for part in ref.strip().split("/")]
    if len(parts) == 3:
        project_id, status_page_id, incident_id = parts
    elif len(parts) == 1:
        incident_id = parts[0]
    else:
        raise IncidentValidationError(
            "incident_id",
            f"{ref!r} is neither an incident id nor a ref 'projectId/pageId/incidentId'",
            vendor=NAME,
        )
    scope = Scope(project_id or "", status_page_id or "", incident_id)
    validate_scope(scope)
    return scope


def validate_scope(scope: Scope) -> None:
    """Check every id of ``scope`` now, before any request."""
    page_path(scope.project_id, scope.status_page_id)
    uuid_id(scope.incident_id, "incident_id")


# --- authentication, headers, errors -----------------------------------------------------------------


def headers(api_key: str, *, has_body: bool) -> dict[str, str]:
    """``X-API-Key`` on every request; a JSON content type when a body is sent."""
    result = {API_KEY_HEADER: api_key, "Accept": "application/json"}
    if has_body:
        result["Content-Type"] = "application/json"
    return result


def retry_after(response: Response) -> float | None:
    """Seconds to wait after a 429 from ``Retry-After`` (seconds or an HTTP date); it may be absent."""
    return wait_from_headers(response.headers)


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """``{"success": false, "error": {"code", "message"}}`` as (message, code, details).

    That shape is shown on UptimeIO's update page only, so anything else falls back to the HTTP status.
    """
    body = response.body
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        code = error.get("code")
        message = str(error.get("message") or "")
        details = _details(error.get("details"))
        return message or f"HTTP {response.status}", str(code) if code else None, details
    if isinstance(error, str) and error:
        return error, None, ()
    if isinstance(body, Mapping) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"]), None, ()
    return f"HTTP {response.status} with no UptimeIO error body", None, ()


def _details(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value[:20])
    if isinstance(value, Mapping):
        return tuple(f"{key}: {item}" for key, item in list(value.items())[:20])
    return ()


def is_conflict(code: str | None) -> bool:
    return code is not None and code.upper() in CONFLICT_CODES


# --- reading -------------------------------------------------------------------------------------


def build_get(scope: Scope) -> Request:
    return Request("GET", scope.path)


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def incident_url(template: str | None, scope: Scope) -> str | None:
    """The incident's page from the connection's ``incident_url_template``; UptimeIO returns no URL."""
    if not template:
        return None
    return template.format(
        project_id=scope.project_id, status_page_id=scope.status_page_id, incident_id=scope.incident_id
    )


def incident_from_json(
    data: Mapping[str, Any],
    *,
    project_id: str,
    status_page_id: str,
    url_template: str | None = None,
    include_raw: bool = False,
) -> Incident:
    """One status-page incident object as the normalized ``Incident``."""
    scope = Scope(project_id, str(data.get("status_page_id") or status_page_id), str(data["id"]))
    status = str(data.get("status", "")).lower()
    severity = data.get("severity")
    return Incident(
        vendor=NAME,
        id=scope.incident_id,
        ref=scope.ref,
        title=data.get("title"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(severity).lower() if severity else None,
        url=incident_url(url_template, scope),
        created_at=_timestamp(data.get("created_at")),
        updated_at=_timestamp(data.get("updated_at")),
        resolved_at=_timestamp(data.get("resolved_at")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def _data(response: Response) -> Mapping[str, Any]:
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise ValueError("UptimeIO response has no 'data' object")
    return body["data"]  # type: ignore[no-any-return]


def parse_incident(
    response: Response, scope: Scope, *, url_template: str | None = None, include_raw: bool = False
) -> Incident:
    """``data.incident`` of a get, update or resolve response."""
    incident = _data(response).get("incident")
    if not isinstance(incident, Mapping):
        raise ValueError("UptimeIO response has no 'data.incident' object")
    return incident_from_json(
        incident,
        project_id=scope.project_id,
        status_page_id=scope.status_page_id,
        url_template=url_template,
        include_raw=include_raw,
    )


LIST_SCOPE = (
    "UptimeIO lists one status page of one project: set project_id and status_page_id on the "
    "connection (one connection per page), and leave services and teams out"
)
"""What scopes an UptimeIO list instead of services or teams (it has neither)."""


def check_list_scope(services: Sequence[str], teams: Sequence[str]) -> None:
    """Refuse ``services`` and ``teams``: an UptimeIO list is the connection's status page."""
    refuse_scope(services, teams, vendor=NAME, instead=LIST_SCOPE)


def build_list(
    project_id: str | None, status_page_id: str | None, *, page: int, limit: int, status: str | None
) -> Request:
    """One page of ``GET .../incidents``, newest first, optionally filtered by one status."""
    params: list[tuple[str, str]] = [("page", str(page)), ("limit", str(limit)), *SORT_NEWEST_FIRST]
    if status is not None:
        params.append(("status", to_vendor_status(status, field_name="statuses")))
    return Request("GET", f"{page_path(project_id, status_page_id)}/incidents", params=tuple(params))


def parse_list(
    response: Response,
    project_id: str,
    status_page_id: str,
    *,
    url_template: str | None = None,
    include_raw: bool = False,
) -> list[Incident]:
    """``data.incidents`` of a list page. Its paging fields are undocumented, so none are read."""
    items = _data(response).get("incidents") or ()
    return [
        incident_from_json(
            item,
            project_id=project_id,
            status_page_id=status_page_id,
            url_template=url_template,
            include_raw=include_raw,
        )
        for item in items
        if isinstance(item, Mapping) and "id" in item
    ]


def page_is_last(items: Sequence[object], limit: int) -> bool:
    """A page shorter than ``limit`` is the last one: UptimeIO's response paging fields are undocumented."""
    return len(items) < limit


def build_connection_check(project_id: str | None, status_page_id: str | None) -> Request:
    """The cheapest call that proves the key can read the connection's status page."""
    return build_list(project_id, status_page_id, page=1, limit=1, status=None)


def build_list_updates(scope: Scope, page: int) -> Request:
    """One page of the incident's timeline updates, newest first (where a retry's marker would be)."""
    params = (("page", str(page)), ("limit", str(LIST_PAGE_SIZE)), ("sort_order", "desc"))
    return Request("GET", f"{scope.path}/updates", params=params)


def parse_updates(response: Response) -> list[str]:
    """The message of each timeline update on the page."""
    items = _data(response).get("updates") or ()
    return [str(item.get("message") or "") for item in items if isinstance(item, Mapping)]


# --- writing -------------------------------------------------------------------------------------


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """An UptimeIO status word for a status word or a phase (any case)."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)


def check_options(options: WriteOptions, *, customer_facing: str | None) -> None:
    """Refuse, before any request, a customer-facing write the caller did not make explicit.

    ``customer_facing`` names what would be posted (None when the write posts no message).
    """
    if options.notify_subscribers:
        raise UnsupportedOperationError(
            f"{NAME}: 'notify_subscribers' cannot be honoured: UptimeIO's status-page incident, update "
            "and resolve bodies have no subscriber-notification field; leave notify_subscribers=False "
            "(UptimeIO's own status-page settings decide who is notified)"
        )
    if customer_facing is not None and not options.public:
        raise IncidentValidationError(
            "public",
            f"{customer_facing} is a message to customers on the UptimeIO status page; pass public=True "
            "to post it",
            vendor=NAME,
        )


def create_unsupported() -> UnsupportedOperationError:
    """Creating: none of UptimeIO's API reference pages documents a create endpoint."""
    return UnsupportedOperationError(
        f"{NAME}: UptimeIO documents no endpoint to create a status-page incident; create the incident "
        "in UptimeIO and pass its id (or its 'projectId/pageId/incidentId' ref) to the other operators"
    )


def assignees_unsupported() -> UnsupportedOperationError:
    """Assigning: a status page tells customers what is happening; it has no one to assign."""
    return UnsupportedOperationError(
        f"{NAME}: status-page incidents have no 'assignees'; assign people in your incident tool (e.g. "
        "ReassignIncidentOperator on a PagerDuty, Rootly or Pinghome connection) and describe progress "
        "to customers with note=... (public=True)"
    )


def escalation_level_unsupported() -> UnsupportedOperationError:
    """Escalation policies' levels are PagerDuty's; an UptimeIO incident escalates by severity."""
    return UnsupportedOperationError(
        f"{NAME}: 'escalation_level' is PagerDuty's; an UptimeIO status-page incident escalates by "
        f"severity ({' -> '.join(SEVERITIES)}): pass severity=... or no target for one step up"
    )


def acknowledge_unsupported() -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"{NAME}: status-page incidents have no acknowledge; every status is a public message, so move "
        "the incident explicitly with UpdateIncidentOperator(status='identified', public=True)"
    )


def _text(value: Any, field_name: str, maximum: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IncidentValidationError(field_name, "must be non-empty text", vendor=NAME)
    if len(value) > maximum:
        raise IncidentValidationError(
            field_name, f"must be 1 to {maximum} characters (got {len(value)})", vendor=NAME
        )
    return value


def validate_message(text: str, field_name: str) -> str:
    """A message of an update, a note or a resolution: 1 to 5000 characters."""
    return _text(text, field_name, MESSAGE_MAX_LENGTH)


def severity(word: str) -> str:
    lowered = word.strip().lower() if isinstance(word, str) else ""
    if lowered not in SEVERITIES:
        raise IncidentValidationError(
            "severity", f"{word!r} is not a severity; allowed: {', '.join(SEVERITIES)}", vendor=NAME
        )
    return lowered


def next_severity(current: str | None) -> str | None:
    """One step up :data:`SEVERITIES` from ``current`` as an absolute target; None at the top.

    An incident without a severity steps onto the lowest one. A severity outside the scale cannot be
    placed on it, so it is refused rather than guessed.
    """
    if current is None:
        return SEVERITIES[0]
    rung = current.strip().lower()
    if rung not in SEVERITIES:
        raise IncidentValidationError(
            "severity",
            f"the incident's severity {current!r} is not on UptimeIO's scale ({', '.join(SEVERITIES)}), "
            "so one step up cannot be computed; pass severity=... explicitly",
            vendor=NAME,
        )
    index = SEVERITIES.index(rung)
    return SEVERITIES[index + 1] if index + 1 < len(SEVERITIES) else None


def escalation_target(current: str | None, requested: str | None) -> tuple[str | None, str]:
    """What escalating an incident now at severity ``current`` writes, and the step's detail.

    ``requested`` is an explicit severity, or None for one step up. Returns the absolute severity to
    write, or None when nothing is written: at the top, or when the target would not raise the
    incident (escalating never lowers a severity; lower it with an update on purpose).
    """
    if requested is None:
        target = next_severity(current)
        if target is None:
            return None, "already at the top"
    else:
        target = severity(requested)
        if current in SEVERITIES:
            if current == target:
                return None, f"already {current}"
            if SEVERITIES.index(target) < SEVERITIES.index(current):
                return None, f"already {current}, above {target}"
    return target, f"severity {current} -> {target}"


def _monitor_ids(value: Any) -> list[str]:
    field_name = "vendor_fields.affected_monitor_ids"
    if not isinstance(value, list | tuple) or not value:
        raise IncidentValidationError(field_name, "must be a list of at least one monitor id", vendor=NAME)
    ids: list[str] = []
    for item in value:
        try:
            ids.append(str(uuid.UUID(item.strip())))
        except (AttributeError, ValueError):
            raise IncidentValidationError(
                field_name, f"{item!r} is not a monitor UUID", vendor=NAME
            ) from None
    return list(dict.fromkeys(ids))


def validate_vendor_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``vendor_fields`` checked against UptimeIO's ``PATCH`` body: only ``affected_monitor_ids``."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=_ARGUMENT_FIELDS,
        what="an UptimeIO status-page incident field",
    ):
        result[key] = _monitor_ids(value)
    return result


def validate_update(update: IncidentUpdate) -> dict[str, Any]:
    """Everything about an update that can be checked without the incident or the network.

    Returns the validated vendor fields. Raises before any request for a field UptimeIO cannot take.
    """
    if update.assignees is not None:
        raise assignees_unsupported()
    if update.title is not None:
        _text(update.title, "title", TITLE_MAX_LENGTH)
    if update.description is not None:
        validate_message(update.description, "description")
    if update.severity is not None:
        severity(update.severity)
    if update.status is not None:
        to_vendor_status(update.status)
    if update.resolution is not None:
        validate_message(update.resolution, "resolution")
        if update.status is None or to_vendor_status(update.status) != RESOLVED:
            raise IncidentValidationError(
                "resolution", "is the resolve message: give it together with status='resolved'", vendor=NAME
            )
    if update.note is not None:
        validate_message(update.note, "note")
    return validate_vendor_fields(update.vendor_fields)


def patch_body(
    update: IncidentUpdate, fields: Mapping[str, Any], *, current: Incident | None
) -> dict[str, Any]:
    """The ``PATCH`` body: what differs from ``current``; a move to resolved goes to the resolve endpoint."""
    body: dict[str, Any] = {}
    if update.title is not None and (current is None or current.title != update.title):
        body["title"] = update.title
    if update.description is not None:
        body["message"] = update.description
    if update.severity is not None:
        body["severity"] = severity(update.severity)
    if update.status is not None:
        status = to_vendor_status(update.status)
        if status != RESOLVED and (current is None or current.status != status):
            body["status"] = status
    body.update(fields)
    return body


def build_update(scope: Scope, body: Mapping[str, Any]) -> Request:
    """``PATCH .../incidents/{id}``: absolute values, so safe to send again."""
    return Request("PATCH", scope.path, json=dict(body), write=True)


def build_resolve(scope: Scope, message: str | None) -> Request:
    """``POST .../resolve``: it adds a public resolution update, so it is not resent blindly."""
    body = {} if message is None else {"message": validate_message(message, "resolution")}
    return Request("POST", f"{scope.path}/resolve", json=body, write=True, idempotent=False)


def note_content(text: str, idempotency_key: str | None, marker_style: str) -> str:
    """The message posted for a note: the marker in a Markdown comment, so readers never see it."""
    validate_message(text, "note")
    content = mark_hidden(text, idempotency_key) if idempotency_key and marker_style == "hidden" else text
    if len(content) > MESSAGE_MAX_LENGTH:
        raise IncidentValidationError(
            "note",
            f"is {len(content)} characters with its idempotency marker; UptimeIO takes at most "
            f"{MESSAGE_MAX_LENGTH}",
            vendor=NAME,
        )
    return content


def build_add_update(scope: Scope, message: str, status: str) -> Request:
    """``POST .../updates`` with both required fields; not idempotent, so marked and checked first."""
    body = {"message": validate_message(message, "note"), "status": to_vendor_status(status)}
    return Request("POST", f"{scope.path}/updates", json=body, write=True, idempotent=False)
