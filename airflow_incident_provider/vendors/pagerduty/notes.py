"""Notes: checking one, posting one, and listing them back to find an idempotency marker."""

from __future__ import annotations

from collections.abc import Mapping

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.pagerduty.api import NAME, NOTE_MAX_LENGTH, incident_id_from_ref


def validate_note(note: str) -> None:
    if not isinstance(note, str) or not note.strip():
        raise IncidentValidationError("note", "must be non-empty text", vendor=NAME)
    if len(note) > NOTE_MAX_LENGTH:
        raise IncidentValidationError("note", f"is longer than {NOTE_MAX_LENGTH} characters", vendor=NAME)


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
