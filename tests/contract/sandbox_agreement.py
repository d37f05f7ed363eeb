"""The machinery of the sandbox-agrees-with-spec property test (``test_sandbox_agrees_with_spec.py``).

Each vendor with an official spec (a ``tests/contract/test_<vendor>_contract.py``) declares, in its own
``tests/contract/agreement_<vendor>.py``, how it refuses (a :class:`Vendor`) and the writes the provider
makes there (:class:`Endpoint` values in ``ENDPOINTS``); the shared test finds them through the registry.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx

from airflow_incident_provider.registry import VENDOR_NAMES
from airflow_incident_provider.sandbox import SandboxServer
from tests.contract.openapi_check import JsonObject, schema_errors
from tests.contract.spec_mutations import Edit, Hints, edits, value_at
from tests.fixtures import UNLIMITED, VendorSandbox


class Handles:
    """One sandbox, seen as each vendor's client sees it: one handle per vendor, made on first use with
    the vendor's rate limit lifted."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self._made: dict[type[VendorSandbox], VendorSandbox] = {}

    def of(self, kind: type[VendorSandbox]) -> Any:
        if kind not in self._made:
            handle = kind(self.server)  # type: ignore[call-arg]  # every handle takes the server alone
            handle.configure(rate_limit_per_minute=UNLIMITED)
            self._made[kind] = handle
        return self._made[kind]

    def close(self) -> None:
        for handle in self._made.values():
            handle.close()


# ---------------------------------------------------------------- how a vendor refuses


@dataclass(frozen=True)
class Vendor:
    """How a vendor answers a body it refuses: the statuses, the error body's shape, and which refusals are
    about the incident's state or the account's data rather than the body's shape."""

    name: str
    refusal_statuses: tuple[int, ...]
    error_schema: JsonObject
    state_refusal: Callable[[httpx.Response], str | None]
    """What kind of documented state or reference refusal a response is, or None if it is not one."""
    extract: JsonObject = field(repr=False)
    """The spec extract (``tests/contract/<vendor>_schemas.json``) its endpoints' schemas come from."""
    handle: type[VendorSandbox] = field(repr=False)
    """The vendor's sandbox handle class (``tests/fixtures_<vendor>.py``): how its endpoints send."""

    def format_problems(self, response: httpx.Response) -> list[str]:
        try:
            document = response.json()
        except ValueError:
            return [f"{self.name}: the error body is not JSON: {response.text[:200]!r}"]
        return schema_errors(document, self.error_schema, f"{self.name} error body")


# ---------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Leniency:
    """Bodies the spec refuses that the sandbox deliberately accepts, and why."""

    reason: str
    normalize: Callable[[Any], Any]
    """The body as the spec would have it: the part the sandbox is lenient about taken out."""


@dataclass(frozen=True)
class Strictness:
    """Bodies the spec accepts that the sandbox deliberately refuses, and why."""

    reason: str
    applies: Callable[[Any], bool]


@dataclass(frozen=True)
class Endpoint:
    """A write the provider makes: a valid base body, the ids the account has, and how to send it."""

    id: str
    vendor: Vendor
    operation: str
    base: JsonObject
    send: Callable[[Any, Any], httpx.Response]
    """Sends a body, given the vendor's sandbox handle (an instance of ``vendor.handle``)."""
    hints: Hints = field(default_factory=dict)
    lenient: tuple[Leniency, ...] = ()
    stricter: tuple[Strictness, ...] = ()

    @property
    def schema(self) -> JsonObject:
        schema: JsonObject = self.vendor.extract["operations"][self.operation]["request_body"]["schema"]
        return schema

    @cached_property
    def catalogue(self) -> list[Edit]:
        return edits(self.base, self.schema, self.hints)


def judge(endpoint: Endpoint, body: Any, response: httpx.Response) -> str | None:
    """What is wrong with the sandbox's answer to ``body``, or None when it agrees with the spec."""
    as_spec_reads_it = body
    for leniency in endpoint.lenient:
        as_spec_reads_it = leniency.normalize(as_spec_reads_it)
    problems = schema_errors(as_spec_reads_it, endpoint.schema, "body")
    stricter = [choice.reason for choice in endpoint.stricter if choice.applies(body)]
    status = response.status_code
    answer = f"{status} {response.text[:300]}"
    if problems or stricter:
        if 200 <= status < 300:
            return f"accepted a body the spec refuses ({problems or stricter}): {answer}"
        if status not in endpoint.vendor.refusal_statuses:
            return f"refused with {status}, not {endpoint.vendor.refusal_statuses}: {answer}"
        bad_format = endpoint.vendor.format_problems(response)
        return f"refused outside {endpoint.vendor.name}'s error format {bad_format}" if bad_format else None
    if 200 <= status < 300 or endpoint.vendor.state_refusal(response) is not None:
        return None
    return f"refused a body the spec accepts: {answer}"


def at(body: Any, *path: str) -> Any:
    """The value at ``path`` in ``body``, or None when any step is missing."""
    return value_at(body, path)


def without(*path: str, when: Callable[[Any], bool]) -> Callable[[Any], Any]:
    """A normalizer dropping the key at ``path`` when its value passes ``when``."""

    def normalize(body: Any) -> Any:
        parent = at(body, *path[:-1])
        if not isinstance(parent, dict) or path[-1] not in parent or not when(parent[path[-1]]):
            return body
        result = copy.deepcopy(body)
        del at(result, *path[:-1])[path[-1]]
        return result

    return normalize


def is_null(value: Any) -> bool:
    return value is None


def null_enums(*paths: tuple[str, ...]) -> Leniency:
    """``null`` for the nullable enums at ``paths``, which OAS 3.0.3 refuses unless the enum lists it."""
    normalizers = [without(*path, when=is_null) for path in paths]

    def normalize(body: Any) -> Any:
        for normalizer in normalizers:
            body = normalizer(body)
        return body

    names = ", ".join(path[-1] for path in paths)
    return Leniency(
        f"null for {names}: the spec marks them nullable (null keeps the value), but OAS 3.0.3 also wants "
        "null among an enum's members, which the spec leaves out",
        normalize,
    )


# ---------------------------------------------------------------- discovery


def spec_vendors() -> tuple[str, ...]:
    """Registered vendors with a spec: each has ``tests/contract/test_<vendor>_contract.py``."""
    return tuple(
        name for name in VENDOR_NAMES if importlib.util.find_spec(f"tests.contract.test_{name}_contract")
    )


def load_endpoints() -> tuple[Mapping[str, tuple[Endpoint, ...]], tuple[str, ...]]:
    """Each spec'd vendor's ``ENDPOINTS`` (from ``agreement_<vendor>.py``), and the spec'd vendors without."""
    found: dict[str, tuple[Endpoint, ...]] = {}
    for name in spec_vendors():
        module = f"tests.contract.agreement_{name}"
        found_module = importlib.import_module(module) if importlib.util.find_spec(module) else None
        endpoints = getattr(found_module, "ENDPOINTS", ())
        if endpoints:
            found[name] = tuple(endpoints)
    return found, tuple(name for name in spec_vendors() if name not in found)
