"""Reading a connection from async code on every Airflow the provider supports, never masking on the loop.

Inside an event loop (triggers, ``async_notify``) secrets must go through the async masker: the sync one
sends to the supervisor and waits, which, with another request in flight, deadlocks (Airflow 3.3.0) or
raises ``DeadlockImminentError`` (3.3.2). Airflow 3.3.2 masks asynchronously (``Connection.aextra_dejson``,
and an ``aget_connection`` that caches the URI through ``Connection.aget_uri``); before it both reads
mask synchronously, so they run in a worker thread, where waiting on the supervisor blocks no loop.
Features are detected, not versions.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from airflow.sdk import Connection

if TYPE_CHECKING:
    from airflow.sdk import BaseHook

ASYNC_FETCH_MASKS_ASYNCHRONOUSLY: bool = hasattr(Connection, "aget_uri")
"""Whether ``BaseHook.aget_connection`` masks with the async masker (it caches ``aget_uri()``)."""


async def aget_connection(hook: type[BaseHook], conn_id: str) -> Connection:
    """``conn_id`` read through ``hook`` from async code, its secrets masked without blocking the loop."""
    if ASYNC_FETCH_MASKS_ASYNCHRONOUSLY:
        return await hook.aget_connection(conn_id)
    return await asyncio.to_thread(hook.get_connection, conn_id)


async def aextra_dejson(connection: Connection) -> dict[str, Any]:
    """The connection's extras, their secrets masked, read from async code without blocking the loop."""
    read = getattr(connection, "aextra_dejson", None)
    if read is not None:
        extras: dict[str, Any] = await read()
        return extras
    return await asyncio.to_thread(lambda: connection.extra_dejson)


__all__ = ["ASYNC_FETCH_MASKS_ASYNCHRONOUSLY", "aextra_dejson", "aget_connection"]
