"""ASGI middleware that applies due scripted changes, logs vendor requests (without credentials), injects the
configured faults and adds rate-limit headers."""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders

from .core import utc_iso
from .faults import HANDLED_STATUS_KEY, run_with_fault
from .requestlog import RequestRecord, clean_headers, clean_query, redact_sensitive_keys, scrub

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .state import SandboxState

#: Scope key holding a dict of headers the vendor guard wants on the response.
RESPONSE_HEADERS_KEY = "sandbox.response_headers"
MAX_LOGGED_BODY = 64 * 1024


def response_headers(scope: Scope) -> dict[str, str]:
    """The mutable header dict the middleware will add to this request's response."""
    holder = scope.get(RESPONSE_HEADERS_KEY)
    if holder is None:
        holder = {}
        scope[RESPONSE_HEADERS_KEY] = holder
    return holder


def _decode_body(raw: bytes, secrets: list[str]) -> Any:
    if not raw:
        return None
    text = raw[:MAX_LOGGED_BODY].decode("utf-8", errors="replace")
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = text
    return scrub(redact_sensitive_keys(value), secrets)


class SandboxMiddleware:
    """Wraps the app: applies due scripted changes first, records each request under a vendor prefix and
    applies queued response headers."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        state.schedules.apply_due()  # scripted changes now due happen before this request sees the data
        backend = state.vendor_for_path(scope["path"])
        extra_headers: dict[str, str] = {}
        scope[RESPONSE_HEADERS_KEY] = extra_headers
        if backend is None:
            await self.app(scope, receive, send)
            return

        secrets = state.secrets()
        query_string = scope.get("query_string", b"").decode("latin-1")
        record = RequestRecord(
            id=state.requests.next_id(),
            at=utc_iso(state.clock.now()),
            vendor=backend.name,
            method=scope["method"],
            path=scope["path"],
            query=clean_query(parse_qsl(query_string, keep_blank_values=True), secrets),
            headers=clean_headers(scope.get("headers", []), secrets),
        )
        body = bytearray()
        started = time.perf_counter()

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) < MAX_LOGGED_BODY:
                body.extend(message.get("body", b""))
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in extra_headers.items():
                    if name not in headers:
                        headers[name] = value
                if "date" not in headers:  # the vendor's clock is the sandbox clock, its stamps' clock
                    headers["date"] = formatdate(state.clock.timestamp(), usegmt=True)
            await send(message)

        rule = state.faults.match(backend.name, scope["method"], scope["path"][len(backend.prefix) :] or "/")
        if rule is not None:
            record.fault = rule.id
        try:
            if rule is None:
                await self.app(scope, receive_and_keep, send_with_headers)
            else:
                await run_with_fault(rule, backend, self.app, scope, receive_and_keep, send_with_headers)
        finally:
            if not record.status:
                record.status = 500
            handled = record.status if rule is None else scope.get(HANDLED_STATUS_KEY)
            record.applied = handled is not None and 200 <= handled < 300
            record.body = _decode_body(bytes(body), secrets)
            record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            state.requests.add(record)
