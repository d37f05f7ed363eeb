"""The UptimeIO Incidents connection form (``uptimeio_incidents``)."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.forms import COMMON_FIELDS, Field, field

EXTERNAL_DOC_URL = "https://docs.uptimeio.com/api-reference/status-pages/update-incident"
BASE_URL = "https://api.uptimeio.com"
NOTE_MARKERS = ("hidden", "none")
"""``hidden``: a Markdown comment carrying the idempotency key in each note; ``none``: no marker."""
NOTE_MARKER = "hidden"

CONN_FIELDS: dict[str, Field] = {
    "project_id": field(
        "Project ID",
        {"type": ["string", "null"]},
        "UUID of the project; used when an incident is given by its id alone.",
    ),
    "status_page_id": field(
        "Status page ID",
        {"type": ["string", "null"]},
        "UUID of the status page; used for bare incident ids, listing and the connection test.",
    ),
    "incident_url_template": field(
        "Incident URL template",
        {"type": ["string", "null"]},
        "Link to an incident for the task's extra link, e.g. "
        "https://status.example.com/incidents/{incident_id}; UptimeIO returns no URL.",
    ),
    "note_marker": field(
        "Note idempotency marker",
        {
            "type": ["string", "null"],
            "enum": list(NOTE_MARKERS),
            "default": NOTE_MARKER,
        },
        "hidden: a Markdown comment in the note, so a retried task never posts twice; none: no "
        "marker (a retry may post again).",
    ),
    **COMMON_FIELDS,
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port"],
    "relabeling": {"password": "API key", "host": "Base URL override"},
    "placeholders": {
        "host": f"leave empty for {BASE_URL}",
        "password": "UptimeIO API key",
        "project_id": "660e8400-e29b-41d4-a716-446655440001",
        "status_page_id": "550e8400-e29b-41d4-a716-446655440000",
    },
}
