"""Statuspage's error bodies and strict parsing of its incident bodies and list queries.

Errors use the spec's ``ErrorEntity`` (``{"message": ...}``); a refused body also lists every problem
under ``error``, as Statuspage's Rails API words them (``Name can't be blank``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core import SandboxHTTPError

REALTIME = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE = ("scheduled", "in_progress", "verifying", "completed")
IMPACT_OVERRIDES = ("none", "maintenance", "minor", "major", "critical")
COMPONENT_STATUSES = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)
NAME_MAX, BODY_MAX, MAX_PER_PAGE = 255, 25000, 100
BOOLEANS = (
    "deliver_notifications",
    "scheduled_remind_prior",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
)
"""The spec's boolean fields the sandbox takes (its scheduling and tweeting ones are not emulated)."""
FIELDS = ("name", "status", "impact_override", "body", "components", "component_ids", "metadata", *BOOLEANS)


class StatuspageError(SandboxHTTPError):
    def __init__(
        self,
        status: int,
        message: str,
        errors: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body: dict[str, Any] = {"message": message}
        if errors:
            body["error"] = errors
        super().__init__(status, body, headers)


def unauthorized() -> StatuspageError:
    return StatuspageError(401, "Could not authenticate")


def not_found() -> StatuspageError:
    return StatuspageError(404, "The requested resource could not be found.")


def forbidden() -> StatuspageError:
    return StatuspageError(403, "You are not authorized to access this resource.")


def invalid(errors: list[str]) -> StatuspageError:
    return StatuspageError(422, "; ".join(errors), errors)


@dataclass(frozen=True)
class IncidentBody:
    """The ``incident`` object of a create or update, checked; absent fields are None."""

    fields: Mapping[str, Any]

    def get(self, name: str) -> Any:
        return self.fields.get(name)


def _string(errors: list[str], label: str, value: Any, maximum: int, blank_ok: bool) -> None:
    if not isinstance(value, str):
        errors.append(f"{label} must be a string")
    elif not blank_ok and not value.strip():
        errors.append(f"{label} can't be blank")
    elif len(value) > maximum:
        errors.append(f"{label} is too long (maximum is {maximum} characters)")


def _choice(errors: list[str], label: str, value: Any, choices: Iterable[str]) -> None:
    if value not in tuple(choices):
        errors.append(f"{label} must be one of {', '.join(choices)}")


def parse_incident(body: Any, *, creating: bool) -> IncidentBody:
    """``{"incident": {...}}``: every field checked, all problems reported together (422)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("incident"), Mapping):
        raise StatuspageError(400, "The request body must be a JSON object with an 'incident' object")
    incident = dict(body["incident"])
    errors = [f"Unknown field {key!r}" for key in incident if key not in FIELDS]
    if creating and "name" not in incident:
        errors.append("Name can't be blank")
    if "name" in incident:
        _string(errors, "Name", incident["name"], NAME_MAX, blank_ok=False)
    if "body" in incident:
        _string(errors, "Body", incident["body"], BODY_MAX, blank_ok=True)
    if "status" in incident:
        _choice(errors, "Status", incident["status"], REALTIME + MAINTENANCE)
    if "impact_override" in incident:
        _choice(errors, "Impact override", incident["impact_override"], IMPACT_OVERRIDES)
    for name in BOOLEANS:
        if name in incident and not isinstance(incident[name], bool):
            errors.append(f"{name} must be true or false")
    # null is refused like any other wrong type: the spec marks none of these nullable.
    components = incident.get("components")
    if "components" in incident and not (
        isinstance(components, Mapping) and all(s in COMPONENT_STATUSES for s in components.values())
    ):
        errors.append(f"Components must map component ids to one of {', '.join(COMPONENT_STATUSES)}")
    ids = incident.get("component_ids")
    if "component_ids" in incident and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        errors.append("Component ids must be a list of component ids")
    metadata = incident.get("metadata")
    if "metadata" in incident and not (
        isinstance(metadata, Mapping) and all(isinstance(v, Mapping) for v in metadata.values())
    ):
        errors.append("Metadata must be an object whose top-level values are all objects")
    if errors:
        raise invalid(errors)
    return IncidentBody(incident)


def parse_paging(params: Iterable[tuple[str, str]], size_name: str) -> tuple[int, int]:
    """``page`` (from 1) and ``limit``/``per_page`` (1 to 100, default 100) of a list."""
    values: dict[str, str] = {}
    for key, value in params:
        if key in values and key in ("page", size_name):
            raise invalid([f"{key} is given more than once"])
        values[key] = value
    result = []
    for name, default, maximum in (("page", 1, None), (size_name, MAX_PER_PAGE, MAX_PER_PAGE)):
        raw = values.get(name, str(default))
        if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
            raise StatuspageError(
                400, f"{name} must be a whole number from 1{f' to {maximum}' if maximum else ''}"
            )
        result.append(int(raw))
    return result[0], result[1]
