"""Airflow connections (JSON form) and ``AIRFLOW_CONN_*`` lines that point the provider at a sandbox."""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

from .config import SandboxConfig
from .devhelm import DEFAULT_STATUS_PAGE_ID as DEVHELM_STATUS_PAGE_ID
from .pagerduty import DEFAULT_FROM_EMAIL
from .pinghome import DEFAULT_TEAM_ID as PINGHOME_TEAM_ID
from .uptimeio import PROJECT_ID as UPTIMEIO_PROJECT_ID
from .uptimeio import STATUS_PAGE_ID as UPTIMEIO_STATUS_PAGE_ID

if TYPE_CHECKING:
    from collections.abc import Callable

PAGERDUTY_CONN_ID = "pagerduty_sandbox"
PAGERDUTY_CONN_TYPE = "pagerduty_incidents"


def pagerduty_connection(base_url: str, token: str, from_email: str = DEFAULT_FROM_EMAIL) -> dict[str, Any]:
    """The ``pagerduty_incidents`` connection for a sandbox whose root URL is ``base_url``."""
    return {
        "conn_type": PAGERDUTY_CONN_TYPE,
        "host": f"{base_url.rstrip('/')}/pagerduty",
        "password": token,
        "extra": {"from_email": from_email},
    }


def _pagerduty(base_url: str, config: SandboxConfig) -> tuple[str, dict[str, Any]]:
    return PAGERDUTY_CONN_ID, pagerduty_connection(base_url, config.token("pagerduty"))


def _uptimeio(base_url: str, config: SandboxConfig) -> tuple[str, dict[str, Any]]:
    """``uptimeio_sandbox``: the sample project and status page, so bare incident ids resolve."""
    return "uptimeio_sandbox", {
        "conn_type": "uptimeio_incidents",
        "host": f"{base_url.rstrip('/')}/uptimeio",
        "password": config.token("uptimeio"),
        "extra": {"project_id": UPTIMEIO_PROJECT_ID, "status_page_id": UPTIMEIO_STATUS_PAGE_ID},
    }


def _devhelm(base_url: str, config: SandboxConfig) -> tuple[str, dict[str, Any]]:
    """``devhelm_sandbox``: the sample status page, so bare incident ids resolve and listing works."""
    return "devhelm_sandbox", {
        "conn_type": "devhelm_incidents",
        "host": f"{base_url.rstrip('/')}/devhelm",
        "password": config.token("devhelm"),
        "extra": {"status_page_id": DEVHELM_STATUS_PAGE_ID},
    }


def _pinghome(base_url: str, config: SandboxConfig) -> tuple[str, dict[str, Any]]:
    """``pinghome_sandbox``: the sandbox as Pinghome's gateway (its three services under one host)."""
    return "pinghome_sandbox", {
        "conn_type": "pinghome_incidents",
        "host": f"{base_url.rstrip('/')}/pinghome",
        "password": config.token("pinghome"),
        "extra": {"team_id": PINGHOME_TEAM_ID},
    }


def _rootly(base_url: str, config: SandboxConfig) -> tuple[str, dict[str, Any]]:
    """``rootly_sandbox``: Rootly needs only its key; incidents are addressed by id alone."""
    return "rootly_sandbox", {
        "conn_type": "rootly_incidents",
        "host": f"{base_url.rstrip('/')}/rootly",
        "password": config.token("rootly"),
        "extra": {},
    }


#: One builder per emulated vendor: (root URL, config) -> (conn id, connection).
BUILDERS: dict[str, Callable[[str, SandboxConfig], tuple[str, dict[str, Any]]]] = {
    "pagerduty": _pagerduty,
    "rootly": _rootly,
    "pinghome": _pinghome,
    "devhelm": _devhelm,
    "uptimeio": _uptimeio,
}


def sandbox_connections(base_url: str, config: SandboxConfig | None = None) -> dict[str, dict[str, Any]]:
    """Conn id -> connection dict, for every vendor the sandbox emulates."""
    config = config or SandboxConfig()
    return dict(build(base_url, config) for build in BUILDERS.values())


def env_var_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def connection_json(connection: dict[str, Any]) -> str:
    return json.dumps(connection, separators=(", ", ": "))


def connection_env_line(conn_id: str, connection: dict[str, Any]) -> str:
    """``AIRFLOW_CONN_<ID>='<json>'``, quoted for POSIX shells."""
    return f"{env_var_name(conn_id)}={shlex.quote(connection_json(connection))}"


def connection_env_lines(base_url: str, config: SandboxConfig | None = None) -> list[str]:
    return [connection_env_line(cid, conn) for cid, conn in sandbox_connections(base_url, config).items()]
