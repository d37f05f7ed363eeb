"""Connection forms: one module per vendor describing its form in the Airflow UI.

Each module holds ``EXTERNAL_DOC_URL``, ``CONN_FIELDS`` (the extras, as ``conn-fields``) and
``UI_FIELD_BEHAVIOUR`` (hidden, relabelled and placeholder-filled standard fields);
``get_provider_info`` assembles them with the vendor registry. Airflow reads them in every process it
starts, so these modules import nothing heavier than :mod:`airflow_incident_provider.connection_defaults`.

A field whose schema has ``format: password`` is masked in the form. Airflow also masks the value of
every extra whose *name* looks sensitive (``token``, ``secret``, ``api_key``...), defaults included,
so a field that is not a secret must not carry such a word in its name.
"""

from __future__ import annotations

from typing import Any

from airflow_incident_provider import connection_defaults as defaults

Field = dict[str, Any]
"""One entry of ``conn-fields``: ``label``, JSON ``schema`` and an optional ``description``."""


def field(label: str, schema: dict[str, Any], description: str | None = None) -> Field:
    """A ``conn-fields`` entry in the shape Airflow reads (it does not check the shape at run time)."""
    entry: Field = {"label": label, "schema": schema}
    if description:
        entry["description"] = description
    return entry


def host_of(url: str) -> str:
    """``https://api.example.com`` -> ``api.example.com``, for placeholders short enough to read."""
    return url.removeprefix("https://")


COMMON_FIELDS: dict[str, Field] = {
    "connect_timeout": field(
        "Connect timeout (s)", {"type": ["number", "null"], "default": defaults.CONNECT_TIMEOUT}
    ),
    "read_timeout": field("Read timeout (s)", {"type": ["number", "null"], "default": defaults.READ_TIMEOUT}),
    "total_timeout": field(
        "Total timeout (s)",
        {"type": ["number", "null"], "default": defaults.TOTAL_TIMEOUT},
        "Upper bound for one operation, retries included.",
    ),
    "proxy": field(
        "Proxy URL",
        {"type": ["string", "null"], "format": "password"},
        "http://, https:// or socks5:// proxy; may carry credentials, so it is masked.",
    ),
    "ca_bundle": field(
        "CA bundle path",
        {"type": ["string", "null"]},
        "PEM file to verify the vendor's TLS certificate with.",
    ),
    "rate_limit_per_minute": field(
        "Rate limit (requests/min)",
        {"type": ["integer", "null"], "minimum": 1},
        "Overrides the vendor's published limit for this credential.",
    ),
    "rate_limit_redis_dsn": field(
        "Shared rate-limit Redis URL",
        {"type": ["string", "null"], "format": "password"},
        "Optional redis:// URL (e.g. the Celery broker): the rate limit becomes a hard cap shared by every "
        "worker. It may carry a password, so it is masked (its name ends in dsn for the log masker too). "
        "Needs the provider's redis extra.",
    ),
}
"""Fields every vendor's connection has: timeouts, proxy, CA bundle, rate-limit override and its
optional Redis."""
