"""Read-merge-write: ``PUT`` replaces the incident, so the current body is merged with the changes, notes
are appended to the description, and a write is read back to see which fields took."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_incident_provider.idempotency import is_marked, mark
from airflow_incident_provider.vendors.base import Request, path_segment
from airflow_incident_provider.vendors.pinghome.body import BODY_FIELDS
from airflow_incident_provider.vendors.pinghome.incidents import DEFAULT_ASSIGNEE_TYPE, status_of
from airflow_incident_provider.vendors.pinghome.services import CMD, NAME

READ_BACK_ATTEMPTS = 3
"""How often a write is read back before a field that did not take is reported (reads may lag writes)."""
NOTE_SEPARATOR = "\n\n---\n"
"""Pinghome has no notes: a note is appended to the description after this separator line."""
VERIFIED_FIELDS = ("name", "description", "urgency", "assignees", "status")
"""Fields compared when a write is read back (``actions`` are not: Pinghome may fill in their ids)."""


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
