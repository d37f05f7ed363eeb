"""One hook per (event loop, connection) for the triggers waiting in that loop.

A hook holds the connection as read, its settings and its pooled client: thousands of triggers on one
connection in one triggerer need one of each, not one per trigger. The first trigger builds the hook
(the others wait for it, so the connection is read once), which holds the loop's client until the last
trigger leaves. A hook is handed to new triggers for ``FRESH_FOR`` seconds only, so a trigger that
starts later reads the connection again (a rotated token reaches it, as it did when every trigger read
its own); triggers already holding the older hook keep it. Per event loop, because ``dag.test()`` runs
each trigger in a loop of its own and a client must not outlive its loop.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from airflow_incident_provider.hooks.base import IncidentHook

FRESH_FOR: Final = 300.0
"""Seconds a built hook is handed to newly starting triggers before the connection is read again."""


class Shared:
    """One loop's hook of one connection being built or built, its borrowers, and its hold on the client."""

    __slots__ = ("born", "built", "held", "users")

    def __init__(self, build: Callable[[], Awaitable[IncidentHook]]) -> None:
        self.born = time.monotonic()
        self.users = 0
        self.held: AbstractAsyncContextManager[None] | None = None
        self.built = asyncio.get_running_loop().create_task(self._build(build), name="incident-hook")
        self.built.add_done_callback(_retrieved)

    async def _build(self, build: Callable[[], Awaitable[IncidentHook]]) -> IncidentHook:
        """Built in a task of its own, so the cancellation of the trigger that asked first stops no other."""
        hook = await build()
        held = hook.hold_client()
        await held.__aenter__()
        self.held = held
        return hook


def _retrieved(task: asyncio.Task[IncidentHook]) -> None:
    if not task.cancelled():
        task.exception()  # every borrower gets it; none may be left to read it


_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Shared]] = weakref.WeakKeyDictionary()


async def borrow(conn_id: str, build: Callable[[], Awaitable[IncidentHook]]) -> tuple[IncidentHook, Shared]:
    """The running loop's hook of ``conn_id`` (built with ``build`` when there is none fresh), holding the
    loop's client; hand the second value to :func:`give_back` when done. Raises what ``build`` raises."""
    shared_here = _SHARED.setdefault(asyncio.get_running_loop(), {})
    shared = shared_here.get(conn_id)
    if shared is None or time.monotonic() - shared.born > FRESH_FOR:
        shared = shared_here[conn_id] = Shared(build)
    shared.users += 1
    try:
        if shared.built.done():  # the common case once built: nothing to wait for, nothing to allocate
            return shared.built.result(), shared
        return await asyncio.shield(shared.built), shared
    except BaseException:
        await give_back(conn_id, shared)
        raise


async def give_back(conn_id: str, shared: Shared) -> None:
    """Leave the hook; the last borrower releases its client and forgets it (as does a failed build)."""
    shared.users -= 1
    failed = shared.built.done() and (shared.built.cancelled() or shared.built.exception() is not None)
    shared_here = _SHARED.get(asyncio.get_running_loop(), {})
    if (failed or not shared.users) and shared_here.get(conn_id) is shared:
        del shared_here[conn_id]
    if shared.users:
        return
    if not shared.built.done():
        shared.built.cancel()  # nobody waits for it any more
        await asyncio.gather(shared.built, return_exceptions=True)
    held, shared.held = shared.held, None
    if held is not None:
        await held.__aexit__(None, None, None)
