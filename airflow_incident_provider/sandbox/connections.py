"""Airflow connections (JSON form) and ``AIRFLOW_CONN_*`` lines that point the provider at a sandbox."""

from __future__ import annotations

import json
import shlex
from typing import Any

from airflow_incident_provider.registry import BY_NAME, VENDORS

from .app import backend_classes
from .config import SandboxConfig

PAGERDUTY_CONN_ID = BY_NAME["pagerduty"].sandbox_conn_id


def vendor_connection(name: str, base_url: str, config: SandboxConfig) -> dict[str, Any]:
    """The ``<name>_incidents`` connection to vendor ``name``'s API in a sandbox whose root is ``base_url``:
    the sandbox's credential and the extras that scope it to the sample data."""
    record = BY_NAME[name]
    return {
        "conn_type": record.conn_type,
        "host": f"{base_url.rstrip('/')}/{name}",
        "password": config.token(name),
        "extra": backend_classes()[name].connection_extra(),
    }


def sandbox_connections(base_url: str, config: SandboxConfig | None = None) -> dict[str, dict[str, Any]]:
    """Conn id (``<vendor>_sandbox``) -> connection dict, for every vendor the sandbox emulates."""
    config = config or SandboxConfig()
    return {record.sandbox_conn_id: vendor_connection(record.name, base_url, config) for record in VENDORS}


def env_var_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def connection_json(connection: dict[str, Any]) -> str:
    return json.dumps(connection, separators=(", ", ": "))


def connection_env_line(conn_id: str, connection: dict[str, Any]) -> str:
    """``AIRFLOW_CONN_<ID>='<json>'``, quoted for POSIX shells."""
    return f"{env_var_name(conn_id)}={shlex.quote(connection_json(connection))}"


def connection_env_lines(base_url: str, config: SandboxConfig | None = None) -> list[str]:
    return [connection_env_line(cid, conn) for cid, conn in sandbox_connections(base_url, config).items()]
