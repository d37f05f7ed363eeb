"""The Rootly Incidents connection form (``rootly_incidents``)."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.forms import COMMON_FIELDS, Field, field

EXTERNAL_DOC_URL = "https://docs.rootly.com/api-reference"
BASE_URL = "https://api.rootly.com"

CONN_FIELDS: dict[str, Field] = {
    "assignee_role": field(
        "Assignee role",
        {"type": ["string", "null"]},
        "Incident role (id, slug or name) ReassignIncidentOperator fills; default: commander.",
    ),
    **COMMON_FIELDS,
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port"],
    "relabeling": {"password": "API key", "host": "Base URL override"},
    "placeholders": {
        "host": f"leave empty for {BASE_URL}",
        "password": "Rootly API key (global, team or personal), sent as Bearer",
    },
}
