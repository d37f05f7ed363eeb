"""Injected faults: rules, set at run time through ``/_sandbox/faults``, that make a vendor's API misbehave.

A rule names a vendor and optionally a method and a path pattern (``fnmatch``, relative to the vendor's
prefix, e.g. ``/incidents/*``), a kind, and how often it strikes (``times``, ``skip``, ``probability``
with a ``seed`` so a run is repeatable). Kinds:

- ``delay``: wait ``seconds`` (sandbox-independent, real seconds), then answer normally.
- ``status``: answer ``status`` at once; 429 comes from the vendor's own rate-limit path with its headers
  (``retry_after`` seconds), 403 (a credential refused on one endpoint) and 5xx in the vendor's error
  format. The request does not land.
- ``reset_before_body``: the connection closes before the request is handled: it does not land.
- ``reset_after_body``: the request is handled (a write lands), then the connection closes before a
  complete response: the client cannot know it landed.
- ``trickle``: the request is handled, then the response is sent a byte every ``seconds`` and never ends
  (until the client gives up, or ``max_seconds``).
- ``malformed_json``: the request is handled; the body is cut in half.
- ``wrong_content_type``: the request is handled; the answer is an HTML page with the same status.
- ``echo_credentials``: answer 401 in the vendor's error format, its message quoting the credentials the
  request carried (its headers but the plain ones, and its body), as a careless API or proxy might; the
  request does not land. Error paths are where secrets leak: this one puts them in the provider's exception.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .core import VendorBackend

FAULT_KINDS = (
    "delay",
    "status",
    "reset_before_body",
    "reset_after_body",
    "trickle",
    "malformed_json",
    "wrong_content_type",
    "echo_credentials",
)
FAULT_STATUSES = (403, 429, 500, 502, 503, 504)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
LANDS = {
    "delay": True,
    "status": False,
    "reset_before_body": False,
    "reset_after_body": True,
    "trickle": True,
    "malformed_json": True,
    "wrong_content_type": True,
    "echo_credentials": False,
}
"""Whether the request takes effect on the sandbox's data when the fault strikes."""
_FIELDS = (
    "vendor",
    "kind",
    "method",
    "path",
    "status",
    "seconds",
    "retry_after",
    "max_seconds",
    "times",
    "skip",
    "probability",
    "seed",
)


class FaultError(ValueError):
    """A rule that cannot be applied; the message names the field and the allowed values."""


def _number(body: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise FaultError(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def _whole(body: dict[str, Any], name: str, default: int | None, low: int) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise FaultError(f"{name} must be a whole number >= {low}")
    return value


@dataclass
class FaultRule:
    """One injected fault; ``hits`` counts the requests it struck, ``matched`` those it looked at."""

    id: str
    vendor: str
    kind: str
    method: str | None = None
    path: str | None = None
    status: int | None = None
    seconds: float = 0.0
    retry_after: int = 1
    max_seconds: float = 300.0
    times: int | None = None
    skip: int = 0
    probability: float = 1.0
    seed: int | None = None
    matched: int = 0
    hits: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def parse(cls, rule_id: str, body: dict[str, Any], vendors: list[str]) -> FaultRule:
        unknown = sorted(set(body) - set(_FIELDS))
        if unknown:
            raise FaultError(f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(_FIELDS)}")
        vendor, kind = body.get("vendor"), body.get("kind")
        if vendor not in vendors:
            raise FaultError(f"vendor must be one of {', '.join(sorted(vendors))} (got {vendor!r})")
        if kind not in FAULT_KINDS:
            raise FaultError(f"kind must be one of {', '.join(FAULT_KINDS)} (got {kind!r})")
        method = body.get("method")
        if method is not None and (not isinstance(method, str) or method.upper() not in METHODS):
            raise FaultError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
        path = body.get("path")
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise FaultError("path must be a pattern starting with '/', relative to the vendor: /incidents/*")
        status = body.get("status")
        if kind == "status" and status not in FAULT_STATUSES:
            raise FaultError(f"status must be one of {', '.join(map(str, FAULT_STATUSES))} (got {status!r})")
        if kind != "status" and status is not None:
            raise FaultError("status is only for kind 'status'")
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise FaultError("seed must be a whole number")
        rule = cls(
            id=rule_id,
            vendor=vendor,
            kind=kind,
            method=method.upper() if isinstance(method, str) else None,
            path=path,
            status=status,
            seconds=_number(body, "seconds", 0.5 if kind == "trickle" else 0.0, 0.0, 3600.0),
            retry_after=int(_number(body, "retry_after", 1, 0, 3600)),
            max_seconds=_number(body, "max_seconds", 300.0, 0.1, 3600.0),
            times=_whole(body, "times", None, 1),
            skip=_whole(body, "skip", 0, 0) or 0,
            probability=_number(body, "probability", 1.0, 0.0, 1.0),
            seed=seed,
        )
        rule._random = random.Random(seed)  # noqa: S311 - repeatable fault timing, not a secret
        return rule

    def strikes(self, vendor: str, method: str, path: str) -> bool:
        """Whether this request is struck; counts it. ``path`` is relative to the vendor's prefix."""
        if vendor != self.vendor or (self.method and method != self.method):
            return False
        if self.path and not fnmatch.fnmatchcase(path, self.path):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.matched += 1
        if self.matched <= self.skip:
            return False
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        self.hits += 1
        return True

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in ("id", *_FIELDS, "matched", "hits")}
        data["lands"] = LANDS[self.kind]
        return data


class FaultTable:
    """The rules in force, first match wins; thread-safe (admin calls and requests may interleave)."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._next = 0
        self._lock = threading.Lock()

    def add(self, body: dict[str, Any], vendors: list[str]) -> FaultRule:
        with self._lock:
            self._next += 1
            rule = FaultRule.parse(f"fault_{self._next}", body, vendors)
            self._rules.append(rule)
            return rule

    def match(self, vendor: str, method: str, path: str) -> FaultRule | None:
        with self._lock:
            return next((rule for rule in self._rules if rule.strikes(vendor, method, path)), None)

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


# ---------------------------------------------------------------- applying a rule to one ASGI request

HANDLED_STATUS_KEY = "sandbox.handled_status"
"""Scope key: the status the vendor's code answered to a request whose answer a fault then replaced."""
FORCED_429_KEY = "sandbox.forced_429"
"""Scope key the vendor guards read: a 429 to answer, as their rate limit would, with this reset."""
PLAIN_HEADERS = frozenset(
    {"host", "accept", "accept-encoding", "connection", "content-length", "content-type", "user-agent"}
)
"""Request headers ``echo_credentials`` leaves out: every other one is quoted, so whatever header a
vendor takes its credential in (``Authorization``, ``X-API-Key``...) is echoed without naming it here."""
_HTML = b"<html><head><title>Bad gateway</title></head><body><h1>Bad gateway</h1></body></html>"


class InjectedConnectionReset(Exception):
    """Raised after a response has started, so the server closes the connection mid-response."""


class _QuietInjectedResets(logging.Filter):
    """The server logs an exception it closes a connection for; an injected one is not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InjectedConnectionReset))


logging.getLogger("uvicorn.error").addFilter(_QuietInjectedResets())


def _headers(start: Message, **replace: bytes) -> list[tuple[bytes, bytes]]:
    names = {name.encode() for name in replace}
    kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in names]
    return kept + [(name.encode(), value) for name, value in replace.items()]


async def _reset(send: Send) -> None:
    """Headers promising a body, then the connection closes: the client sees no complete response."""
    headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    raise InjectedConnectionReset


async def _handled(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """Run the app to completion (the request lands) and keep its response instead of sending it."""
    start: Message = {"type": "http.response.start", "status": 500, "headers": []}
    body = bytearray()

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, keep)
    return start, bytes(body)


async def _disconnect(receive: Receive) -> None:
    """Returns once the client has gone (whatever of the request body the app left unread comes first)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _trickle(rule: FaultRule, start: Message, receive: Receive, send: Send) -> None:
    headers = _headers(start, **{"content-length": b"1048576"})
    await send({"type": "http.response.start", "status": start["status"], "headers": headers})
    disconnected = asyncio.ensure_future(_disconnect(receive))
    loop = asyncio.get_running_loop()
    ends = loop.time() + rule.max_seconds
    try:
        while loop.time() < ends and not disconnected.done():
            await send({"type": "http.response.body", "body": b" ", "more_body": True})
            await asyncio.wait([disconnected], timeout=max(rule.seconds, 0.01))
    finally:
        disconnected.cancel()
    raise InjectedConnectionReset


async def _vendor_error(backend: VendorBackend, status: int, send: Send, detail: str | None = None) -> None:
    error = backend.http_error(status, detail or f"Injected fault: HTTP {status}")
    body = b"" if error.body is None else json.dumps(error.body).encode()
    headers = [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    if body:
        headers.append((b"content-type", b"application/json"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _echo_credentials(backend: VendorBackend, scope: Scope, receive: Receive, send: Send) -> None:
    """A 401 whose message quotes the request's headers (but the plain ones) and its body (a sign-in's
    password), as a proxy that echoes what it refused might."""
    quoted = [
        f"{name.decode('latin-1')}: {value.decode(errors='replace')}"
        for name, value in scope.get("headers", [])
        if name.decode("latin-1").lower() not in PLAIN_HEADERS
    ]
    body = bytearray()
    while True:
        message = await receive()
        body.extend(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            break
    if body:
        quoted.append(body[:1000].decode(errors="replace"))
    detail = "Injected fault: these credentials were refused: " + " | ".join(quoted)
    await _vendor_error(backend, 401, send, detail)


async def run_with_fault(
    rule: FaultRule, backend: VendorBackend, app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one request the way ``rule`` says. Whenever the vendor's code handled it, the status it
    answered is left in the scope under ``HANDLED_STATUS_KEY`` (whatever the client was then told)."""
    kind = rule.kind

    async def noting(message: Message) -> None:
        if message["type"] == "http.response.start":
            scope[HANDLED_STATUS_KEY] = message["status"]
        await send(message)

    if kind == "delay":
        await asyncio.sleep(rule.seconds)
        await app(scope, receive, noting)
    elif kind == "status" and rule.status == 429:
        scope[FORCED_429_KEY] = rule.retry_after
        await app(scope, receive, noting)
    elif kind == "status":
        await _vendor_error(backend, rule.status or 500, send)
    elif kind == "reset_before_body":
        await _reset(send)
    elif kind == "echo_credentials":
        await _echo_credentials(backend, scope, receive, send)
    else:
        start, body = await _handled(app, scope, receive)
        scope[HANDLED_STATUS_KEY] = start["status"]
        if kind == "reset_after_body":
            await _reset(send)
        elif kind == "trickle":
            await _trickle(rule, start, receive, send)
        else:
            if kind == "malformed_json":
                body = body[: len(body) // 2] or b"{"
                headers = _headers(start, **{"content-length": str(len(body)).encode()})
            else:  # wrong_content_type
                body = _HTML
                headers = _headers(
                    start, **{"content-type": b"text/html", "content-length": str(len(body)).encode()}
                )
            await send({"type": "http.response.start", "status": start["status"], "headers": headers})
            await send({"type": "http.response.body", "body": body})
