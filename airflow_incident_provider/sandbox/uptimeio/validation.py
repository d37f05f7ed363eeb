"""Strict parsing of UptimeIO request bodies and queries, with UptimeIO-style ``Validation failed`` 400s.

Issue wording follows the example on UptimeIO's update page (``status: Invalid enum value. Expected
'investigating' | ...``), which is the wording of the zod schema library; the sandbox words every issue
the same way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import validation_error, validation_failed
from .model import SEVERITIES, STATUSES

if TYPE_CHECKING:
    from collections.abc import Iterable

TITLE_MAX = 200
MESSAGE_MAX = 5000
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
SORT_FIELDS = ("created_at", "updated_at", "severity", "status")
SORT_ORDERS = ("asc", "desc")

_PATCH_FIELDS = ("title", "message", "severity", "status", "affected_monitor_ids")
_CREATE_FIELDS = _PATCH_FIELDS


@dataclass(frozen=True)
class PatchIncident:
    title: str | None = None
    message: str | None = None
    severity: str | None = None
    status: str | None = None
    affected_monitor_ids: list[str] | None = None


@dataclass(frozen=True)
class ListQuery:
    page: int
    limit: int
    status: str | None
    severity: str | None
    sort_by: str
    sort_order: str


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string" if isinstance(value, str) else type(value).__name__


def _enum(choices: Iterable[str]) -> str:
    return "Invalid enum value. Expected " + " | ".join(f"'{choice}'" for choice in choices)


class Issues:
    """Collects every issue of one body, then raises them together."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)

    def raise_any(self) -> None:
        if self.items:
            raise validation_failed(self.items)

    def string(self, value: Any, path: str, maximum: int) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"Expected string, received {_type_name(value)}")
            return None
        if len(value.strip()) < 1:
            self.add(path, "String must contain at least 1 character(s)")
            return None
        if len(value) > maximum:
            self.add(path, f"String must contain at most {maximum} character(s)")
            return None
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str | None:
        if not isinstance(value, str) or value not in choices:
            self.add(path, _enum(choices))
            return None
        return value

    def uuids(self, value: Any, path: str) -> list[str] | None:
        if not isinstance(value, list):
            self.add(path, f"Expected array, received {_type_name(value)}")
            return None
        if not value:
            self.add(path, "Array must contain at least 1 element(s)")
            return None
        result: list[str] = []
        for index, item in enumerate(value):
            if not is_uuid(item):
                self.add(f"{path}.{index}", "Invalid uuid")
            else:
                result.append(str(item).lower())
        return result


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def path_ids(**ids: str) -> None:
    """Path parameters are UUIDs: anything else is a 400, before any lookup."""
    issues = Issues()
    for name, value in ids.items():
        if not is_uuid(value):
            issues.add(name, "Invalid uuid")
    issues.raise_any()


def _object(body: Any, allowed: tuple[str, ...]) -> tuple[dict[str, Any], Issues]:
    issues = Issues()
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise validation_failed([f"Expected object, received {_type_name(body)}"])
    unknown = [key for key in body if key not in allowed]
    if unknown:
        issues.add("", "Unrecognized key(s) in object: " + ", ".join(f"'{key}'" for key in unknown))
    return body, issues


def parse_patch(body: Any) -> PatchIncident:
    """``PATCH .../incidents/{id}``: every field optional, each checked against the documented limits."""
    obj, issues = _object(body, _PATCH_FIELDS)
    values: dict[str, Any] = {}
    if "title" in obj:
        values["title"] = issues.string(obj["title"], "title", TITLE_MAX)
    if "message" in obj:
        values["message"] = issues.string(obj["message"], "message", MESSAGE_MAX)
    if "severity" in obj:
        values["severity"] = issues.choice(obj["severity"], "severity", SEVERITIES)
    if "status" in obj:
        values["status"] = issues.choice(obj["status"], "status", STATUSES)
    if "affected_monitor_ids" in obj:
        values["affected_monitor_ids"] = issues.uuids(obj["affected_monitor_ids"], "affected_monitor_ids")
    issues.raise_any()
    return PatchIncident(**values)


def parse_create(body: Any) -> PatchIncident:
    """The sandbox's create body: the update fields, with title, message and severity required."""
    obj, issues = _object(body, _CREATE_FIELDS)
    for name in ("title", "message", "severity"):
        if name not in obj:
            issues.add(name, "Required")
    issues.raise_any()
    return parse_patch(obj)


def parse_new_update(body: Any) -> tuple[str, str]:
    """``POST .../updates``: ``message`` (1-5000) and ``status``, both required."""
    obj, issues = _object(body, ("message", "status"))
    message = status = None
    if "message" not in obj:
        issues.add("message", "Required")
    else:
        message = issues.string(obj["message"], "message", MESSAGE_MAX)
    if "status" not in obj:
        issues.add("status", "Required")
    else:
        status = issues.choice(obj["status"], "status", STATUSES)
    issues.raise_any()
    assert message is not None
    assert status is not None
    return message, status


def parse_resolve(body: Any) -> str | None:
    """``POST .../resolve``: an optional ``message`` (1-5000)."""
    obj, issues = _object(body, ("message",))
    message = issues.string(obj["message"], "message", MESSAGE_MAX) if "message" in obj else None
    issues.raise_any()
    return message


def _integer(issues: Issues, raw: str | None, name: str, default: int, maximum: int | None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        issues.add(name, "Expected number, received nan")
        return default
    if value < 1:
        issues.add(name, "Number must be greater than or equal to 1")
    elif maximum is not None and value > maximum:
        issues.add(name, f"Number must be less than or equal to {maximum}")
    return value


def _single(params: Iterable[tuple[str, str]], allowed: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in params:
        if key not in allowed:
            continue  # unknown query parameters are ignored, as most APIs do
        if key in values:
            raise validation_error(f"Validation failed: {key}: Expected string, received array")
        values[key] = value
    return values


def parse_list_query(params: Iterable[tuple[str, str]]) -> ListQuery:
    """``GET .../incidents``: page, limit (1-100, default 20), status, severity, sort_by, sort_order."""
    values = _single(params, ("page", "limit", "status", "severity", "sort_by", "sort_order"))
    issues = Issues()
    page = _integer(issues, values.get("page"), "page", 1, None)
    limit = _integer(issues, values.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
    status = issues.choice(values["status"], "status", STATUSES) if "status" in values else None
    severity = issues.choice(values["severity"], "severity", SEVERITIES) if "severity" in values else None
    sort_by = issues.choice(values.get("sort_by", "created_at"), "sort_by", SORT_FIELDS) or "created_at"
    sort_order = issues.choice(values.get("sort_order", "desc"), "sort_order", SORT_ORDERS) or "desc"
    issues.raise_any()
    return ListQuery(page, limit, status, severity, sort_by, sort_order)


def parse_updates_query(params: Iterable[tuple[str, str]]) -> tuple[int, int, str]:
    """``GET .../updates``: page, limit (1-100, default 20), sort_order (default desc)."""
    values = _single(params, ("page", "limit", "sort_order"))
    issues = Issues()
    page = _integer(issues, values.get("page"), "page", 1, None)
    limit = _integer(issues, values.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
    sort_order = issues.choice(values.get("sort_order", "desc"), "sort_order", SORT_ORDERS) or "desc"
    issues.raise_any()
    return page, limit, sort_order
