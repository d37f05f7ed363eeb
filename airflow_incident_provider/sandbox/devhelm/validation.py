"""Parsing of DevHelm request bodies and queries, with DevHelm's 400 ``ErrorResponse``.

Bodies are held to the spec: enums are case-sensitive (as Jackson reads them), every declared property is
type-checked, and keys the spec does not declare are ignored (Spring's Jackson default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import DevHelmError, invalid, short
from .model import COMPONENT_STATUSES, IMPACTS, STATUSES

TITLE_MAX = 500
POSTMORTEM_URL_MAX = 2048
POSTMORTEM_URL = re.compile(r"^https?://.*", re.S)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 2000
"""Spring Data's defaults: ``size`` 20 when absent, larger sizes capped at 2000."""
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
"""What OpenAPI's ``format: date-time`` means."""
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass
class UpdateRequest:
    """A PUT: ``None`` preserves a field; ``""`` clears a postmortem field."""

    title: str | None = None
    status: str | None = None
    impact: str | None = None
    affected: dict[str, str] | None = None
    postmortem_body: str | None = None
    postmortem_url: str | None = None


@dataclass
class TimelineRequest:
    status: str
    body: str
    notify_subscribers: bool
    affected: dict[str, str] | None = None


@dataclass
class CreateRequest:
    title: str
    impact: str
    body: str
    status: str
    notify_subscribers: bool
    affected: dict[str, str] | None = None


@dataclass
class ListQuery:
    statuses: set[str]
    page: int
    size: int


def parse_uuid(value: str, field: str, what: str) -> str:
    """A path id: Spring answers 400 when a ``UUID`` path variable does not parse."""
    if not _UUID.fullmatch(value):
        raise invalid(field, "INVALID_FORMAT", f"{what} id {short(value)} is not a UUID")
    return value.lower()


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise DevHelmError(400, "Malformed JSON request body: expected a JSON object")
    return payload


def _string(value: Any, field: str, *, min_length: int = 0, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise invalid(field, "INVALID_TYPE", f"{field} must be a string")
    if len(value) < min_length:
        raise invalid(field, "REQUIRED", f"{field} must not be empty")
    if max_length is not None and len(value) > max_length:
        raise invalid(field, "TOO_LONG", f"{field} must be at most {max_length} characters")
    return value


def _enum(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise invalid(
            field, "INVALID_VALUE", f"{field} must be one of {', '.join(choices)} (got {short(value)})"
        )
    return value


def _bool(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(field, "INVALID_TYPE", f"{field} must be a boolean")
    return value


def _components(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, list):
        raise invalid(field, "INVALID_TYPE", f"{field} must be an array")
    result: dict[str, str] = {}
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise invalid(where, "INVALID_TYPE", f"{where} must be an object")
        for required in ("componentId", "status"):
            if item.get(required) is None:
                raise invalid(f"{where}.{required}", "REQUIRED", f"{where}.{required} is required")
        component = parse_uuid(
            _string(item["componentId"], f"{where}.componentId"), f"{where}.componentId", "Component"
        )
        result[component] = _enum(item["status"], f"{where}.status", COMPONENT_STATUSES)
    return result


def _title(value: Any, field: str = "title") -> str:
    """A string of 1 to 500 characters. The request schema's ``minLength`` is 0, but its incident schema
    (``StatusPageIncidentDto.title``, ``minLength: 1``) says no incident has an empty title, so an empty
    one is refused (a sandbox choice); a blank one is a title."""
    return _string(value, field, min_length=1, max_length=TITLE_MAX)


def _moment(value: Any, field: str) -> datetime | None:
    """A ``format: date-time`` property: null, or an RFC 3339 date-time (date, time and offset)."""
    if value is None:
        return None
    text = _string(value, field)
    try:
        if not RFC3339.fullmatch(text):
            raise ValueError(text)
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, "INVALID_FORMAT", f"{field} must be a date-time (got {short(value)})") from None


def _not_scheduled(body: dict[str, Any]) -> None:
    """The scheduled-maintenance fields are checked; ``scheduled: true`` is refused, because scheduled
    maintenance is not emulated (a sandbox choice: a normal incident in its place would mislead a test)."""
    for key in ("scheduledFor", "scheduledUntil"):
        _moment(body.get(key), key)
    _bool(body.get("autoResolve"), "autoResolve", False)
    if _bool(body.get("scheduled"), "scheduled", False):
        raise invalid("scheduled", "NOT_EMULATED", "Scheduled maintenance is not emulated by the sandbox")


def parse_update(payload: Any) -> UpdateRequest:
    body = _object(payload)
    result = UpdateRequest()
    if body.get("title") is not None:
        result.title = _title(body["title"])
    if body.get("status") is not None:
        result.status = _enum(body["status"], "status", STATUSES)
    if body.get("impact") is not None:
        result.impact = _enum(body["impact"], "impact", IMPACTS)
    if body.get("affectedComponents") is not None:
        result.affected = _components(body["affectedComponents"], "affectedComponents")
    if body.get("postmortemBody") is not None:
        result.postmortem_body = _string(body["postmortemBody"], "postmortemBody")
    if body.get("postmortemUrl") is not None:
        url = _string(body["postmortemUrl"], "postmortemUrl", max_length=POSTMORTEM_URL_MAX)
        if url and not POSTMORTEM_URL.match(url):
            raise invalid("postmortemUrl", "INVALID_FORMAT", "postmortemUrl must match ^https?://.*")
        result.postmortem_url = url
    return result


def parse_timeline(payload: Any) -> TimelineRequest:
    body = _object(payload)
    for required in ("status", "body"):
        if body.get(required) is None:
            raise invalid(required, "REQUIRED", f"{required} is required")
    return TimelineRequest(
        status=_enum(body["status"], "status", STATUSES),
        body=_string(body["body"], "body", min_length=1),
        notify_subscribers=_bool(body.get("notifySubscribers"), "notifySubscribers", True),
        affected=(
            _components(body["affectedComponents"], "affectedComponents")
            if body.get("affectedComponents") is not None
            else None
        ),
    )


def parse_create(payload: Any) -> CreateRequest:
    """``POST .../incidents`` (manual incidents; scheduled maintenance is not emulated)."""
    body = _object(payload)
    _not_scheduled(body)
    for required in ("title", "impact", "body"):
        if body.get(required) is None:
            raise invalid(required, "REQUIRED", f"{required} is required")
    status = body.get("status")
    return CreateRequest(
        title=_title(body["title"]),
        impact=_enum(body["impact"], "impact", IMPACTS),
        body=_string(body["body"], "body", min_length=1),
        status="INVESTIGATING" if status is None else _enum(status, "status", STATUSES),
        notify_subscribers=_bool(body.get("notifySubscribers"), "notifySubscribers", True),
        affected=(
            _components(body["affectedComponents"], "affectedComponents")
            if body.get("affectedComponents") is not None
            else None
        ),
    )


def _int(items: list[tuple[str, str]], name: str, default: int, minimum: int) -> int:
    values = [value for key, value in items if key == name]
    if not values or values[-1] == "":
        return default
    try:
        number = int(values[-1])
    except ValueError:
        raise invalid(name, "INVALID_TYPE", f"{name} must be an integer (got {short(values[-1])})") from None
    if number < minimum:
        raise invalid(name, "INVALID_VALUE", f"{name} must be >= {minimum}")
    return number


def parse_list_query(items: list[tuple[str, str]]) -> ListQuery:
    """``status`` (repeated or comma-separated, as Spring binds a list), ``page`` and ``size``."""
    statuses = {part for key, value in items if key == "status" for part in value.split(",") if part}
    for status in statuses:
        _enum(status, "status", STATUSES)
    size = min(_int(items, "size", DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    return ListQuery(statuses=statuses, page=_int(items, "page", 0, 0), size=size)


def parse_paging(items: list[tuple[str, str]]) -> tuple[int, int]:
    query = parse_list_query([(key, value) for key, value in items if key in ("page", "size")])
    return query.page, query.size
