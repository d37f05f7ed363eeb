"""The one base of every vendor hook: connection settings, sending with retries and rate limits, errors.

Operations are written once, as generators that yield the ``Request`` values they need and receive
each ``Response`` (or a raised ``VendorError``) back. :meth:`IncidentHook.run` drives them with the
sync client, :meth:`IncidentHook.arun` with the async one, so the sync and async twins of every
operation cannot drift.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Generator, Mapping, Sequence
from contextlib import asynccontextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx
from airflow.sdk import BaseHook

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    AuthenticationError,
    ConflictError,
    IncidentError,
    IncidentNotFoundError,
    IncidentValidationError,
    RateLimitedError,
    TransportError,
    UnsupportedOperationError,
    VendorError,
    VendorServerError,
    VendorValidationError,
)
from airflow_incident_provider.hooks import async_connection, ratelimit, transport
from airflow_incident_provider.hooks.settings import ConnectionSettings, read_extras
from airflow_incident_provider.idempotency import is_marked, mark
from airflow_incident_provider.models import (
    Escalation,
    Incident,
    IncidentCreate,
    IncidentUpdate,
    ListQuery,
    OperationResult,
    Phase,
    WriteOptions,
)
from airflow_incident_provider.vendors import vendor_module
from airflow_incident_provider.vendors.base import Request, Response

if TYPE_CHECKING:
    from airflow.sdk import Connection

T = TypeVar("T")
Flow = Generator[Request, Response, T]
"""An operation: yields requests, receives responses, returns its result."""

DEFAULT_MAX_ATTEMPTS = 5
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
NOTE_ATTEMPTS = 3


def hide_secrets(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every occurrence of each secret replaced by ``***`` (Airflow's mask)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


class IncidentHook(BaseHook):
    """Base of the vendor hooks; operators use only the methods defined here.

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

    # --- configuration ------------------------------------------------------------------------

    @property
    def vendor(self) -> ModuleType:
        """The vendor module: pure request building and parsing."""
        return vendor_module(self.vendor_name)

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

    def error_for(self, request: Request, response: Response) -> VendorError:
        """The exception for a refused response, with the vendor's own message and code (any credential
        the vendor quotes back replaced by ``***``: the message may be logged, stored or shown)."""
        message, code, details = self.vendor.parse_error(response)
        if not details and not message and response.text:
            message = response.text
        secrets = self.credentials()
        kwargs: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status_code": response.status,
            "message": hide_secrets(message, secrets),
            "code": code,
            "details": tuple(hide_secrets(detail, secrets) for detail in details),
        }
        status = response.status
        if status == 429:
            return RateLimitedError(self.vendor_name, retry_after=self.vendor.retry_after(response), **kwargs)
        if status in (401, 403):
            return AuthenticationError(self.vendor_name, **kwargs)
        if status == 404:
            return IncidentNotFoundError(self.vendor_name, **kwargs)
        if status == 409 or self.vendor.is_conflict(code):
            return ConflictError(self.vendor_name, **kwargs)
        if status in (400, 422):
            return VendorValidationError(self.vendor_name, **kwargs)
        if status >= 500:
            return VendorServerError(self.vendor_name, **kwargs)
        return VendorError(self.vendor_name, **kwargs)

    # --- sending ----------------------------------------------------------------------------------

    def _retry_delay(self, request: Request, exc: VendorError, attempt: int, deadline: float) -> float | None:
        """Seconds to wait before trying ``request`` again after ``exc`` on try ``attempt``; None: give up.

        One policy for sync and async: bounded attempts, a total deadline, Retry-After honoured (and
        shared with every caller of the credential through its limiter). Non-idempotent writes are
        retried only when the request surely did not land (429, refused connection); anything ambiguous
        goes back to the operation as ``AmbiguousWriteError``. A plain loop rather than a retry library:
        the first attempt, by far the most common, then costs nothing extra.
        """
        if attempt >= self.max_attempts or not exc.retryable:
            return None
        surely_not_applied = isinstance(exc, RateLimitedError) or (
            isinstance(exc, TransportError) and not exc.sent
        )
        if not request.idempotent and not surely_not_applied:
            return None
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            ratelimit.limiter_for(self.settings.credential_id, self.rate_limit()).pause(hinted)
            wait = float(hinted)
        else:
            backoff = min(BACKOFF_CAP, self.backoff_base * 2.0 ** (attempt - 1))
            wait = backoff * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security
        return None if time.monotonic() + wait >= deadline else wait

    def _checked(self, request: Request, response: Response) -> Response:
        if response.ok and response.body is None and response.text:
            # A 2xx whose body is not JSON (cut short, or a proxy's HTML page): the request may have
            # landed but its answer is lost; retried like any lost answer, never parsed as the vendor's.
            raise TransportError(
                self.vendor_name,
                method=request.method,
                path=request.path,
                message=f"HTTP {response.status} answer is not JSON: {response.text[:80]!r}",
                sent=True,
            )
        if response.ok or response.status in request.accept_statuses:
            return response
        raise self.error_for(request, response)

    def _attempt_deadline(self, request: Request, attempt: int, deadline: float) -> float:
        """When this attempt must end: half the time left while a retry could still follow, so an
        answer that trickles forever cannot use up the whole operation's deadline on its own. A write
        that is not idempotent is never resent once sent, so it keeps the whole deadline."""
        if attempt >= self.max_attempts or not request.idempotent:
            return deadline
        now = time.monotonic()
        return now + (deadline - now) / 2

    def _wait_for_slot(self, request: Request, deadline: float) -> float:
        delay = ratelimit.limiter_for(self.settings.credential_id, self.rate_limit()).reserve(
            max_wait=deadline - time.monotonic()
        )
        if delay is None:
            raise RateLimitedError(
                self.vendor_name,
                method=request.method,
                path=request.path,
                status_code=None,
                message=f"client-side rate limit of {self.rate_limit()}/min leaves no slot "
                "before the total timeout",
            )
        return delay

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
                        delay = self._wait_for_slot(request, deadline)
                        if delay > 0:  # time.sleep(0) still costs a system call on every request
                            time.sleep(delay)
                        ends = self._attempt_deadline(request, attempt, deadline)
                        sent = transport.send(client, self.vendor_name, request, url, headers, ends)
                    return self._checked(request, sent)
                except VendorError as exc:
                    wait = self._retry_delay(request, exc, attempt, deadline)
                    if wait is None:
                        raise
                time.sleep(wait)
        except VendorError as exc:
            raise self._ambiguous(request, exc) from None

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
                        await asyncio.sleep(self._wait_for_slot(request, deadline))
                        ends = self._attempt_deadline(request, attempt, deadline)
                        sent = await transport.asend(client, self.vendor_name, request, url, headers, ends)
                    return self._checked(request, sent)
                except VendorError as exc:
                    wait = self._retry_delay(request, exc, attempt, deadline)
                    if wait is None:
                        raise
                await asyncio.sleep(wait)
        except VendorError as exc:
            raise self._ambiguous(request, exc) from None

    def _ambiguous(self, request: Request, exc: VendorError) -> VendorError:
        """A failed non-idempotent write that may still have landed becomes ``AmbiguousWriteError``."""
        surely_not_applied = isinstance(exc, RateLimitedError) or (
            isinstance(exc, TransportError) and not exc.sent
        )
        if (
            request.idempotent
            or not exc.retryable
            or surely_not_applied
            or isinstance(exc, AmbiguousWriteError)
        ):
            return exc
        return AmbiguousWriteError(
            self.vendor_name,
            method=exc.method,
            path=exc.path,
            message=f"{exc}; the write may have been applied",
            sent=True,
        )

    # --- driving operations -------------------------------------------------------------------------

    def _advance(
        self, flow: Flow[T], response: Response | None, error: VendorError | None
    ) -> tuple[Request | None, T | None]:
        """Hand the flow its response (or raise the error inside it); return its next request or result."""
        try:
            if error is not None:
                return flow.throw(error), None
            assert response is not None
            return flow.send(response), None
        except StopIteration as stop:
            return None, stop.value
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, IncidentError):
                raise
            raise TransportError(
                self.vendor_name,
                method="-",
                path="-",
                sent=True,
                message=f"unexpected response body ({type(exc).__name__}: {exc})",
            ) from None

    def run(self, flow: Flow[T]) -> T:
        """Drive an operation with the sync client, under one total deadline."""
        deadline = time.monotonic() + self.settings.timeouts.total
        try:
            request: Request | None = next(flow)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        while request is not None:
            try:
                response = self.send(request, deadline)
            except VendorError as exc:
                request, result = self._advance(flow, None, exc)
            else:
                request, result = self._advance(flow, response, None)
        return result  # type: ignore[return-value]

    async def arun(self, flow: Flow[T]) -> T:
        """Drive an operation with the running loop's pooled async client."""
        settings = self.settings
        deadline = time.monotonic() + settings.timeouts.total
        try:
            request: Request | None = next(flow)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        async with transport.async_client(settings) as client:
            while request is not None:
                try:
                    response = await self.asend(request, client, deadline)
                except VendorError as exc:
                    request, result = self._advance(flow, None, exc)
                else:
                    request, result = self._advance(flow, response, None)
        return result  # type: ignore[return-value]

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
        content = mark(text, idempotency_key) if idempotency_key else text
        self.vendor.validate_note(content)
        if idempotency_key and self._marked((yield self.vendor.build_list_notes(ref)), idempotency_key):
            return False
        for attempt in range(1, NOTE_ATTEMPTS + 1):
            try:
                yield self.vendor.build_note(ref, content)
                return True
            except AmbiguousWriteError:
                if not idempotency_key or attempt == NOTE_ATTEMPTS:
                    raise
                if self._marked((yield self.vendor.build_list_notes(ref)), idempotency_key):
                    return True
        raise AssertionError("unreachable")  # pragma: no cover

    def _marked(self, response: Response, key: str) -> bool:
        return any(is_marked(note, key) for note in self.vendor.parse_notes(response))

    # --- the operations: flows written by each vendor hook, run sync or async -----------------------

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        raise NotImplementedError

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        raise NotImplementedError

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        raise NotImplementedError

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        raise NotImplementedError

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        raise NotImplementedError

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        raise NotImplementedError

    supports_bulk_transition: ClassVar[bool] = False
    """Whether the vendor can acknowledge or resolve many incidents in one request (PagerDuty)."""

    def bulk_transition_flow(
        self, refs: Sequence[str], status: str, resolution: str | None, options: WriteOptions
    ) -> Flow[list[OperationResult]]:
        """Move many incidents to ``status`` with the vendor's native bulk endpoint, one result each."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no bulk endpoint")

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """Create an incident at most once per ``create.dedup_key`` (look for it first, then create)."""
        raise UnsupportedOperationError(f"{self.vendor_name} does not document creating incidents")

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Escalate to the named targets, or one step up the vendor's scale, computed once, absolute."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no escalation")

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Assign the incident to exactly ``assignees`` (changed: false when it already is)."""
        raise UnsupportedOperationError(f"{self.vendor_name} has no assignees")

    def check_connection_flow(self) -> Flow[str]:
        raise NotImplementedError

    def get_incident(self, incident_id: str, *, include_raw: bool = False) -> Incident:
        """The incident, normalized."""
        return self.run(self.get_flow(incident_id, include_raw=include_raw))

    async def aget_incident(self, incident_id: str, *, include_raw: bool = False) -> Incident:
        return await self.arun(self.get_flow(incident_id, include_raw=include_raw))

    def update_incident(
        self, incident_id: str, update: IncidentUpdate, options: WriteOptions | None = None
    ) -> OperationResult:
        """Apply ``update``; validated in full before the first request."""
        return self.run(self.update_flow(incident_id, update, options or WriteOptions()))

    async def aupdate_incident(
        self, incident_id: str, update: IncidentUpdate, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.update_flow(incident_id, update, options or WriteOptions()))

    def resolve_incident(
        self,
        incident_id: str,
        resolution: str | None = None,
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        """Resolve; an incident already resolved is ``changed: false``."""
        return self.run(self.resolve_flow(incident_id, resolution, note, options or WriteOptions()))

    async def aresolve_incident(
        self,
        incident_id: str,
        resolution: str | None = None,
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        return await self.arun(self.resolve_flow(incident_id, resolution, note, options or WriteOptions()))

    def acknowledge_incident(
        self, incident_id: str, note: str | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        """Acknowledge; at or past acknowledged is ``changed: false`` and never reopens."""
        return self.run(self.acknowledge_flow(incident_id, note, options or WriteOptions()))

    async def aacknowledge_incident(
        self, incident_id: str, note: str | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.acknowledge_flow(incident_id, note, options or WriteOptions()))

    def add_note(self, incident_id: str, note: str, options: WriteOptions | None = None) -> OperationResult:
        """Add a note; with an idempotency key in ``options``, at most once however often it is retried."""
        return self.run(self.add_note_flow(incident_id, note, options or WriteOptions()))

    async def aadd_note(
        self, incident_id: str, note: str, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.add_note_flow(incident_id, note, options or WriteOptions()))

    def create_incident(self, create: IncidentCreate, options: WriteOptions | None = None) -> OperationResult:
        """Create an incident; with ``create.dedup_key``, a retry returns the first one (changed: false)."""
        return self.run(self.create_flow(create, options or WriteOptions()))

    async def acreate_incident(
        self, create: IncidentCreate, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(self.create_flow(create, options or WriteOptions()))

    def escalate_incident(
        self, incident_id: str, escalation: Escalation | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        """Escalate; at the top of the vendor's scale it is ``changed: false``."""
        return self.run(
            self.escalate_flow(incident_id, escalation or Escalation(), options or WriteOptions())
        )

    async def aescalate_incident(
        self, incident_id: str, escalation: Escalation | None = None, options: WriteOptions | None = None
    ) -> OperationResult:
        return await self.arun(
            self.escalate_flow(incident_id, escalation or Escalation(), options or WriteOptions())
        )

    def reassign_incident(
        self,
        incident_id: str,
        assignees: tuple[str, ...],
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        """Assign the incident to ``assignees`` (replacing the current ones)."""
        return self.run(self.reassign_flow(incident_id, assignees, note, options or WriteOptions()))

    async def areassign_incident(
        self,
        incident_id: str,
        assignees: tuple[str, ...],
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        return await self.arun(self.reassign_flow(incident_id, assignees, note, options or WriteOptions()))

    def bulk_transition(
        self,
        refs: Sequence[str],
        status: str,
        resolution: str | None = None,
        options: WriteOptions | None = None,
    ) -> list[OperationResult]:
        """Acknowledge or resolve many incidents through the vendor's bulk endpoint (see the flow)."""
        return self.run(self.bulk_transition_flow(refs, status, resolution, options or WriteOptions()))

    async def abulk_transition(
        self,
        refs: Sequence[str],
        status: str,
        resolution: str | None = None,
        options: WriteOptions | None = None,
    ) -> list[OperationResult]:
        return await self.arun(self.bulk_transition_flow(refs, status, resolution, options or WriteOptions()))

    def list_incidents(self, query: ListQuery | None = None, **filters: Any) -> list[Incident]:
        """Incidents matching the query (or its fields as keywords), every page fetched for the caller."""
        return self.run(self.list_flow(query or ListQuery(**filters)))

    async def alist_incidents(self, query: ListQuery | None = None, **filters: Any) -> list[Incident]:
        return await self.arun(self.list_flow(query or ListQuery(**filters)))

    def test_connection(self) -> tuple[bool, str]:
        """For the Airflow UI's Test button: one cheap authenticated read, no secret in the message."""
        try:
            return True, self.run(self.check_connection_flow())
        except Exception as exc:  # the UI wants a message, not a traceback
            return False, str(exc)
