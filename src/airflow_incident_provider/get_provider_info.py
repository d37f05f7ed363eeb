"""Provider metadata for Airflow's providers manager (the ``apache_airflow_provider`` entry point).

Declares every hook, operator and connection type. Connection forms are declarative
(``conn-fields``/``ui-field-behaviour``): a field whose schema has ``format: password`` is masked.
"""

from __future__ import annotations

from typing import Any

PACKAGE = "airflow_incident_provider"


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
            **_common_fields(),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "login", "port"],
            "relabeling": {"password": "API token", "host": "Base URL override"},
            "placeholders": {
                "host": "leave empty for api.pagerduty.com (or set region); https://... to override",
                "password": "PagerDuty REST API key or OAuth token",
                "from_email": "oncall@example.com",
            },
        },
    }


CONNECTIONS = (_pagerduty_connection,)
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
                "python-modules": [f"{PACKAGE}.operators.update", f"{PACKAGE}.operators.resolve"],
            },
        ],
        "extra-links": [f"{PACKAGE}.links.IncidentLink"],
        "connection-types": connections,
    }
