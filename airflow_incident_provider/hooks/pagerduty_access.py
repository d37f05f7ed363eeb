"""Reaching PagerDuty: the connection's settings (token, auth scheme, region, base URL).

``auth_scheme`` was named ``token_kind`` before; the older name is still read, because Airflow masks
every extra whose name contains ``token`` and a form saved with the default stored ``***``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_incident_provider.exceptions import ConnectionConfigError
from airflow_incident_provider.hooks.settings import ConnectionSettings, base_url_from_host, common_settings
from airflow_incident_provider.vendors import pagerduty as pd

if TYPE_CHECKING:
    from airflow.sdk import Connection


def pagerduty_settings(connection: Connection, extras: Mapping[str, Any]) -> ConnectionSettings:
    """The settings of a PagerDuty connection, or an error naming the connection and the field."""
    conn_id = connection.conn_id
    if not connection.password:
        raise ConnectionConfigError(f"connection {conn_id!r}: put the PagerDuty API token in the password")
    region = str(extras.get("region", pd.DEFAULT_REGION)).lower()
    if region not in pd.BASE_URLS:
        raise ConnectionConfigError(
            f"connection {conn_id!r}: region {region!r} is not one of {', '.join(pd.BASE_URLS)}"
        )
    auth_scheme = _auth_scheme(extras, conn_id)
    return ConnectionSettings(
        conn_id=conn_id,
        base_url=base_url_from_host(connection.host, pd.BASE_URLS[region], conn_id),
        token=connection.password,
        extras={**extras, "region": region, "auth_scheme": auth_scheme},
        **common_settings(extras, conn_id),
    )


def _auth_scheme(extras: Mapping[str, Any], conn_id: str) -> str:
    """``auth_scheme``, else the older ``token_kind`` (same values), else ``api_key``.

    The extra was renamed because Airflow masks every extra whose name contains ``token``: the form
    showed the ``token_kind`` default as ``***`` and saved that.
    """
    name = "auth_scheme" if "auth_scheme" in extras else "token_kind"
    value = str(extras.get(name, pd.DEFAULT_AUTH_SCHEME)).strip().lower()
    if value in pd.AUTH_SCHEMES:
        return value
    hint = ""
    if value == "***":
        hint = " (a value Airflow masked and the form saved back: set auth_scheme and remove token_kind)"
    raise ConnectionConfigError(
        f"connection {conn_id!r}: {name} {value!r} is not one of {', '.join(pd.AUTH_SCHEMES)}{hint}"
    )
