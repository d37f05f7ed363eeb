"""The DevHelm Incidents connection form (``devhelm_incidents``)."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.forms import COMMON_FIELDS, Field, field

EXTERNAL_DOC_URL = "https://docs.devhelm.io"
BASE_URL = "https://api.devhelm.io"

CONN_FIELDS: dict[str, Field] = {
    "status_page_id": field(
        "Status page ID",
        {"type": ["string", "null"]},
        "UUID of the status page: used for bare incident ids, listing and the connection test.",
    ),
    "org_id": field(
        "Organization ID",
        {"type": ["string", "null"]},
        "Sent as x-phelm-org-id; only needed when the API key belongs to several organizations.",
    ),
    "workspace_id": field(
        "Workspace ID",
        {"type": ["string", "null"]},
        "Sent as x-phelm-workspace-id; only needed when the API key belongs to several workspaces.",
    ),
    "incident_url_template": field(
        "Incident URL template",
        {"type": ["string", "null"]},
        "https:// link for the task's extra link, with {incident_id} and optionally {page_id}; "
        "DevHelm returns no URL.",
    ),
    **COMMON_FIELDS,
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port"],
    "relabeling": {"password": "API key", "host": "Base URL override"},
    "placeholders": {
        "host": f"leave empty for {BASE_URL}",
        "password": "DevHelm API key (dh_live_...)",
        "status_page_id": "7f3c2a10-5d4e-4b6f-8a9c-0d1e2f3a4b5c",
    },
}
