"""Bounded log of requests the sandbox served, with credentials stripped, for tests to inspect."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

REDACTED = "***"

# Header and query names that carry credentials are never stored, whatever their value.
_SENSITIVE = re.compile(r"auth|token|secret|api[-_]?key|password|cookie|session|signature|credential", re.I)


def is_sensitive_name(name: str) -> bool:
    return bool(_SENSITIVE.search(name))


def redact_sensitive_keys(value: Any) -> Any:
    """Replace the value of every key that names a credential (password, token...) at any depth."""
    if isinstance(value, list):
        return [redact_sensitive_keys(item) for item in value]
    if isinstance(value, dict):
        return {
            k: REDACTED if is_sensitive_name(str(k)) else redact_sensitive_keys(v) for k, v in value.items()
        }
    return value


def scrub(value: Any, secrets: Iterable[str]) -> Any:
    """Replace any occurrence of a known secret inside strings of a JSON-like value."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [scrub(item, secrets) for item in value]
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    return value


@dataclass
class RequestRecord:
    """One served request; ``headers`` and ``query`` never hold credentials."""

    id: int
    at: str
    vendor: str | None
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int = 0
    body: Any = None
    duration_ms: float = 0.0
    fault: str | None = None
    """The id of the injected fault that struck this request, if any."""
    applied: bool = False
    """The vendor's code answered it with a 2xx: a write took effect, whatever the client was told."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "vendor": self.vendor,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "status": self.status,
            "body": self.body,
            "duration_ms": self.duration_ms,
            "fault": self.fault,
            "applied": self.applied,
        }


def clean_headers(raw: Iterable[tuple[bytes, bytes]], secrets: Iterable[str]) -> dict[str, str]:
    secrets = list(secrets)
    headers: dict[str, str] = {}
    for name_b, value_b in raw:
        name = name_b.decode("latin-1").lower()
        if is_sensitive_name(name):
            continue
        value = scrub(value_b.decode("latin-1"), secrets)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def clean_query(items: Iterable[tuple[str, str]], secrets: Iterable[str]) -> dict[str, list[str]]:
    secrets = list(secrets)
    query: dict[str, list[str]] = {}
    for name, value in items:
        if is_sensitive_name(name):
            continue
        query.setdefault(name, []).append(scrub(value, secrets))
    return query


class RequestLog:
    """The newest ``maxlen`` records, oldest first."""

    def __init__(self, maxlen: int) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._next_id = 1

    def next_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def add(self, record: RequestRecord) -> None:
        self._records.append(record)

    def clear(self) -> None:
        self._records.clear()

    def records(self, vendor: str | None = None, after: int = 0) -> list[RequestRecord]:
        """The kept records, oldest first: of one vendor, and only those with an id above ``after``."""
        return [r for r in self._records if (vendor is None or r.vendor == vendor) and r.id > after]
