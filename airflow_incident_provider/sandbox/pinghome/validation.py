"""Strict parsing of Pinghome request bodies and list queries, with 422s naming each bad field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import invalid, short
from .model import ASSIGNEE_TYPES, STATUSES, URGENCIES, Assignee

if TYPE_CHECKING:
    from collections.abc import Iterable

NAME_MAX_LENGTH = 255
"""Not in Pinghome's documentation: the common column limit, which the provider keeps too."""
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_CREATE_FIELDS = frozenset({"name", "description", "urgency", "assignees", "actions"})
_REPLACE_FIELDS = _CREATE_FIELDS | {"status"}


@dataclass(frozen=True)
class IncidentBody:
    """A create or replace body; on replace, absent ``assignees``/``actions`` mean "none"."""

    name: str
    description: str
    urgency: str
    assignees: list[Assignee]
    actions: list[dict[str, Any]]
    status: str | None = None


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid(("body", "must be a JSON object"))
    return body


def _assignees(value: Any, problems: list[tuple[str, str]]) -> list[Assignee]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(("assignees", "must be an array of {type, id} objects"))
        return []
    result = []
    for index, item in enumerate(value):
        where = f"assignees[{index}]"
        if not isinstance(item, dict) or set(item) - {"type", "id"}:
            problems.append((where, "must be an object with only 'type' and 'id'"))
        elif item.get("type") not in ASSIGNEE_TYPES:
            problems.append((f"{where}.type", f"must be one of {', '.join(ASSIGNEE_TYPES)}"))
        elif not isinstance(item.get("id"), str) or not item["id"]:
            problems.append((f"{where}.id", "must be a non-empty string"))
        else:
            result.append(Assignee(item["type"], item["id"]))
    return result


def _actions(value: Any, problems: list[tuple[str, str]]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(("actions", "must be an array of action objects"))
        return []
    result = []
    for index, item in enumerate(value):
        where = f"actions[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) or not item["type"]:
            problems.append((where, "must be an object with a non-empty 'type'"))
        elif "id" in item and not isinstance(item["id"], str):
            problems.append((f"{where}.id", "must be a string"))
        elif not isinstance(item.get("settings", []), list) or not all(
            isinstance(setting, dict) for setting in item.get("settings", [])
        ):
            problems.append((f"{where}.settings", "must be an array of objects"))
        else:
            result.append(dict(item))
    return result


def parse_incident_body(body: Any, *, replace: bool) -> IncidentBody:
    """A create (``POST``) or full replacement (``PUT``) body; every problem is reported at once."""
    data = _object(body)
    allowed = _REPLACE_FIELDS if replace else _CREATE_FIELDS
    problems: list[tuple[str, str]] = [(key, "is not a known field") for key in sorted(set(data) - allowed)]
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(("name", "is required and must be a non-empty string"))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(("name", f"must be at most {NAME_MAX_LENGTH} characters"))
    description = data.get("description")
    if not isinstance(description, str):
        problems.append(("description", "is required and must be a string"))
    urgency = data.get("urgency")
    if urgency not in URGENCIES:
        problems.append(("urgency", f"must be one of {', '.join(URGENCIES)} (got {short(urgency)})"))
    status = data.get("status")
    if status is not None and status not in STATUSES:
        problems.append(("status", f"must be one of {', '.join(STATUSES)} (got {short(status)})"))
    assignees = _assignees(data.get("assignees"), problems)
    actions = _actions(data.get("actions"), problems)
    if problems:
        raise invalid(*problems)
    return IncidentBody(str(name), str(description), str(urgency), assignees, actions, status)


def parse_credentials(body: Any) -> Credentials:
    data = _object(body)
    problems = [
        (key, "is required and must be a non-empty string")
        for key in ("email", "password")
        if not isinstance(data.get(key), str) or not data[key]
    ]
    if problems:
        raise invalid(*problems)
    return Credentials(data["email"], data["password"])


def parse_paging(items: Iterable[tuple[str, str]]) -> tuple[int, datetime | None]:
    """``limit`` (1 to 100, default 20) and the ``last_received_at`` cursor."""
    params = dict(items)
    limit = DEFAULT_LIMIT
    problems = []
    if "limit" in params:
        try:
            limit = int(params["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            problems.append(("limit", f"must be a whole number from 1 to {MAX_LIMIT}"))
    cursor = None
    if params.get("last_received_at"):
        try:
            cursor = datetime.fromisoformat(params["last_received_at"].replace("Z", "+00:00"))
        except ValueError:
            problems.append(("last_received_at", "must be an ISO 8601 timestamp"))
        if cursor is not None and cursor.tzinfo is None:
            problems.append(("last_received_at", "must carry a time zone"))
    if problems:
        raise invalid(*problems)
    return limit, cursor
