"""The Statuspage Incidents connection form (``statuspage_incidents``) and its defaults."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.forms import COMMON_FIELDS, Field, field

EXTERNAL_DOC_URL = "https://developer.statuspage.io"
BASE_URL = "https://api.statuspage.io/v1"
AUTH_SCHEME = "OAuth"
"""Statuspage reads the API key from ``Authorization: OAuth <key>`` (its spec's ``api_key`` scheme)."""
RATE_LIMIT_PER_MINUTE = 60
"""Statuspage's published limit: "Each API token is limited to 1 request / second as measured on a 60
second rolling window" (developer.statuspage.io, Rate Limiting)."""

CONN_FIELDS: dict[str, Field] = {
    "page_id": field(
        "Page ID",
        {"type": ["string", "null"]},
        "The status page (as on the API info page); used for bare incident ids, listing, creating and "
        "the connection test.",
    ),
    **COMMON_FIELDS,
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port"],
    "relabeling": {"password": "API key", "host": "Base URL override"},
    "placeholders": {
        "host": f"leave empty for {BASE_URL}",
        "password": "Statuspage API key",
        "page_id": "gytm4qzbx9t6",
    },
}
