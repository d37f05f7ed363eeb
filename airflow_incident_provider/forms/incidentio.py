"""The incident.io Incidents connection form (``incidentio_incidents``) and its connection defaults."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.forms import COMMON_FIELDS, Field, field

EXTERNAL_DOC_URL = "https://api-docs.incident.io/"
BASE_URL = "https://api.incident.io"
AUTH_SCHEME = "Bearer"
"""API keys go in ``Authorization: Bearer <key>`` (the OpenAPI description's "Authentication")."""
VISIBILITIES = ("public", "private")
VISIBILITY = "public"

CONN_FIELDS: dict[str, Field] = {
    "assignee_role": field(
        "Assignee role",
        {"type": ["string", "null"]},
        "Incident role (id, name or shortform) ReassignIncidentOperator fills; default: the lead role.",
    ),
    "visibility": field(
        "Visibility of created incidents",
        {"type": ["string", "null"], "enum": list(VISIBILITIES), "default": VISIBILITY},
        "public: open to the whole Slack workspace; private: invite-only.",
    ),
    "default_severity": field(
        "Default severity of created incidents",
        {"type": ["string", "null"]},
        "Severity (name or id) CreateIncidentOperator uses when given none; incident.io requires one.",
    ),
    **COMMON_FIELDS,
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port"],
    "relabeling": {"password": "API key", "host": "Base URL override"},
    "placeholders": {
        "host": f"leave empty for {BASE_URL}",
        "password": "incident.io API key, sent as Bearer",
        "assignee_role": "Incident Lead",
        "default_severity": "Minor",
    },
}
