"""Parsing of PagerDuty request bodies and list queries into typed values, with PagerDuty's 400s.

Bodies are held to the spec: every property it declares is type-checked, keys it does not declare are
ignored (as PagerDuty's servers do), and a reference that names nothing is refused by the store's lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from .errors import PagerDutyError, invalid_input, invalid_status, short, too_many
from .model import STATUSES, URGENCIES

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_NOTE_LENGTH = 25_000
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
DEFAULT_WINDOW = timedelta(days=30)
SORT_FIELDS = ("incident_number", "created_at", "resolved_at", "urgency")

_REFERENCE_ECHO = ("summary", "self", "html_url")
"""Read-only keys of a reference a client may echo back from a response: strings or null, then ignored."""


class Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


@dataclass(frozen=True)
class PriorityInput:
    """A priority chosen by id (object form) or by name (string form)."""

    id: str | None = None
    name: str | None = None


@dataclass
class CreateIncident:
    title: str
    service_id: str
    urgency: str | None = None
    incident_key: str | None = None
    body_details: Any = None
    assignee_ids: list[str] | None = None
    escalation_policy_id: str | None = None
    priority: PriorityInput | None = None
    incident_type: str | None = None
    conference_bridge: dict[str, str] | None = None


@dataclass
class UpdateIncident:
    status: str | None = None
    resolution: str | None = None
    title: str | None = None
    priority: PriorityInput | Unset | None = UNSET  # None clears the priority
    escalation_level: int | None = None
    assignee_ids: list[str] | None = None
    escalation_policy_id: str | None = None
    urgency: str | None = None
    conference_bridge: dict[str, str] | Unset | None = UNSET
    incident_type: str | None = None
    service_id: str | None = None


@dataclass
class ListQuery:
    statuses: set[str]
    urgencies: set[str]
    service_ids: set[str]
    user_ids: set[str]
    team_ids: set[str]
    incident_key: str | None
    since: datetime | None
    until: datetime | None
    sort: list[tuple[str, bool]]  # (field, descending)
    limit: int
    offset: int
    total: bool
    include: set[str]


# ---------------------------------------------------------------- bodies


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_input(f"{where} must be a JSON object.")
    return value


def _string(value: Any, where: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise invalid_input(f"{where} must be a string.")
    if not allow_empty and not value.strip():
        raise invalid_input(f"{where} must not be empty.")
    return value


def _optional_string(obj: dict[str, Any], key: str, where: str, *, nullable: bool = False) -> str | None:
    """A declared string property that may be absent (and, if ``nullable``, null); any string is taken."""
    value = obj.get(key)
    if value is None and (nullable or key not in obj):
        return None
    return _string(value, f"{where}.{key}", allow_empty=True)


def _choice(value: Any, where: str, choices: Iterable[str]) -> str:
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise invalid_input(f"{where} must be one of {', '.join(options)} (got {short(value)}).")
    return value


def _reference(value: Any, where: str, ref_type: str) -> str:
    """A ``{"id", "type"}`` reference; an id that names nothing is refused later, by the lookup."""
    obj = _object(value, where)
    for key in _REFERENCE_ECHO:
        _optional_string(obj, key, where, nullable=True)
    if "id" not in obj or "type" not in obj:
        raise invalid_input(f"{where} must have both id and type ({ref_type!r}).")
    if obj["type"] != ref_type:
        raise invalid_input(f"{where}.type must be {ref_type!r} (got {short(obj['type'])}).")
    return _string(obj["id"], f"{where}.id", allow_empty=True)


def _priority(value: Any, where: str) -> PriorityInput:
    """A priority by name (any string: one no priority has is refused by the lookup, code 1020) or by id."""
    if isinstance(value, str):
        return PriorityInput(name=value)
    obj = _object(value, where)
    if "id" not in obj or "type" not in obj:
        raise invalid_input(f"{where} must have both id and type ('priority_reference').")
    _choice(obj["type"], f"{where}.type", ("priority_reference", "priority"))
    _optional_string(obj, "name", where)
    return PriorityInput(id=_string(obj["id"], f"{where}.id", allow_empty=True))


def _assignments(value: Any, where: str) -> list[str]:
    """The assignees' ids; an empty list names nobody. Each item must name its assignee (a sandbox choice:
    the spec's item schema leaves both the object type and ``assignee`` optional)."""
    if not isinstance(value, list):
        raise invalid_input(f'{where} must be an array of {{"assignee": user_reference}}.')
    ids: list[str] = []
    for index, item in enumerate(value):
        obj = _object(item, f"{where}[{index}]")
        if "assignee" not in obj:
            raise invalid_input(f"{where}[{index}].assignee is required.")
        user_id = _reference(obj["assignee"], f"{where}[{index}].assignee", "user_reference")
        if user_id not in ids:
            ids.append(user_id)
    return ids


def _conference_bridge(value: Any, where: str) -> dict[str, str]:
    obj = _object(value, where)
    bridge = {key: _optional_string(obj, key, where) for key in ("conference_number", "conference_url")}
    return {key: text for key, text in bridge.items() if text is not None}


def _incident_type(value: Any, where: str) -> str | None:
    """The type's name, or None when it names none (``id`` is read-only: checked, then ignored)."""
    obj = _object(value, where)
    _optional_string(obj, "id", where)
    return _optional_string(obj, "name", where)


def _wrapped(payload: Any, key: str) -> dict[str, Any]:
    """The object under ``key``; other top-level keys are ignored, as PagerDuty does."""
    body = _object(payload, "The request body")
    if key not in body:
        raise invalid_input(f"Missing required field: {key}.")
    return _object(body[key], key)


def parse_create(payload: Any) -> CreateIncident:
    inc = _wrapped(payload, "incident")
    for required in ("type", "title", "service"):
        if required not in inc:
            raise invalid_input(f"incident.{required} is required.")
    _choice(inc["type"], "incident.type", ("incident",))
    result = CreateIncident(
        title=_string(inc["title"], "incident.title", allow_empty=True),
        service_id=_reference(inc["service"], "incident.service", "service_reference"),
    )
    if "urgency" in inc:
        result.urgency = _choice(inc["urgency"], "incident.urgency", URGENCIES)
    if "incident_key" in inc:
        result.incident_key = _string(inc["incident_key"], "incident.incident_key", allow_empty=True)
    if "body" in inc:
        body = _object(inc["body"], "incident.body")
        if "type" not in body:
            raise invalid_input("incident.body.type is required ('incident_body').")
        # details may be text, as the spec's own example and PagerDuty's web UI have it (its schema says
        # object): the provider sends the description that way.
        details = body.get("details")
        if "details" in body and not isinstance(details, dict | str):
            raise invalid_input(f"incident.body.details must be an object or text (got {short(details)}).")
        result.body_details = details
    if "assignments" in inc:
        result.assignee_ids = _assignments(inc["assignments"], "incident.assignments") or None
    if "escalation_policy" in inc:
        result.escalation_policy_id = _reference(
            inc["escalation_policy"], "incident.escalation_policy", "escalation_policy_reference"
        )
    if result.assignee_ids is not None and result.escalation_policy_id is not None:
        raise invalid_input("incident.assignments cannot be given together with incident.escalation_policy.")
    if "priority" in inc:  # a reference here: the name form is the update's
        result.priority = PriorityInput(
            id=_reference(inc["priority"], "incident.priority", "priority_reference")
        )
    if "incident_type" in inc:
        result.incident_type = _incident_type(inc["incident_type"], "incident.incident_type")
    if "conference_bridge" in inc:
        result.conference_bridge = _conference_bridge(inc["conference_bridge"], "incident.conference_bridge")
    return result


def parse_update(payload: Any) -> UpdateIncident:
    inc = _wrapped(payload, "incident")
    if "type" not in inc:
        raise invalid_input("incident.type is required ('incident_reference' or 'incident').")
    _choice(inc["type"], "incident.type", ("incident_reference", "incident"))
    result = UpdateIncident()
    if "status" in inc:
        status = inc["status"]
        if not isinstance(status, str):
            raise invalid_input("incident.status must be a string.")
        if status not in STATUSES:
            raise invalid_status(status)
        result.status = status
    if "resolution" in inc:
        result.resolution = _string(inc["resolution"], "incident.resolution", allow_empty=True)
    if "title" in inc:
        result.title = _string(inc["title"], "incident.title", allow_empty=True)
    if "priority" in inc:
        result.priority = None if inc["priority"] is None else _priority(inc["priority"], "incident.priority")
    if "escalation_level" in inc:
        level = inc["escalation_level"]
        if isinstance(level, bool) or not isinstance(level, int):
            raise invalid_input(f"incident.escalation_level must be an integer (got {short(level)}).")
        result.escalation_level = level
    if "assignments" in inc:  # an empty list names nobody: the assignees stay as they are
        result.assignee_ids = _assignments(inc["assignments"], "incident.assignments") or None
    if "escalation_policy" in inc:
        result.escalation_policy_id = _reference(
            inc["escalation_policy"], "incident.escalation_policy", "escalation_policy_reference"
        )
    if "urgency" in inc:
        result.urgency = _choice(inc["urgency"], "incident.urgency", URGENCIES)
    if "conference_bridge" in inc:
        bridge = inc["conference_bridge"]
        result.conference_bridge = (
            None if bridge is None else _conference_bridge(bridge, "incident.conference_bridge")
        )
    if "incident_type" in inc:
        result.incident_type = _incident_type(inc["incident_type"], "incident.incident_type")
    if "service" in inc:
        result.service_id = _reference(inc["service"], "incident.service", "service_reference")
    return result


BULK_LIMIT = 250
"""Incidents one ``PUT /incidents`` may update; more is 413 Request Entity Too Large."""


def parse_bulk_update(payload: Any) -> list[tuple[str, UpdateIncident]]:
    """``{"incidents": [{id, type, status, ...}]}``: each item checked as the body of a single PUT."""
    body = _object(payload, "The request body")
    items = body.get("incidents")
    if not isinstance(items, list):  # an empty list (the spec sets no minItems) updates nothing
        raise invalid_input("incidents must be an array of incidents.")
    if len(items) > BULK_LIMIT:
        raise too_many(len(items), BULK_LIMIT)
    result: list[tuple[str, UpdateIncident]] = []
    for index, item in enumerate(items):
        where = f"incidents[{index}]"
        obj = _object(item, where)
        if "id" not in obj:
            raise invalid_input(f"{where}.id is required.")
        incident_id = _string(obj["id"], f"{where}.id", allow_empty=True)  # unknown ids are a 404
        fields = {key: value for key, value in obj.items() if key != "id"}
        try:
            result.append((incident_id, parse_update({"incident": fields})))
        except PagerDutyError as exc:  # name the item, not the single PUT's "incident"
            errors = [error.replace("incident.", f"{where}.") for error in exc.errors]
            raise PagerDutyError(exc.status_code, exc.code, exc.message, errors) from None
    return result


def parse_note(payload: Any) -> str:
    note = _wrapped(payload, "note")
    if "content" not in note:
        raise invalid_input("note.content is required.")
    content = _string(note["content"], "note.content", allow_empty=True)
    if len(content) > MAX_NOTE_LENGTH:
        raise invalid_input(f"note.content is too long (maximum is {MAX_NOTE_LENGTH} characters).")
    return content


# ---------------------------------------------------------------- queries


def _values(items: list[tuple[str, str]], name: str) -> list[str]:
    """Values of an array parameter, accepted as ``name[]`` (PagerDuty's form) or ``name``."""
    return [value for key, value in items if key in (f"{name}[]", name)]


def _single(items: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in items if key == name]
    return values[-1] if values else None


def _int(items: list[tuple[str, str]], name: str, default: int, minimum: int) -> int:
    raw = _single(items, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_input(f"{name} must be an integer (got {short(raw)}).") from None
    if value < minimum:
        raise invalid_input(f"{name} must be >= {minimum}.")
    return value


def parse_time(raw: str) -> datetime:
    text = raw.strip()
    candidates = [text]
    if " " in text:  # an unencoded "+" of a UTC offset arrives as a space
        head, _, tail = text.rpartition(" ")
        candidates.append(f"{head}+{tail}")
    for candidate in candidates:
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise PagerDutyError(
        400,
        2004,
        "Invalid time values in 'since' and/or 'until' parameters",
        [f"{short(raw)} is not an ISO 8601 date-time."],
    )


def _sort(raw: str | None) -> list[tuple[str, bool]]:
    if not raw:
        return [("created_at", False)]
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) > 2:
        raise invalid_input("sort_by accepts at most two fields.")
    sort: list[tuple[str, bool]] = []
    for part in parts:
        field, _, direction = part.partition(":")
        direction = direction or "asc"
        if field not in SORT_FIELDS or direction not in ("asc", "desc"):
            raise invalid_input(
                f"sort_by {short(part)} is invalid: use <field>[:asc|:desc] with field one of "
                f"{', '.join(SORT_FIELDS)}."
            )
        sort.append((field, direction == "desc"))
    return sort


def parse_list_query(items: list[tuple[str, str]], now: datetime) -> ListQuery:
    statuses = _values(items, "statuses")
    if any(s not in STATUSES for s in statuses):
        raise invalid_input("Status must be a list of triggered, acknowledged, or resolved.")
    urgencies = _values(items, "urgencies")
    if any(u not in URGENCIES for u in urgencies):
        raise invalid_input("Urgencies must be a list of high or low.")
    date_range = _single(items, "date_range")
    if date_range not in (None, "all"):
        raise invalid_input(f"date_range must be 'all' (got {short(date_range)}).")
    since_raw, until_raw = _single(items, "since"), _single(items, "until")
    since = until = None
    if date_range != "all":
        until = parse_time(until_raw) if until_raw else None
        # PagerDuty's default window: the 30 days before `until` (or before now).
        since = parse_time(since_raw) if since_raw else (until or now) - DEFAULT_WINDOW
    limit, offset, total = parse_paging(items)
    return ListQuery(
        statuses=set(statuses),
        urgencies=set(urgencies),
        service_ids=set(_values(items, "service_ids")),
        user_ids=set(_values(items, "user_ids")),
        team_ids=set(_values(items, "team_ids")),
        incident_key=_single(items, "incident_key"),
        since=since,
        until=until,
        sort=_sort(_single(items, "sort_by")),
        limit=limit,
        offset=offset,
        total=total,
        include=set(_values(items, "include")),
    )


def parse_log_window(items: list[tuple[str, str]], now: datetime) -> tuple[datetime, datetime | None]:
    """``since`` and ``until`` of ``GET /log_entries``; without ``since``, the 30 days before ``until``
    (or now), as for incidents."""
    since_raw, until_raw = _single(items, "since"), _single(items, "until")
    until = parse_time(until_raw) if until_raw else None
    since = parse_time(since_raw) if since_raw else (until or now) - DEFAULT_WINDOW
    return since, until


def parse_paging(items: list[tuple[str, str]]) -> tuple[int, int, bool]:
    """``limit``, ``offset`` and ``total`` of the classic offset paging."""
    total_raw = (_single(items, "total") or "false").lower()
    if total_raw not in ("true", "false"):
        raise invalid_input("total must be true or false.")
    limit = min(_int(items, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    return limit, _int(items, "offset", 0, 0), total_raw == "true"
