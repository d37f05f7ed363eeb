"""Operations as flows, and the loop that drives them with any way of sending.

A flow is a generator that yields the ``Request`` values it needs and receives each ``Response`` (or a
raised ``VendorError``) back; it holds no I/O, so the sync and async hooks drive the same flow, and a
test can drive it against scripted answers. The driver always closes the flow, as httpx closes its
auth flows, so a flow's ``finally`` runs however the operation ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import TypeVar

from airflow_incident_provider.exceptions import IncidentError, TransportError, VendorError
from airflow_incident_provider.vendors.base import Request, Response

T = TypeVar("T")
Flow = Generator[Request, Response, T]
"""An operation: yields requests, receives responses, returns its result."""

VENDORS_PACKAGE = "airflow_incident_provider.vendors."
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
"""What reading a body of an unexpected shape raises (pydantic's ValidationError is a ValueError)."""


def _raised_in_a_vendor_module(traceback: TracebackType | None) -> bool:
    """Whether the exception passed through a vendor module, the only code that reads vendor answers
    (a hook's own code, the models, the operators never match)."""
    while traceback is not None:
        if str(traceback.tb_frame.f_globals.get("__name__", "")).startswith(VENDORS_PACKAGE):
            return True
        traceback = traceback.tb_next
    return False


def unexpected_body(exc: Exception, vendor_name: str, request: Request) -> TransportError | None:
    """The error for the answer to ``request`` that the vendor module could not read, or None when
    ``exc`` is not one."""
    if isinstance(exc, IncidentError) or not isinstance(exc, PARSE_ERRORS):
        return None
    if not _raised_in_a_vendor_module(exc.__traceback__):
        return None
    return TransportError(
        vendor_name,
        method=request.method,
        path=request.path,
        sent=True,
        message=f"unexpected response body ({type(exc).__name__}: {exc})",
    )


def advance(
    flow: Flow[T], vendor_name: str, request: Request, response: Response | None, error: VendorError | None
) -> tuple[Request | None, T | None]:
    """Hand the flow the response to ``request`` (or raise the error inside it); return its next request
    or its result."""
    try:
        if error is not None:
            return flow.throw(error), None
        assert response is not None
        return flow.send(response), None
    except StopIteration as stop:
        return None, stop.value
    except PARSE_ERRORS as exc:
        unexpected = unexpected_body(exc, vendor_name, request)
        if unexpected is None:
            raise
        raise unexpected from None


def drive(flow: Flow[T], vendor_name: str, send: Callable[[Request], Response]) -> T:
    """Run ``flow`` to its result, sending each request it yields with ``send``; always closes it."""
    try:
        try:
            request: Request | None = next(flow)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        result: T | None = None
        while request is not None:
            try:
                response = send(request)
            except VendorError as exc:
                request, result = advance(flow, vendor_name, request, None, exc)
            else:
                request, result = advance(flow, vendor_name, request, response, None)
        return result  # type: ignore[return-value]
    finally:
        flow.close()


async def adrive(flow: Flow[T], vendor_name: str, send: Callable[[Request], Awaitable[Response]]) -> T:
    """Async twin of :func:`drive`: ``send`` is awaited; the flow is closed however the run ends
    (cancellation included)."""
    try:
        try:
            request: Request | None = next(flow)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        result: T | None = None
        while request is not None:
            try:
                response = await send(request)
            except VendorError as exc:
                request, result = advance(flow, vendor_name, request, None, exc)
            else:
                request, result = advance(flow, vendor_name, request, response, None)
        return result  # type: ignore[return-value]
    finally:
        flow.close()
