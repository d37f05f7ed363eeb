"""Pooled httpx clients and the single place where bytes go over the wire.

Sync clients are shared per connection configuration in the process; async clients are pooled per
(running event loop, configuration), reference-counted and closed on last release, because
``dag.test()`` and the triggerer may run each coroutine in a new loop and a client must never outlive
its loop.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import re
import ssl
import threading
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from airflow_incident_provider.exceptions import TransportError
from airflow_incident_provider.hooks.settings import ConnectionSettings
from airflow_incident_provider.pool import POOL_SIZE
from airflow_incident_provider.vendors.base import Request, Response

ERROR_TEXT_LIMIT = 300
USER_AGENT = "airflow-incident-provider"


@dataclass(frozen=True)
class ClientKey:
    """What makes two clients interchangeable; holds no secret (the proxy is hashed in)."""

    base_url: str
    proxy_id: int
    ca_bundle: str | None
    connect: float
    read: float

    @classmethod
    def of(cls, settings: ConnectionSettings) -> ClientKey:
        return cls(
            settings.base_url,
            hash(settings.proxy),
            settings.ca_bundle,
            settings.timeouts.connect,
            settings.timeouts.read,
        )


def _client_options(settings: ConnectionSettings) -> dict[str, Any]:
    timeouts = settings.timeouts
    verify: ssl.SSLContext | bool = True
    if settings.ca_bundle:
        verify = ssl.create_default_context(cafile=settings.ca_bundle)
    return {
        "base_url": settings.base_url,
        "timeout": httpx.Timeout(
            connect=timeouts.connect, read=timeouts.read, write=timeouts.read, pool=timeouts.connect
        ),
        "proxy": settings.proxy,
        "verify": verify,
        "follow_redirects": False,
        "limits": httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE),
        "headers": {"User-Agent": USER_AGENT},
        "trust_env": settings.proxy is None,
    }


_sync_clients: dict[ClientKey, httpx.Client] = {}
_sync_lock = threading.Lock()


def sync_client(settings: ConnectionSettings) -> httpx.Client:
    """The process-wide client for this configuration (httpx clients are thread-safe)."""
    key = ClientKey.of(settings)
    with _sync_lock:
        client = _sync_clients.get(key)
        if client is None or client.is_closed:
            client = _sync_clients[key] = httpx.Client(**_client_options(settings))
        return client


@atexit.register
def close_sync_clients() -> None:
    """Close every pooled sync client (at exit, or between tests)."""
    with _sync_lock:
        for client in _sync_clients.values():
            client.close()
        _sync_clients.clear()


@dataclass
class _AsyncEntry:
    client: httpx.AsyncClient
    users: int = 0


_async_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ClientKey, _AsyncEntry]] = (
    weakref.WeakKeyDictionary()
)


@asynccontextmanager
async def async_client(settings: ConnectionSettings) -> AsyncIterator[httpx.AsyncClient]:
    """Borrow the running loop's client for this configuration; the last borrower closes it."""
    loop = asyncio.get_running_loop()
    pool = _async_pools.setdefault(loop, {})
    key = ClientKey.of(settings)
    entry = pool.get(key)
    if entry is None:
        entry = pool[key] = _AsyncEntry(httpx.AsyncClient(**_client_options(settings)))
    entry.users += 1
    try:
        yield entry.client
    finally:
        entry.users -= 1
        if entry.users == 0:
            pool.pop(key, None)
            await entry.client.aclose()


_sync_slots: weakref.WeakKeyDictionary[httpx.Client, threading.BoundedSemaphore] = weakref.WeakKeyDictionary()
_async_slots: weakref.WeakKeyDictionary[httpx.AsyncClient, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def sync_slot(client: httpx.Client) -> threading.BoundedSemaphore:
    """At most ``POOL_SIZE`` callers between taking a rate-limit slot and getting their answer.

    Without it, a burst larger than the pool would take its rate-limit slots at once and then queue for
    a socket, reaching the vendor later than its slot says: a window the limiter thinks full-but-legal
    would then overflow at the vendor. With it, a slot is taken only when a socket is free.
    """
    with _sync_lock:
        slot = _sync_slots.get(client)
        if slot is None:
            slot = _sync_slots[client] = threading.BoundedSemaphore(POOL_SIZE)
        return slot


def async_slot(client: httpx.AsyncClient) -> asyncio.Semaphore:
    """The async twin of :func:`sync_slot` (one per client, so per event loop)."""
    slot = _async_slots.get(client)
    if slot is None:
        slot = _async_slots[client] = asyncio.Semaphore(POOL_SIZE)
    return slot


def open_async_clients() -> int:
    """How many async clients are open in the running loop (for tests of the pool's bookkeeping)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return 0
    return len(_async_pools.get(loop, {}))


def _decode(status: int, headers: httpx.Headers, content: bytes) -> Response:
    body: Any = None
    text = ""
    if content:
        try:
            body = json.loads(content)
        except ValueError:
            text = content[:ERROR_TEXT_LIMIT].decode("utf-8", "replace")
    # httpx's headers as they are: looked up case-insensitively, and not copied (a copy decodes every
    # header on every call, for the two or three a vendor module ever reads).
    return Response(status=status, headers=headers, body=body, text=text)


_USERINFO = re.compile(r"//[^/@\s]*@")


def _transport_error(vendor: str, request: Request, exc: Exception, *, sent: bool) -> TransportError:
    kind = type(exc).__name__
    text = _USERINFO.sub("//***@", str(exc))
    return TransportError(
        vendor,
        method=request.method,
        path=request.path,
        message=f"{kind}: {text}" if text else kind,
        sent=sent,
    )


def _not_sent(exc: httpx.HTTPError) -> bool:
    """Errors raised before any byte of the request left: the request surely did not land."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError)


def send(
    client: httpx.Client, vendor: str, request: Request, url: str, headers: Mapping[str, str], deadline: float
) -> Response:
    """Send one request; the body is read in chunks so a trickling response still ends at ``deadline``.

    No query is passed as ``None``, not ``()``: given any params, even empty, httpx parses and rebuilds
    the URL to merge them, a tenth of the client's time per request against a local server.
    """
    try:
        with client.stream(
            request.method, url, params=request.params or None, json=request.json, headers=headers
        ) as response:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("total timeout reached while reading the response")
            return _decode(response.status_code, response.headers, b"".join(chunks))
    except httpx.HTTPError as exc:
        raise _transport_error(vendor, request, exc, sent=not _not_sent(exc)) from None


async def asend(
    client: httpx.AsyncClient,
    vendor: str,
    request: Request,
    url: str,
    headers: Mapping[str, str],
    deadline: float,
) -> Response:
    """Async twin of :func:`send`; the whole exchange is bounded by ``deadline``."""
    remaining = deadline - time.monotonic()
    try:
        async with asyncio.timeout(max(remaining, 0.001)):
            response = await client.request(
                request.method, url, params=request.params or None, json=request.json, headers=headers
            )
    except TimeoutError:
        raise _transport_error(
            vendor, request, httpx.ReadTimeout("total timeout reached"), sent=True
        ) from None
    except httpx.HTTPError as exc:
        raise _transport_error(vendor, request, exc, sent=not _not_sent(exc)) from None
    return _decode(response.status_code, response.headers, response.content)
