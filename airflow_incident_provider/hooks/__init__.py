"""Hooks, and the registry that picks the vendor's hook from a connection's ``conn_type``.

Operators never name a vendor: ``get_incident_hook(conn_id)`` reads the connection and returns the
hook of its ``conn_type``, so switching vendor means switching connection.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from airflow.sdk import BaseHook

from airflow_incident_provider.exceptions import ConnectionConfigError
from airflow_incident_provider.hooks import async_connection
from airflow_incident_provider.registry import VENDORS

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from airflow_incident_provider.hooks.base import IncidentHook

HOOK_CLASSES: Mapping[str, str] = {record.conn_type: record.hook_path for record in VENDORS}
"""conn_type -> hook class path (built from the registry); imported on first use."""


def hook_class_for(connection: Connection) -> type[IncidentHook]:
    """The hook class for a connection, or an error that names the supported connection types."""
    conn_type = connection.conn_type
    path = HOOK_CLASSES.get(conn_type or "")
    if path is None:
        supported = ", ".join(HOOK_CLASSES)
        hint = ""
        if conn_type is None:
            hint = (
                " (a connection URI cannot carry '_' in its scheme: write the connection as JSON with "
                "\"conn_type\", or use 'pagerduty-incidents://')"
            )
        raise ConnectionConfigError(
            f"connection {connection.conn_id!r} has conn_type {conn_type!r}; incident operators need one of: "
            f"{supported}{hint}"
        )
    module, _, name = path.rpartition(".")
    hook_class: type[IncidentHook] = getattr(importlib.import_module(module), name)
    return hook_class


def get_incident_hook(conn_id: str) -> IncidentHook:
    """The vendor hook for ``conn_id`` (sync code: operators, notifiers)."""
    connection = BaseHook.get_connection(conn_id)
    return hook_class_for(connection)(conn_id, connection=connection)


async def aget_incident_hook(conn_id: str) -> IncidentHook:
    """The vendor hook for ``conn_id`` from async code (triggers), reading the connection safely."""
    connection = await async_connection.aget_connection(BaseHook, conn_id)
    return await hook_class_for(connection).afrom_conn_id(conn_id, connection=connection)


__all__ = ["HOOK_CLASSES", "aget_incident_hook", "get_incident_hook", "hook_class_for"]
