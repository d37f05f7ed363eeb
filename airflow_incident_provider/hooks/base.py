"""The one base of every vendor hook: connection settings, sending with retries and rate limits.

Operations are written once, as flows (see :mod:`.flows`) that yield the ``Request`` values they need
and receive each ``Response`` (or a raised ``VendorError``) back. :meth:`IncidentHook.run` drives them
with the sync client, :meth:`IncidentHook.arun` with the async one, so the sync and async twins of every
operation cannot drift. The retry policy (:mod:`.retry`), the error mapping (:mod:`.errors`) and the
at-most-once writes (:mod:`.write_once`) live in their own modules.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx
from airflow.sdk import BaseHook

from airflow_incident_provider.exceptions import IncidentValidationError, RateLimitedError, VendorError
from airflow_incident_provider.hooks import (
    async_connection,
    errors,
    flows,
    ratelimit,
    retry,
    shared_limit,
    transport,
)
from airflow_incident_provider.hooks.errors import hide_secrets
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.operations import IncidentOperations
from airflow_incident_provider.hooks.retry import BACKOFF_BASE, BACKOFF_CAP, DEFAULT_MAX_ATTEMPTS
from airflow_incident_provider.hooks.settings import ConnectionSettings, read_extras
from airflow_incident_provider.hooks.write_once import WRITE_ATTEMPTS, write_at_most_once
from airflow_incident_provider.idempotency import is_marked, mark
from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors import typed_vendor_module
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.protocol import NotesVendorModule, VendorModule

if TYPE_CHECKING:
    from airflow.sdk import Connection

T = TypeVar("T")
NOTE_ATTEMPTS = WRITE_ATTEMPTS
"""Posts of one note at most (the name kept for callers of the earlier module)."""

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "DEFAULT_MAX_ATTEMPTS",
    "NOTE_ATTEMPTS",
    "Flow",
    "IncidentHook",
    "hide_secrets",
]


class IncidentHook(IncidentOperations, BaseHook):
    """Base of the vendor hooks: the connection, sending, and driving the operations' flows.

    Operators use only the operations (:class:`.operations.IncidentOperations`).
    Subclasses set the class attributes, read their connection in :meth:`settings_from_connection`,
    add headers in :meth:`request_headers` and write the ``*_flow`` generators.
    """

    conn_name_attr: ClassVar[str] = "incident_conn_id"
    default_conn_name: ClassVar[str] = "incident_default"
    conn_type: ClassVar[str] = ""
    hook_name: ClassVar[str] = ""
    vendor_name: ClassVar[str] = ""

    def __init__(
        self,
        conn_id: str | None = None,
        *,
        connection: Connection | None = None,
        settings: ConnectionSettings | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        **kwargs: Any,
    ) -> None:
        named = kwargs.pop(self.conn_name_attr, None)
        super().__init__(**kwargs)
        self.conn_id: str = conn_id or named or self.default_conn_name
        self._connection = connection
        self._settings = settings
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = BACKOFF_BASE
        self._sync_client: httpx.Client | None = None
        self._shared: shared_limit.SharedWindow | None = None

    # --- configuration ------------------------------------------------------------------------

    @property
    def vendor(self) -> VendorModule:
        """The vendor module: pure request building and parsing, type-checked against its protocol."""
        return typed_vendor_module(self.vendor_name)

    @property
    def settings(self) -> ConnectionSettings:
        """Connection settings, read on first use (never in ``__init__``, never at DAG parse time)."""
        if self._settings is None:
            connection = self._connection or self.get_connection(self.conn_id)
            extras = read_extras(connection.extra_dejson, self.conn_type)
            self._settings = self.settings_from_connection(connection, extras)
        return self._settings

    @classmethod
    async def afrom_conn_id(
        cls, conn_id: str, *, connection: Connection | None = None, **kwargs: Any
    ) -> IncidentHook:
        """Build a hook inside an event loop: the connection is read with the async, masker-safe calls."""
        connection = connection or await async_connection.aget_connection(cls, conn_id)
        extras = read_extras(await async_connection.aextra_dejson(connection), cls.conn_type)
        return cls(
            conn_id,
            connection=connection,
            settings=cls.settings_from_connection(connection, extras),
            **kwargs,
        )

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        raise NotImplementedError

    def request_headers(self, request: Request) -> dict[str, str]:
        """Every header of ``request``, authentication included."""
        raise NotImplementedError

    def base_url_for(self, service: str) -> str:
        """The base URL of one of the vendor's services; most vendors have only the connection's."""
        if service:
            raise ValueError(f"{self.vendor_name} has no service {service!r}")
        return self.settings.base_url

    def url_for(self, request: Request) -> str:
        """The absolute URL of ``request``: its service's base URL and its (already encoded) path."""
        return self.base_url_for(request.service) + request.path

    def rate_limit(self) -> int:
        """Requests per minute for this credential: the connection's override or the vendor's limit."""
        return self.settings.rate_limit_per_minute or int(self.vendor.RATE_LIMIT_PER_MINUTE)

    def get_conn(self) -> httpx.Client:
        """The pooled sync client (Airflow's conventional accessor)."""
        client = self._sync_client
        if client is None or client.is_closed:  # the process-wide pool is looked up once per hook
            client = self._sync_client = transport.sync_client(self.settings)
        return client

    # --- errors ---------------------------------------------------------------------------------

    def credentials(self) -> tuple[str, ...]:
        """The secrets this hook sends (the connection's token or password, and any token derived from
        it): never repeated in an exception, whatever the vendor's error message quotes."""
        return (self.settings.token,) if self.settings.token else ()

    def credential_hint(self) -> str:
        """Which setting of the connection holds the credential, for a refusal's message (never its value)."""
        return "the API key in the password"

    def error_for(self, request: Request, response: Response) -> VendorError:
        """The exception for a refused response (see :func:`.errors.error_for`)."""
        return errors.error_for(
            self.vendor,
            self.vendor_name,
            request,
            response,
            secrets=self.credentials(),
            refused_hint=f"check connection {self.conn_id!r}: {self.credential_hint()}",
        )

    # --- sending ----------------------------------------------------------------------------------

    def _retry_delay(self, request: Request, exc: VendorError, attempt: int, deadline: float) -> float | None:
        """Seconds to wait before trying ``request`` again (:func:`.retry.retry_delay`); None: give up.

        A vendor's Retry-After also holds back every other caller of the credential, through its
        limiter, whether or not this caller waits for it.
        """
        if exc.retry_after is not None:
            self._limiter().pause(exc.retry_after)
        return retry.retry_delay(
            request,
            exc,
            attempt,
            max_attempts=self.max_attempts,
            backoff_base=self.backoff_base,
            now=time.monotonic(),
            deadline=deadline,
            jitter=random.random(),  # noqa: S311 - jitter, not security
        )

    def _checked(self, request: Request, response: Response) -> Response:
        if response.ok and response.body is None and response.text:
            raise errors.not_json(self.vendor_name, request, response)
        if response.ok or response.status in request.accept_statuses:
            return response
        raise self.error_for(request, response)

    def _attempt_deadline(self, request: Request, attempt: int, deadline: float) -> float:
        return retry.attempt_deadline(
            request, attempt, max_attempts=self.max_attempts, now=time.monotonic(), deadline=deadline
        )

    def _limiter(self) -> ratelimit.SlidingWindowLimiter:
        return ratelimit.limiter_for(self.settings.credential_id, self.rate_limit())

    def _observe(self, response: Response) -> None:
        """Tell the credential's limiter what the vendor's answer says is left of the shared budget."""
        budget = self.vendor.budget(response)
        if budget is not None:
            self._limiter().observe(budget, refused=response.status == 429)

    def _wait_for_slot(self, request: Request, deadline: float) -> tuple[float, float]:
        """The limiter's slot for ``request`` and the seconds to wait for it (hand the slot to
        :meth:`_sent` once the attempt ends)."""
        claimed = self._limiter().claim(max_wait=deadline - time.monotonic())
        if claimed is None:
            raise self._no_slot(request)
        return claimed

    def _sent(self, slot: float) -> None:
        """The attempt of ``slot`` has ended: the limiter counts it from now (see ``settle``)."""
        self._limiter().settle(slot)

    def _shared_window(self) -> shared_limit.SharedWindow | None:
        """The hard cap shared through Redis, when the connection names one (``rate_limit_redis_dsn``)."""
        url = self.settings.rate_limit_redis_dsn
        if url is None:
            return None
        if self._shared is None:
            window = ratelimit.WINDOW_SECONDS + ratelimit.SAFETY_SECONDS
            credential = self.settings.credential_id
            self._shared = shared_limit.shared_window(
                url, credential, self.rate_limit(), window, self.conn_id
            )
        return self._shared

    def _wait_for_shared_slot(
        self, shared: shared_limit.SharedWindow, request: Request, deadline: float
    ) -> float:
        return self._slot_or_raise(shared.reserve(max_wait=deadline - time.monotonic()), request)

    def _slot_or_raise(self, delay: float | None, request: Request) -> float:
        if delay is None:
            raise self._no_slot(request)
        return delay

    def _no_slot(self, request: Request) -> RateLimitedError:
        return RateLimitedError(
            self.vendor_name,
            method=request.method,
            path=request.path,
            status_code=None,
            message=f"client-side rate limit of {self.rate_limit()}/min leaves no slot "
            "before the total timeout",
        )

    def send(self, request: Request, deadline: float | None = None) -> Response:
        """Send one request with rate limiting and bounded retries (sync)."""
        deadline = deadline or time.monotonic() + self.settings.timeouts.total
        client = self.get_conn()
        headers = self.request_headers(request)
        url = self.url_for(request)
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    with transport.sync_slot(client):  # a rate-limit slot only once a socket is free
                        slot, delay = self._wait_for_slot(request, deadline)
                        if delay > 0:  # time.sleep(0) still costs a system call on every request
                            time.sleep(delay)
                        shared = self._shared_window()
                        if shared is not None:  # the hard cap is claimed once this process may send
                            time.sleep(self._wait_for_shared_slot(shared, request, deadline))
                        ends = self._attempt_deadline(request, attempt, deadline)
                        try:
                            sent = transport.send(client, self.vendor_name, request, url, headers, ends)
                        finally:
                            self._sent(slot)
                    self._observe(sent)
                    return self._checked(request, sent)
                except VendorError as exc:
                    wait = self._retry_delay(request, exc, attempt, deadline)
                    if wait is None:
                        raise
                    if retry.waits_for_budget(exc):  # a wait for the vendor's reset is not a try
                        attempt -= 1
                time.sleep(wait)
        except VendorError as exc:
            raise retry.final_error(request, exc) from None

    async def asend(self, request: Request, client: httpx.AsyncClient, deadline: float) -> Response:
        """Async twin of :meth:`send`; never blocks the event loop while it waits."""
        headers = self.request_headers(request)
        url = self.url_for(request)
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    async with transport.async_slot(client):  # a rate-limit slot once a socket is free
                        slot, delay = self._wait_for_slot(request, deadline)
                        await asyncio.sleep(delay)
                        shared = self._shared_window()
                        if shared is not None:  # Redis answers over a socket: never on the event loop
                            capped = await asyncio.to_thread(
                                self._wait_for_shared_slot, shared, request, deadline
                            )
                            await asyncio.sleep(capped)
                        ends = self._attempt_deadline(request, attempt, deadline)
                        try:
                            sent = await transport.asend(
                                client, self.vendor_name, request, url, headers, ends
                            )
                        finally:
                            self._sent(slot)
                    self._observe(sent)
                    return self._checked(request, sent)
                except VendorError as exc:
                    wait = self._retry_delay(request, exc, attempt, deadline)
                    if wait is None:
                        raise
                    if retry.waits_for_budget(exc):  # a wait for the vendor's reset is not a try
                        attempt -= 1
                await asyncio.sleep(wait)
        except VendorError as exc:
            raise retry.final_error(request, exc) from None

    # --- driving operations -------------------------------------------------------------------------

    def run(self, flow: Flow[T]) -> T:
        """Drive an operation with the sync client, under one total deadline."""
        deadline = time.monotonic() + self.settings.timeouts.total
        return flows.drive(flow, self.vendor_name, lambda request: self.send(request, deadline))

    async def arun(self, flow: Flow[T]) -> T:
        """Drive an operation with the running loop's pooled async client (borrowed at its first request,
        so input refused before any request opens no client)."""
        settings = self.settings
        deadline = time.monotonic() + settings.timeouts.total
        async with AsyncExitStack() as stack:
            client: httpx.AsyncClient | None = None

            async def send(request: Request) -> Response:
                nonlocal client
                if client is None:
                    client = await stack.enter_async_context(transport.async_client(settings))
                return await self.asend(request, client, deadline)

            return await flows.adrive(flow, self.vendor_name, send)

    @asynccontextmanager
    async def hold_client(self) -> AsyncIterator[None]:
        """Keep the running loop's pooled client open across many calls (a trigger's polls).

        Without it the last caller of a poll closes the client and the next poll reconnects; with it
        every trigger on one connection in one loop shares one client and its bounded socket pool.
        """
        async with transport.async_client(self.settings):
            yield

    # --- shared pieces of operations ------------------------------------------------------------------

    def require_write_settings(self) -> None:
        """Check, before any request, that the connection can write (e.g. PagerDuty's From email)."""

    def check_reopen(self, current: Incident, target_status: str | None, allow_reopen: bool) -> None:
        """Refuse a status that would reopen a resolved incident unless the caller allowed it."""
        if target_status is None or allow_reopen or current.phase is not Phase.RESOLVED:
            return
        target = self.vendor.STATUS_PHASES[target_status]
        if target is not Phase.RESOLVED:
            raise IncidentValidationError(
                "status",
                f"{target_status!r} would reopen resolved incident {current.ref}; pass allow_reopen=True "
                "to reopen it on purpose",
                vendor=self.vendor_name,
            )

    def note_flow(self, ref: str, text: str, idempotency_key: str | None) -> Flow[bool]:
        """Post a note at most once: with a key, a marker goes in the note and is looked for first.

        Returns whether this call posted it. Without a key an ambiguous failure is raised as is,
        because nothing could tell whether the note landed.
        """
        vendor = self.vendor
        if not isinstance(vendor, NotesVendorModule):
            raise TypeError(f"{self.vendor_name} posts notes its own way; its hook overrides note_flow")
        content = mark(text, idempotency_key) if idempotency_key else text
        vendor.validate_note(content)
        if idempotency_key and (yield from self._note_marked(vendor, ref, idempotency_key)):
            return False
        key = idempotency_key
        find = (lambda: self._note_marked(vendor, ref, key)) if key else None
        yield from write_at_most_once(vendor.build_note(ref, content), find)
        return True

    @staticmethod
    def _note_marked(vendor: NotesVendorModule, ref: str, key: str) -> Flow[bool]:
        """Whether a note of the incident carries ``key``'s marker."""
        response = yield vendor.build_list_notes(ref)
        return any(is_marked(note, key) for note in vendor.parse_notes(response))
