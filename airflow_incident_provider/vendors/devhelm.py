"""DevHelm status pages: request building and response parsing, no I/O.

The only place that knows DevHelm's JSON shapes, status words, headers, error format and limits.
Sources: DevHelm's OpenAPI spec (``devhelmhq/sdk-python``, ``docs/openapi/monitoring-api.json``), its
update-incident reference page, its rate-limit docs and the official SDK's headers.

Status-page incidents are public notices: a status change or a note is a timeline update customers
read, so the hook posts them only when asked to (``public=True``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_incident_provider import connection_defaults as defaults
from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.idempotency import mark_hidden
from airflow_incident_provider.models import Incident, IncidentCreate, IncidentUpdate, Phase
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

NAME = "devhelm"
DISPLAY_NAME = "DevHelm"
BASE_URL = defaults.DEVHELM_BASE_URL
PAGES_PATH = "/api/v1/status-pages"
URL_PLACEHOLDERS = ("page_id", "incident_id")
"""What the connection's ``incident_url_template`` may name."""
STATUS_PAGE = True
"""A public status page: every status change and note is a message to customers."""
RATE_LIMIT_PER_MINUTE = 100
"""Per organization, by plan: Free 100/min (the safe default), Starter 1,000, Pro/Team 5,000, Business
100,000 (docs.devhelm.io/patterns/rate-limits); raise it with the connection's ``rate_limit_per_minute``."""

STATUS_PHASES: Mapping[str, Phase] = {
    "investigating": Phase.OPEN,
    "identified": Phase.ACKNOWLEDGED,
    "monitoring": Phase.MITIGATED,
    "resolved": Phase.RESOLVED,
}
"""DevHelm's statuses (sent upper-case on the wire) and their phases."""
PHASE_STATUSES: Mapping[Phase, str] = {phase: status for status, phase in STATUS_PHASES.items()}
UNRESOLVED_STATUSES = tuple(status for status, phase in STATUS_PHASES.items() if phase is not Phase.RESOLVED)
"""Where a dedup key is looked for: an incident matches its key only until it is resolved."""
IMPACTS = ("none", "minor", "major", "critical")
"""DevHelm's impacts, lowest first. Also the escalation scale: one step is the next impact up."""
DEFAULT_IMPACT = "none"
"""The impact of a created incident that names no severity (DevHelm requires one): the mildest, so the
provider never overstates an outage to customers; escalation raises it from there."""
COMPONENT_STATUSES = (
    "OPERATIONAL",
    "DEGRADED_PERFORMANCE",
    "PARTIAL_OUTAGE",
    "MAJOR_OUTAGE",
    "UNDER_MAINTENANCE",
)

TITLE_MAX_LENGTH = 500
POSTMORTEM_URL_MAX_LENGTH = 2048
POSTMORTEM_URL = re.compile(r"^https?://")
"""The spec's ``postmortemUrl`` pattern ``^https?://.*`` (``""`` clears it instead)."""
LIST_PAGE_SIZE = 100
"""``size`` of each ``GET .../incidents`` page; the official SDK pages with 200, Spring caps at 2000."""

STATUS_MESSAGES: Mapping[str, str] = {
    "investigating": "We are investigating this issue.",
    "identified": "The issue has been identified and a fix is being implemented.",
    "monitoring": "A fix has been implemented and we are monitoring the results.",
    "resolved": "This incident has been resolved.",
}
"""The customer message of a status change made without a note or resolution (a timeline update needs
a body)."""

SENSITIVE_FIELDS: tuple[str, ...] = ()
"""A status-page incident is public by nature: nothing in it is secret."""

VENDOR_FIELDS = ("affectedComponents", "postmortemBody", "postmortemUrl")
"""Body fields of ``PUT .../incidents/{incidentId}`` reachable through ``vendor_fields``."""
CREATE_VENDOR_FIELDS = ("affectedComponents",)
"""Body fields of ``POST .../incidents`` reachable through ``vendor_fields`` (scheduled maintenance, the
create body's other fields, is not offered)."""
CLEARABLE_FIELDS = ("postmortemBody", "postmortemUrl")
"""Fields an empty string clears (in DevHelm's PUT, ``null`` preserves a field)."""
_ARGUMENT_FIELDS = {
    "title": "title",
    "status": "status",
    "impact": "severity",
    "body": "note",
    "notifySubscribers": "notify_subscribers",
}
_CREATE_ARGUMENT_FIELDS = {
    "title": "title",
    "status": None,
    "impact": "severity",
    "body": "description",
    "notifySubscribers": "notify_subscribers",
}
NO_ASSIGNEES = (
    "DevHelm status-page incidents have no assignees (they are public notices): assign responders "
    "through your incident-management connection (PagerDuty, Rootly, Pinghome) instead, and leave "
    "assignees out"
)
NO_ESCALATION_LEVELS = (
    "DevHelm status pages have no escalation levels (escalation_level is PagerDuty's): escalate the "
    "public impact instead, with severity='minor'/'major'/'critical' or with no target for one step up "
    "(none -> minor -> major -> critical)"
)
DEDUP_KEY = re.compile(r"[A-Za-z0-9._:/@+=-]{1,128}")
"""A dedup key as the hidden marker carries it: no spaces or ``>``, so it cannot end the comment early."""

CONFLICT_CODE = "CONFLICT"
ORG_HEADER = "x-phelm-org-id"
WORKSPACE_HEADER = "x-phelm-workspace-id"
"""Tenant headers the official SDK sends; needed only when a token belongs to several organizations."""

_HEADER_VALUE = re.compile(r"[\x21-\x7e]+")


# --- ids and refs ----------------------------------------------------------------------------------


def uuid_id(value: object, field_name: str) -> str:
    """A status-page or incident id: DevHelm ids are UUIDs (the spec's ``format: uuid``)."""
    return uuid_segment(value, field_name, NAME, "DevHelm")


@dataclass(frozen=True)
class IncidentRef:
    """Where an incident lives: its status page and its own id."""

    page_id: str
    incident_id: str

    @property
    def path(self) -> str:
        return f"{PAGES_PATH}/{self.page_id}/incidents/{self.incident_id}"

    def __str__(self) -> str:
        return f"{self.page_id}/{self.incident_id}"


def parse_ref(ref: object, default_page_id: str | None) -> IncidentRef:
    """``pageId/incidentId``, or an incident id alone on the connection's status page."""
    if isinstance(ref, str) and "/" in ref:
        page, _, incident = ref.strip().partition("/")
        return IncidentRef(uuid_id(page, "incident_id (page part)"), uuid_id(incident, "incident_id"))
    incident_id = uuid_id(ref, "incident_id")
    if not default_page_id:
        raise IncidentValidationError(
            "incident_id",
            "DevHelm incidents live on a status page: give the ref 'pageId/incidentId' or set "
            "status_page_id in the connection's extra",
            vendor=NAME,
        )
    return IncidentRef(uuid_id(default_page_id, "status_page_id"), incident_id)


# --- authentication and headers -------------------------------------------------------------------


def check_header_value(value: object, field_name: str) -> str:
    """An org or workspace id sent as a header: printable ASCII without spaces (no header injection)."""
    text = str(value).strip()
    if not _HEADER_VALUE.fullmatch(text):
        raise IncidentValidationError(field_name, "must be printable ASCII without spaces", vendor=NAME)
    return text


def headers(token: str, *, org_id: str | None, workspace_id: str | None, write: bool) -> dict[str, str]:
    """Bearer auth, JSON, and the tenant headers only when the connection sets them."""
    result = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if write:
        result["Content-Type"] = "application/json"
    if org_id:
        result[ORG_HEADER] = org_id
    if workspace_id:
        result[WORKSPACE_HEADER] = workspace_id
    return result


def retry_after(response: Response, now: float | None = None) -> float | None:
    """Seconds to wait after a 429: ``Retry-After`` (seconds or a date), else the epoch of the reset."""
    return wait_from_headers(
        response.headers, reset_headers=("x-ratelimit-reset",), reset_is_epoch=True, now=now
    )


def parse_error(response: Response) -> tuple[str, str | None, tuple[str, ...]]:
    """DevHelm's ``ErrorResponse {status, code, message, timestamp, requestId?, errors?}``."""
    body = response.body
    if not isinstance(body, Mapping) or not ({"message", "code"} & set(body)):
        return f"HTTP {response.status} with no error body", None, ()
    code = body.get("code")
    message = str(body.get("message") or "") or f"HTTP {response.status}"
    details: list[str] = []
    for entry in body.get("errors") or ():
        if isinstance(entry, Mapping):
            text = str(entry.get("message") or entry.get("code") or "")
            where = f"{entry['field']}: " if entry.get("field") else ""
            suffix = f" ({entry['code']})" if entry.get("code") else ""
            details.append(f"{where}{text}{suffix}")
    request_id = body.get("requestId") or response.headers.get("x-request-id")
    if request_id:
        details.append(f"request id {request_id}")
    return message, str(code) if code is not None else None, tuple(details)


def is_conflict(code: str | None) -> bool:
    """Whether an error code means a state conflict (DevHelm answers those with 409 ``CONFLICT``)."""
    return code == CONFLICT_CODE


# --- reading ---------------------------------------------------------------------------------------


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def incident_url(template: str | None, page_id: str, incident_id: str) -> str | None:
    """The incident's page in DevHelm's UI, from the connection's ``incident_url_template`` if set."""
    return template.format(page_id=page_id, incident_id=incident_id) if template else None


def incident_from_json(
    data: Mapping[str, Any], *, include_raw: bool = False, url_template: str | None = None
) -> Incident:
    """One ``StatusPageIncidentDto`` as the normalized ``Incident`` (status and impact lower-cased)."""
    status = str(data.get("status", "")).lower()
    page_id, incident_id = str(data["statusPageId"]), str(data["id"])
    impact = data.get("impact")
    return Incident(
        vendor=NAME,
        id=incident_id,
        ref=f"{page_id}/{incident_id}",
        title=data.get("title"),
        status=status,
        phase=STATUS_PHASES.get(status, Phase.OPEN),
        severity=str(impact).lower() if impact else None,
        assignees=(),
        url=incident_url(url_template, page_id, incident_id),
        created_at=_timestamp(data.get("createdAt") or data.get("startedAt")),
        updated_at=_timestamp(data.get("updatedAt")),
        resolved_at=_timestamp(data.get("resolvedAt")),
        raw=capped_raw(data, SENSITIVE_FIELDS) if include_raw else None,
    )


def _data(response: Response) -> Mapping[str, Any]:
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise ValueError("DevHelm response has no 'data' object")
    return body["data"]  # type: ignore[no-any-return]


def parse_incident(
    response: Response, *, include_raw: bool = False, url_template: str | None = None
) -> Incident:
    """The ``{"data": StatusPageIncidentDto}`` body of a get, update or timeline-update response."""
    return incident_from_json(_data(response), include_raw=include_raw, url_template=url_template)


def parse_timeline(response: Response) -> list[str]:
    """The body of each timeline update of the incident in ``response`` (GET returns them)."""
    updates = _data(response).get("updates") or ()
    return [str(item.get("body", "")) for item in updates if isinstance(item, Mapping)]


def build_get(ref: IncidentRef) -> Request:
    return Request("GET", ref.path)


LIST_SCOPE = (
    "DevHelm lists one status page: set status_page_id on the connection (one connection per page), "
    "and leave services and teams out"
)
"""What scopes a DevHelm list instead of services or teams (it has neither)."""


def check_list_scope(services: Sequence[str], teams: Sequence[str]) -> None:
    """Refuse ``services`` and ``teams``: a DevHelm list is the connection's status page."""
    refuse_scope(services, teams, vendor=NAME, instead=LIST_SCOPE)


def build_list(page_id: str, *, statuses: Sequence[str] | None, page: int, size: int) -> Request:
    """One page of ``GET .../incidents``: Spring's ``page``/``size`` (as the official SDK sends them)
    and the ``status`` filter repeated once per status."""
    params: list[tuple[str, str]] = [("page", str(page)), ("size", str(size))]
    wanted = dict.fromkeys(to_vendor_status(status, field_name="statuses") for status in statuses or ())
    params.extend(("status", wire_status(status)) for status in wanted)
    return Request(
        "GET", f"{PAGES_PATH}/{uuid_id(page_id, 'status_page_id')}/incidents", params=tuple(params)
    )


def _list_page(response: Response) -> tuple[list[Mapping[str, Any]], bool]:
    body = response.body if isinstance(response.body, Mapping) else {}
    items = [item for item in body.get("data") or () if isinstance(item, Mapping)]
    return items, bool(body.get("hasNext"))


def parse_list(
    response: Response, *, include_raw: bool = False, url_template: str | None = None
) -> tuple[list[Incident], bool]:
    """A page of incidents and whether DevHelm says there is a next page (``hasNext``)."""
    items, has_next = _list_page(response)
    incidents = [
        incident_from_json(item, include_raw=include_raw, url_template=url_template) for item in items
    ]
    return incidents, has_next


@dataclass(frozen=True)
class Listed:
    """A listed incident as the dedup search sees it: its id, when it was created, and the bodies of its
    timeline updates, or None when the list left the timeline out (the spec lets ``updates`` be null)."""

    incident_id: str
    created_at: datetime | None
    bodies: tuple[str, ...] | None


def parse_listed(response: Response) -> tuple[list[Listed], bool]:
    """A page of ``GET .../incidents`` for the dedup search, and ``hasNext``."""
    items, has_next = _list_page(response)
    listed = [
        Listed(
            incident_id=str(item["id"]),
            created_at=_timestamp(item.get("createdAt")),
            bodies=(
                tuple(
                    str(update.get("body", "")) for update in item["updates"] if isinstance(update, Mapping)
                )
                if isinstance(item.get("updates"), list)
                else None
            ),
        )
        for item in items
    ]
    return listed, has_next


def newest_first(listed: Sequence[Listed]) -> list[Listed]:
    """The order the dedup search reads timelines in: a retry's own incident is most likely the newest."""
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(listed, key=lambda item: aware(item.created_at) or floor, reverse=True)


def aware(moment: datetime | None) -> datetime | None:
    """A naive datetime taken as UTC, as Airflow's own dates are."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def build_connection_check(page_id: str | None) -> Request:
    """Read the connection's status page (proves the token and the page id), or list the pages."""
    if page_id:
        return Request("GET", f"{PAGES_PATH}/{uuid_id(page_id, 'status_page_id')}")
    return Request("GET", PAGES_PATH)


# --- writing ---------------------------------------------------------------------------------------


def to_vendor_status(word: str, *, field_name: str = "status") -> str:
    """The lower-case DevHelm status for a status word (any case) or a phase."""
    return lookup_status(word, STATUS_PHASES, PHASE_STATUSES, NAME, field_name)


def wire_status(status: str) -> str:
    """A status as DevHelm's JSON carries it (``INVESTIGATING``...)."""
    return to_vendor_status(status).upper()


def to_impact(value: object, field_name: str = "severity") -> str:
    """DevHelm's impact (``NONE``/``MINOR``/``MAJOR``/``CRITICAL``) for a severity in any case."""
    if not isinstance(value, str) or value.strip().lower() not in IMPACTS:
        raise IncidentValidationError(
            field_name, f"{value!r} is not an impact; allowed: {', '.join(IMPACTS)}", vendor=NAME
        )
    return value.strip().upper()


def validate_title(title: object) -> str:
    """A customer-facing title: 1 to 500 characters, not blank."""
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX_LENGTH:
        raise IncidentValidationError("title", f"must be 1 to {TITLE_MAX_LENGTH} characters", vendor=NAME)
    return title


def validate_message(text: object, field_name: str = "note") -> str:
    """A timeline update body: non-empty Markdown (the spec's ``minLength: 1``)."""
    if not isinstance(text, str) or not text.strip():
        raise IncidentValidationError(field_name, "must be non-empty text", vendor=NAME)
    return text


def join_message(*parts: str | None) -> str | None:
    """Several texts as one customer message (e.g. a resolution and a note), or None if none given."""
    given = [part.strip() for part in parts if part is not None]
    return "\n\n".join(given) if given else None


def mark_message(text: str, key: str | None) -> str:
    """The message with its idempotency marker hidden in a Markdown comment (status pages are public)."""
    return mark_hidden(text, key) if key else text


def _components(value: Any) -> list[dict[str, str]]:
    where = "vendor_fields.affectedComponents"
    if not isinstance(value, list | tuple):
        raise IncidentValidationError(
            where, "must be a list of {'componentId': <uuid>, 'status': <component status>}", vendor=NAME
        )
    result: list[dict[str, str]] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping) or set(item) != {"componentId", "status"}:
            raise IncidentValidationError(
                f"{where}[{index}]", "must be exactly {'componentId': <uuid>, 'status': ...}", vendor=NAME
            )
        status = item["status"]
        if not isinstance(status, str) or status.strip().upper() not in COMPONENT_STATUSES:
            raise IncidentValidationError(
                f"{where}[{index}].status",
                f"{status!r} is not a component status; allowed: {', '.join(COMPONENT_STATUSES)}",
                vendor=NAME,
            )
        component_id = uuid_id(item["componentId"], f"{where}[{index}].componentId")
        result.append({"componentId": component_id, "status": status.strip().upper()})
    return result


def _postmortem_url(value: str) -> str:
    if value and not POSTMORTEM_URL.match(value):
        raise IncidentValidationError(
            "vendor_fields.postmortemUrl", "must start with http:// or https:// ('' clears it)", vendor=NAME
        )
    if len(value) > POSTMORTEM_URL_MAX_LENGTH:
        raise IncidentValidationError(
            "vendor_fields.postmortemUrl",
            f"is longer than {POSTMORTEM_URL_MAX_LENGTH} characters",
            vendor=NAME,
        )
    return value


def validate_vendor_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``vendor_fields`` against DevHelm's PUT body and return them in the spec's shapes."""
    result: dict[str, Any] = {}
    for key, value in vendor_field_items(
        fields,
        vendor=NAME,
        allowed=VENDOR_FIELDS,
        arguments=_ARGUMENT_FIELDS,
        what="a DevHelm status-page incident field",
    ):
        if value is None:
            hint = "'' clears it" if key in CLEARABLE_FIELDS else "give a list"
            raise IncidentValidationError(
                f"vendor_fields.{key}",
                f"null keeps the current value, so leave the key out ({hint})",
                vendor=NAME,
            )
        if key == "affectedComponents":
            result[key] = _components(value)
            continue
        if not isinstance(value, str):
            raise IncidentValidationError(f"vendor_fields.{key}", "must be a string", vendor=NAME)
        result[key] = _postmortem_url(value) if key == "postmortemUrl" else value
    return result


@dataclass(frozen=True)
class UpdatePlan:
    """An update checked in full: the PUT body, the target status, and the texts of its customer message."""

    fields: Mapping[str, Any]
    status: str | None
    note: str | None
    resolution: str | None

    @property
    def posts(self) -> bool:
        """Whether the update may post a timeline update (a customer message)."""
        return self.status is not None or self.note is not None

    def message(self, status_changes: bool) -> str | None:
        """The message body: with a status change, the resolution and note (or the status's default text);
        without one, the note alone (a resolution only accompanies a change to resolved)."""
        if not status_changes:
            return self.note
        assert self.status is not None
        return join_message(self.resolution, self.note) or STATUS_MESSAGES[self.status]


def plan_update(update: IncidentUpdate) -> UpdatePlan:
    """Everything about an update that can be checked without the incident or the network.

    Raises before any request for a field DevHelm cannot take, naming what to use instead.
    """
    if update.description is not None:
        raise UnsupportedOperationError(
            "DevHelm status-page incidents have no description field: pass the text as note=... "
            "(a public timeline update, with public=True), or as vendor_fields={'postmortemBody': ...} "
            "for a postmortem"
        )
    if update.assignees is not None:
        raise UnsupportedOperationError(NO_ASSIGNEES)
    fields: dict[str, Any] = {}
    if update.title is not None:
        fields["title"] = validate_title(update.title)
    status = to_vendor_status(update.status) if update.status is not None else None
    if update.severity is not None:
        fields["impact"] = to_impact(update.severity)
    if update.note is not None:
        validate_message(update.note, "note")
    if update.resolution is not None:
        if status != "resolved":
            raise IncidentValidationError(
                "resolution", "DevHelm uses a resolution only when the status is set to resolved", vendor=NAME
            )
        validate_message(update.resolution, "resolution")
    fields.update(validate_vendor_fields(update.vendor_fields))
    return UpdatePlan(fields=fields, status=status, note=update.note, resolution=update.resolution)


def unchanged_fields(fields: Mapping[str, Any], current: Incident) -> set[str]:
    """The PUT fields the incident already has (only title and impact can be compared)."""
    same = set()
    if "title" in fields and fields["title"] == current.title:
        same.add("title")
    if "impact" in fields and current.severity is not None and fields["impact"].lower() == current.severity:
        same.add("impact")
    return same


def build_update(ref: IncidentRef, fields: Mapping[str, Any]) -> Request:
    """``PUT .../incidents/{incidentId}`` with only the named fields (DevHelm's null preserves the rest)."""
    return Request("PUT", ref.path, json=dict(fields), write=True)


def build_status(ref: IncidentRef, status: str) -> Request:
    """A PUT that sets only the status: used when a timeline update did not move it."""
    return build_update(ref, {"status": wire_status(status)})


def build_timeline_update(ref: IncidentRef, *, status: str, body: str, notify_subscribers: bool) -> Request:
    """``POST .../updates``: a customer message at ``status``; not idempotent, so it carries a marker.

    ``notifySubscribers`` is always sent: DevHelm's default is to email every subscriber.
    """
    return Request(
        "POST",
        f"{ref.path}/updates",
        json={
            "status": wire_status(status),
            "body": validate_message(body, "note"),
            "notifySubscribers": bool(notify_subscribers),
        },
        write=True,
        idempotent=False,
    )


# --- creating ----------------------------------------------------------------------------------------


def plan_create(create: IncidentCreate, *, notify_subscribers: bool) -> dict[str, Any]:
    """The ``POST .../incidents`` body for ``create``, checked in full (the marker is added when sent).

    The initial timeline update's body is the description, or the investigating status's default text
    (DevHelm requires one); the status is always ``INVESTIGATING`` (later statuses are updates).
    ``notifySubscribers`` is always sent: DevHelm's default is to email every subscriber.
    """
    if create.assignees is not None:
        raise UnsupportedOperationError(NO_ASSIGNEES)
    body: dict[str, Any] = {
        "title": validate_title(create.title),
        "impact": to_impact(create.severity if create.severity is not None else DEFAULT_IMPACT),
        "body": (
            validate_message(create.description, "description")
            if create.description is not None
            else STATUS_MESSAGES["investigating"]
        ),
        "status": wire_status("investigating"),
        "notifySubscribers": bool(notify_subscribers),
    }
    for key, value in vendor_field_items(
        create.vendor_fields,
        vendor=NAME,
        allowed=CREATE_VENDOR_FIELDS,
        arguments=_CREATE_ARGUMENT_FIELDS,
        what="a field DevHelm takes when creating a status-page incident",
    ):
        body[key] = _components(value)
    if create.dedup_key is not None:
        check_dedup_key(create.dedup_key)
    return body


def check_dedup_key(key: str) -> str:
    """A dedup key the hidden marker can carry (see ``DEDUP_KEY``)."""
    if not DEDUP_KEY.fullmatch(key):
        raise IncidentValidationError(
            "dedup_key", "must be 1 to 128 letters, digits or . _ : / @ + = -", vendor=NAME
        )
    return key


def hidden_marker(key: str) -> str:
    """The whole Markdown comment a create with ``key`` ends with: matched in full, so a key is never
    found inside a longer one (``alert-1`` in ``alert-10``)."""
    return mark_hidden("", key).strip()


def carries_key(bodies: Sequence[str], key: str) -> bool:
    """Whether any of an incident's timeline bodies ends a create made with ``key``."""
    marker = hidden_marker(key)
    return any(marker in body for body in bodies)


def build_create(page_id: str, body: Mapping[str, Any], dedup_key: str | None) -> Request:
    """``POST /api/v1/status-pages/{pageId}/incidents``; not idempotent, so the body carries the dedup
    key's hidden marker, looked for before creating and after a lost response."""
    payload = dict(body)
    if dedup_key is not None:
        payload["body"] = mark_message(str(body["body"]), check_dedup_key(dedup_key))
    return Request(
        "POST",
        f"{PAGES_PATH}/{uuid_id(page_id, 'status_page_id')}/incidents",
        json=payload,
        write=True,
        idempotent=False,
    )


def build_dedup_search(page_id: str, page: int) -> Request:
    """One page of the page's unresolved incidents: where a dedup key is looked for."""
    return build_list(page_id, statuses=UNRESOLVED_STATUSES, page=page, size=LIST_PAGE_SIZE)


# --- escalating ----------------------------------------------------------------------------------------


def escalation_target(current: str | None, requested: str | None) -> tuple[str | None, str]:
    """The impact to write (``None``: no write) and the step's detail.

    ``requested`` (a severity) is absolute; without it the target is one step above ``current`` on
    ``IMPACTS``, computed here once so a retried PUT carries the same absolute value. Escalating never
    lowers the impact: a request below the current one is no write (lower it with an update instead).
    """
    if current not in IMPACTS:
        raise ValueError(f"DevHelm reported the impact {current!r}, not one of {', '.join(IMPACTS)}")
    rank = IMPACTS.index(current)
    if requested is None:
        if rank == len(IMPACTS) - 1:
            return None, "already at the top"
        target = IMPACTS[rank + 1]
    else:
        target = to_impact(requested).lower()
        if target == current:
            return None, f"already {current}"
        if IMPACTS.index(target) < rank:
            return None, f"already {current}, above {target} (escalating never lowers the impact)"
    return to_impact(target), f"impact {current} -> {target}"


def build_escalation(ref: IncidentRef, impact: str) -> Request:
    """The PUT of one absolute impact: idempotent, so a retry can never escalate twice."""
    return build_update(ref, {"impact": to_impact(impact)})
