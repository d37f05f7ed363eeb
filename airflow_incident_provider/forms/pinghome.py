"""The Pinghome Incidents connection form (``pinghome_incidents``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.forms import COMMON_FIELDS, Field, field

EXTERNAL_DOC_URL = "https://docs.pinghome.io/incident-management/incident-tracking"

URLS: Mapping[str, str] = {
    "cmd": "https://incident-cmd.api.pinghome.io",
    "query": "https://incident-query.api.pinghome.io",
    "auth": "https://auth.api.pinghome.io",
}
"""One subdomain per service (docs.pinghome.io examples): writes, reads, sign-in."""
PATHS: Mapping[str, str] = {"cmd": "/incident-cmd", "query": "/incident-query", "auth": "/auth"}
"""Where each service lives under a single gateway host (``https://api.pinghome.io/incident-cmd/...``)."""
PATH_PREFIX = "/v1"
"""Most doc examples use ``/v1/...``; some show ``/default/v1/...`` (set ``path_prefix`` for those)."""

CONN_FIELDS: dict[str, Field] = {
    "team_id": field(
        "Team ID",
        {"type": ["string", "null"]},
        "Team of incidents given by id alone; needed for listing and the connection test.",
    ),
    "cmd_url": field(
        "Incident command URL",
        {"type": ["string", "null"]},
        f"Writes; default {URLS['cmd']} (or <host>{PATHS['cmd']}).",
    ),
    "query_url": field(
        "Incident query URL",
        {"type": ["string", "null"]},
        f"Reads; default {URLS['query']} (or <host>{PATHS['query']}).",
    ),
    "auth_url": field(
        "Sign-in URL",
        {"type": ["string", "null"]},
        f"Sign-in (email, password); default {URLS['auth']} (or <host>{PATHS['auth']}).",
    ),
    "path_prefix": field(
        "Path prefix",
        {"type": ["string", "null"], "default": PATH_PREFIX},
        "Before every incident path; some Pinghome docs show /default/v1.",
    ),
    "incident_url_template": field(
        "Incident URL template",
        {"type": ["string", "null"]},
        "https:// link for the task's extra link, with {incident_id} and optionally {team_id}; "
        "Pinghome returns no URL.",
    ),
    **COMMON_FIELDS,
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port"],
    "relabeling": {
        "password": "API token (or sign-in password)",
        "login": "Sign-in email (leave empty with a token)",
        "host": "Gateway URL override",
    },
    "placeholders": {
        "host": "empty: *.api.pinghome.io; or https://api.pinghome.io",
        "password": "Bearer token, or sign-in password",
        "team_id": "445a5c1f-c0eb-403a-96d7-3976e5dc74ed",
        "path_prefix": PATH_PREFIX,
    },
}
