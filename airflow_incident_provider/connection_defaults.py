"""What a connection falls back to and the values its settings may take, each written once.

The hooks and vendor modules read these, and so do the connection forms that ``get_provider_info``
builds. Airflow calls ``get_provider_info`` in every process it starts (the providers manager reads
it while loading its configuration), so this module imports nothing: the forms must not pull in the
vendor modules or pydantic to learn a URL.
"""

from __future__ import annotations

from collections.abc import Mapping

# --- every vendor ----------------------------------------------------------------------------------

CONNECT_TIMEOUT = 10
"""Seconds for the TCP and TLS connect of one request."""
READ_TIMEOUT = 30
"""Seconds between bytes of one response."""
TOTAL_TIMEOUT = 120
"""Seconds for one whole operation, retries and rate-limit waits included."""

# --- PagerDuty -------------------------------------------------------------------------------------

PAGERDUTY_BASE_URLS: Mapping[str, str] = {
    "us": "https://api.pagerduty.com",
    "eu": "https://api.eu.pagerduty.com",
}
"""REST API v2 by service region; the first is the default."""
PAGERDUTY_REGION = "us"
PAGERDUTY_AUTH_SCHEMES = ("api_key", "oauth")
"""How the token is sent: ``Token token=...`` for a REST API key, ``Bearer ...`` for an OAuth token."""
PAGERDUTY_AUTH_SCHEME = "api_key"

# --- Rootly, DevHelm, UptimeIO ---------------------------------------------------------------------

ROOTLY_BASE_URL = "https://api.rootly.com"
DEVHELM_BASE_URL = "https://api.devhelm.io"
UPTIMEIO_BASE_URL = "https://api.uptimeio.com"
UPTIMEIO_NOTE_MARKERS = ("hidden", "none")
"""``hidden``: a Markdown comment carrying the idempotency key in each note; ``none``: no marker."""
UPTIMEIO_NOTE_MARKER = "hidden"

# --- Pinghome --------------------------------------------------------------------------------------

PINGHOME_URLS: Mapping[str, str] = {
    "cmd": "https://incident-cmd.api.pinghome.io",
    "query": "https://incident-query.api.pinghome.io",
    "auth": "https://auth.api.pinghome.io",
}
"""One subdomain per service (docs.pinghome.io examples): writes, reads, sign-in."""
PINGHOME_GATEWAY_PATHS: Mapping[str, str] = {
    "cmd": "/incident-cmd",
    "query": "/incident-query",
    "auth": "/auth",
}
"""Where each service lives under a single gateway host (``https://api.pinghome.io/incident-cmd/...``)."""
PINGHOME_PATH_PREFIX = "/v1"
"""Most doc examples use ``/v1/...``; some show ``/default/v1/...`` (set ``path_prefix`` for those)."""
