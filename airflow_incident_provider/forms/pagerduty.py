"""The PagerDuty Incidents connection form (``pagerduty_incidents``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_incident_provider.forms import COMMON_FIELDS, Field, field, host_of

EXTERNAL_DOC_URL = "https://developer.pagerduty.com/api-reference/"
BASE_URLS: Mapping[str, str] = {"us": "https://api.pagerduty.com", "eu": "https://api.eu.pagerduty.com"}
"""REST API v2 by service region."""
REGION = "us"
AUTH_SCHEMES = ("api_key", "oauth")
"""How the token is sent: ``Token token=...`` for a REST API key, ``Bearer ...`` for an OAuth token."""
AUTH_SCHEME = "api_key"
US_HOST = host_of(BASE_URLS["us"])

CONN_FIELDS: dict[str, Field] = {
    # Not "token_kind" (the older name, still read): Airflow masks extras named like a token.
    "auth_scheme": field(
        "Auth scheme",
        {
            "type": ["string", "null"],
            "enum": list(AUTH_SCHEMES),
            "default": AUTH_SCHEME,
        },
        "api_key is sent as 'Token token=...', oauth as 'Bearer ...'.",
    ),
    "from_email": field(
        "From email",
        {"type": ["string", "null"], "format": "email"},
        "Email of a user in the account; PagerDuty requires it on every write.",
    ),
    "region": field(
        "Service region",
        {
            "type": ["string", "null"],
            "enum": list(BASE_URLS),
            "default": REGION,
        },
        f"eu sends requests to {host_of(BASE_URLS['eu'])}.",
    ),
    "default_service_id": field(
        "Default service ID",
        {"type": ["string", "null"]},
        "Service new incidents are created on when vendor_fields names no service.",
    ),
    **COMMON_FIELDS,
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port"],
    "relabeling": {"password": "API token", "host": "Base URL override"},
    "placeholders": {
        "host": f"empty: {US_HOST} (or set region); https://... overrides",
        "password": "PagerDuty REST API key or OAuth token",
        "from_email": "oncall@example.com",
    },
}
