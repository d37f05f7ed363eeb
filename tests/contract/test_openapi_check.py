"""The shared contract checker on small hand-written operations (the parts no vendor's spec exercises), and
the extracts it reads, which ``scripts/extract_schemas.py`` must still reproduce from the vendors' specs."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_incident_provider.vendors.base import Request
from tests.contract.openapi_check import (
    BEARER,
    Contract,
    Credentials,
    coerce,
    credential_problems,
    query_problems,
    security_schemes,
)

ROOT = Path(__file__).parents[2]
SPECS = ROOT.parent / "shared" / "vendor-specs"


def _query(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A query parameter object as the extracts keep it."""
    return {"name": name, "in": "query", "required": False, "schema": schema, **extra}


def _operation(*parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A ``GET /things`` operation with ``parameters`` and no body."""
    return {"method": "GET", "path": "/things", "parameters": list(parameters), "request_body": None, **extra}


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        ("12", {"type": "integer"}, 12),
        ("1.5", {"type": "number"}, 1.5),
        ("x", {"type": "number"}, "x"),
        ("true", {"type": "boolean"}, True),
        ("yes", {"type": "boolean"}, "yes"),
        ("12", {"type": "string"}, "12"),
    ],
)
def test_query_values_are_coerced_by_their_schema(value: str, schema: dict[str, Any], expected: Any) -> None:
    assert coerce(value, schema) == expected


def test_query_styles_the_checker_does_not_know_are_reported() -> None:
    operation = _operation(
        _query("tags", {"type": "array", "items": {"type": "string"}}, style="pipeDelimited"),
        _query("filter", {"type": "object", "properties": {"a": {"type": "string"}}}, explode=False),
    )
    problems = query_problems(operation, [("tags", "a|b")])
    assert "query 'tags': the checker only knows the default form/explode style" in problems
    assert "query 'filter': the checker only knows the default form/explode style" in problems


def test_unexploded_arrays_are_comma_separated() -> None:
    operation = _operation(
        _query("ids", {"type": "array", "items": {"type": "integer"}, "maxItems": 2}, explode=False)
    )
    assert query_problems(operation, [("ids", "1,2")]) == []
    assert query_problems(operation, [("ids", "1,x")]) == ["query 'ids'[1]: 'x' is not of type 'integer'"]


def test_per_operation_security_names_its_schemes() -> None:
    extract: dict[str, Any] = {"security_schemes": {"key": {"type": "http", "scheme": "bearer"}}}
    operation = _operation(security=[{"key": []}])
    assert security_schemes(extract, operation) == [
        {"type": "http", "scheme": "bearer", "scheme_name": "key"}
    ]
    assert security_schemes({"security": []}, _operation()) == []


def test_security_schemes_the_checker_cannot_check_are_reported() -> None:
    schemes = [{"type": "oauth2", "scheme_name": "oauth"}]
    problems = credential_problems(schemes, httpx.Headers(), Credentials(BEARER, "a Bearer token"))
    assert len(problems) == 1
    assert problems[0].startswith("security scheme 'oauth': the checker cannot check")


def test_known_deviations_are_left_out_and_nothing_else() -> None:
    extract = {"security": [], "operations": {"GET /things": _operation(_query("n", {"type": "integer"}))}}
    known = "query 'n': 'x' is not of type 'integer'"
    strict = Contract("Example", extract, "https://api.example.com", Credentials(re.compile(""), "anything"))
    lenient = dataclasses.replace(strict, known_deviations={known: "why"})
    request = Request("GET", "/things", params=(("n", "x"), ("m", "1")))
    assert strict.check_request(request, {}) == [known, "query 'm': not a parameter of GET /things"]
    assert lenient.check_request(request, {}) == ["query 'm': not a parameter of GET /things"]


@pytest.mark.parametrize("vendor", ["pagerduty", "rootly", "devhelm"])
def test_the_extract_is_what_the_script_makes_of_the_spec(vendor: str) -> None:
    # The official specs live beside the repository (as in CI); the copies in tests/ must match them.
    assert SPECS.is_dir(), f"the vendors' specs are expected in {SPECS.name}/ beside the repository"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "extract_schemas.py"), vendor, "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
