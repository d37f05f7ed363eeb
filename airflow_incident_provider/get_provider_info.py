"""Provider metadata for Airflow's providers manager (the ``apache_airflow_provider`` entry point).

Declares every hook, operator, notifier and connection type. Connection forms are declarative
(``conn-fields``/``ui-field-behaviour``): a field whose schema has ``format: password`` is masked.
"""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.vendors import devhelm, pagerduty, pinghome, rootly, uptimeio

PACKAGE = "airflow_incident_provider"


def _host(url: str) -> str:
    return url.removeprefix("https://")


def _field(label: str, schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    field: dict[str, Any] = {"label": label, "schema": schema}
    if description:
        field["description"] = description
    return field


def _common_fields() -> dict[str, Any]:
    """Fields every vendor's connection has: timeouts, proxy, CA bundle, rate-limit override."""
    return {
        "connect_timeout": _field("Connect timeout (s)", {"type": ["number", "null"], "default": 10}),
        "read_timeout": _field("Read timeout (s)", {"type": ["number", "null"], "default": 30}),
        "total_timeout": _field(
            "Total timeout (s)",
            {"type": ["number", "null"], "default": 120},
            "Upper bound for one operation, retries included.",
        ),
        "proxy": _field(
            "Proxy URL",
            {"type": ["string", "null"], "format": "password"},
            "http://, https:// or socks5:// proxy; may carry credentials, so it is masked.",
        ),
        "ca_bundle": _field(
            "CA bundle path",
            {"type": ["string", "null"]},
            "PEM file to verify the vendor's TLS certificate with.",
        ),
        "rate_limit_per_minute": _field(
            "Rate limit (requests/min)",
            {"type": ["integer", "null"], "minimum": 1},
            "Overrides the vendor's published limit for this credential.",
        ),
    }


def _pagerduty_connection() -> dict[str, Any]:
    return {
        "hook-class-name": f"{PACKAGE}.hooks.pagerduty.PagerDutyIncidentHook",
        "hook-name": "PagerDuty Incidents",
        "connection-type": "pagerduty_incidents",
        "external-doc-url": "https://developer.pagerduty.com/api-reference/",
        "conn-fields": {
            "token_kind": _field(
                "Token kind",
                {"type": ["string", "null"], "enum": ["api_key", "oauth"], "default": "api_key"},
                "api_key is sent as 'Token token=...', oauth as 'Bearer ...'.",
            ),
            "from_email": _field(
                "From email",
                {"type": ["string", "null"], "format": "email"},
                "Email of a user in the account; PagerDuty requires it on every write.",
            ),
            "region": _field(
                "Service region",
                {"type": ["string", "null"], "enum": ["us", "eu"], "default": "us"},
                "eu sends requests to api.eu.pagerduty.com.",
            ),
            "default_service_id": _field(
                "Default service ID",
                {"type": ["string", "null"]},
                "Service new incidents are created on when vendor_fields names no service.",
            ),
            **_common_fields(),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "login", "port"],
            "relabeling": {"password": "API token", "host": "Base URL override"},
            "placeholders": {
                "host": f"empty: {_host(pagerduty.BASE_URLS['us'])} (or set region); https://... overrides",
                "password": "PagerDuty REST API key or OAuth token",
                "from_email": "oncall@example.com",
            },
        },
    }


def _uptimeio_connection() -> dict[str, Any]:
    return {
        "hook-class-name": f"{PACKAGE}.hooks.uptimeio.UptimeIOIncidentHook",
        "hook-name": "UptimeIO Incidents",
        "connection-type": "uptimeio_incidents",
        "external-doc-url": "https://docs.uptimeio.com/api-reference/status-pages/update-incident",
        "conn-fields": {
            "project_id": _field(
                "Project ID",
                {"type": ["string", "null"]},
                "UUID of the project; used when an incident is given by its id alone.",
            ),
            "status_page_id": _field(
                "Status page ID",
                {"type": ["string", "null"]},
                "UUID of the status page; used for bare incident ids, listing and the connection test.",
            ),
            "incident_url_template": _field(
                "Incident URL template",
                {"type": ["string", "null"]},
                "Link to an incident for the task's extra link, e.g. "
                "https://status.example.com/incidents/{incident_id}; UptimeIO returns no URL.",
            ),
            "note_marker": _field(
                "Note idempotency marker",
                {"type": ["string", "null"], "enum": ["hidden", "none"], "default": "hidden"},
                "hidden: a Markdown comment in the note, so a retried task never posts twice; none: no "
                "marker (a retry may post again).",
            ),
            **_common_fields(),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "login", "port"],
            "relabeling": {"password": "API key", "host": "Base URL override"},
            "placeholders": {
                "host": f"leave empty for {uptimeio.BASE_URL}",
                "password": f"UptimeIO API key (sent as {uptimeio.API_KEY_HEADER})",
                "project_id": "660e8400-e29b-41d4-a716-446655440001",
                "status_page_id": "550e8400-e29b-41d4-a716-446655440000",
            },
        },
    }


def _devhelm_connection() -> dict[str, Any]:
    return {
        "hook-class-name": f"{PACKAGE}.hooks.devhelm.DevHelmIncidentHook",
        "hook-name": "DevHelm Incidents",
        "connection-type": "devhelm_incidents",
        "external-doc-url": "https://docs.devhelm.io",
        "conn-fields": {
            "status_page_id": _field(
                "Status page ID",
                {"type": ["string", "null"]},
                "UUID of the status page: used for bare incident ids, listing and the connection test.",
            ),
            "org_id": _field(
                "Organization ID",
                {"type": ["string", "null"]},
                "Sent as x-phelm-org-id; only needed when the API key belongs to several organizations.",
            ),
            "workspace_id": _field(
                "Workspace ID",
                {"type": ["string", "null"]},
                "Sent as x-phelm-workspace-id; only needed when the API key belongs to several workspaces.",
            ),
            "incident_url_template": _field(
                "Incident URL template",
                {"type": ["string", "null"]},
                "https:// link for the task's extra link, with {incident_id} and optionally {page_id}; "
                "DevHelm returns no URL.",
            ),
            **_common_fields(),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "login", "port"],
            "relabeling": {"password": "API key", "host": "Base URL override"},
            "placeholders": {
                "host": f"leave empty for {devhelm.BASE_URL}",
                "password": "DevHelm API key (dh_live_...)",
                "status_page_id": "7f3c2a10-5d4e-4b6f-8a9c-0d1e2f3a4b5c",
            },
        },
    }


def _pinghome_connection() -> dict[str, Any]:
    return {
        "hook-class-name": f"{PACKAGE}.hooks.pinghome.PinghomeIncidentHook",
        "hook-name": "Pinghome Incidents",
        "connection-type": "pinghome_incidents",
        "external-doc-url": "https://docs.pinghome.io/incident-management/incident-tracking",
        "conn-fields": {
            "team_id": _field(
                "Team ID",
                {"type": ["string", "null"]},
                "Team of incidents given by id alone; needed for listing and the connection test.",
            ),
            "cmd_url": _field(
                "incident-cmd URL",
                {"type": ["string", "null"]},
                f"Writes; default {pinghome.DEFAULT_URLS[pinghome.CMD]} (or <host>/incident-cmd).",
            ),
            "query_url": _field(
                "incident-query URL",
                {"type": ["string", "null"]},
                f"Reads; default {pinghome.DEFAULT_URLS[pinghome.QUERY]} (or <host>/incident-query).",
            ),
            "auth_url": _field(
                "auth URL",
                {"type": ["string", "null"]},
                f"Sign-in (email, password); default {pinghome.DEFAULT_URLS[pinghome.AUTH]} or <host>/auth.",
            ),
            "path_prefix": _field(
                "Path prefix",
                {"type": ["string", "null"], "default": "/v1"},
                "Before every incident path; some Pinghome docs show /default/v1.",
            ),
            "incident_url_template": _field(
                "Incident URL template",
                {"type": ["string", "null"]},
                "https:// link for the task's extra link, with {incident_id} and optionally {team_id}; "
                "Pinghome returns no URL.",
            ),
            **_common_fields(),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {
                "password": "API token (or sign-in password)",
                "login": "Sign-in email (leave empty with a token)",
                "host": "Gateway URL override",
            },
            "placeholders": {
                "host": "empty for the *.api.pinghome.io services; https://api.pinghome.io for the gateway",
                "password": "Pinghome bearer token (preferred), or the sign-in password with an email login",
                "team_id": "445a5c1f-c0eb-403a-96d7-3976e5dc74ed",
                "path_prefix": "/v1",
            },
        },
    }


def _rootly_connection() -> dict[str, Any]:
    return {
        "hook-class-name": f"{PACKAGE}.hooks.rootly.RootlyIncidentHook",
        "hook-name": "Rootly Incidents",
        "connection-type": "rootly_incidents",
        "external-doc-url": "https://docs.rootly.com/api-reference",
        "conn-fields": {
            "assignee_role": _field(
                "Assignee role",
                {"type": ["string", "null"]},
                "Incident role (id, slug or name) ReassignIncidentOperator fills; default: commander.",
            ),
            **_common_fields(),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "login", "port"],
            "relabeling": {"password": "API key", "host": "Base URL override"},
            "placeholders": {
                "host": f"leave empty for {rootly.BASE_URL}",
                "password": "Rootly API key (global, team or personal), sent as Bearer",
            },
        },
    }


CONNECTIONS = (
    _pagerduty_connection,
    _uptimeio_connection,
    _devhelm_connection,
    _pinghome_connection,
    _rootly_connection,
)
"""One function per vendor, each returning its connection type; integrations and hooks derive from them."""


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads; ``package-name`` equals the distribution name."""
    connections = [build() for build in CONNECTIONS]
    return {
        "package-name": "airflow-incident-provider",
        "name": "Incident management (PagerDuty, Rootly, DevHelm, UptimeIO, Pinghome)",
        "description": "Update, acknowledge, escalate, annotate, resolve and wait for incidents at "
        "incident-management and status-page vendors.",
        "versions": ["0.1.0"],
        "integrations": [
            {
                "integration-name": "Incident management",
                "external-doc-url": "https://pypi.org/project/airflow-incident-provider/",
                "tags": ["service"],
            },
            *(
                {
                    "integration-name": conn["hook-name"],
                    "external-doc-url": conn.pop("external-doc-url"),
                    "tags": ["service"],
                }
                for conn in connections
            ),
        ],
        "hooks": [
            {
                "integration-name": conn["hook-name"],
                "python-modules": [conn["hook-class-name"].rpartition(".")[0]],
            }
            for conn in connections
        ],
        "operators": [
            {
                "integration-name": "Incident management",
                "python-modules": [
                    f"{PACKAGE}.operators.{module}"
                    for module in (
                        "update",
                        "resolve",
                        "acknowledge",
                        "note",
                        "read",
                        "create",
                        "escalate",
                        "bulk",
                    )
                ],
            },
        ],
        "sensors": [
            {
                "integration-name": "Incident management",
                "python-modules": [f"{PACKAGE}.sensors.incident_status"],
            },
        ],
        "triggers": [
            {
                "integration-name": "Incident management",
                "python-modules": [
                    f"{PACKAGE}.triggers.incident_status",
                    f"{PACKAGE}.triggers.incident_event",
                ],
            },
        ],
        "notifications": [f"{PACKAGE}.notifications.incident.IncidentNotifier"],
        "extra-links": [f"{PACKAGE}.links.IncidentLink"],
        "connection-types": connections,
    }
