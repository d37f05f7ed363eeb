"""The checker the vendor contract tests share: a request the provider builds, as it goes on the wire,
against an extract of the vendor's OpenAPI 3.0 spec (``scripts/extract_schemas.py`` writes the extracts).

A request is rendered by httpx exactly as the transport sends it (query encoding, JSON body, headers), then
checked: the operation is found by method and path template; each path parameter is non-empty and
validates; each query parameter is declared and its value (a string on the wire, coerced for integer,
number and boolean schemas) validates, an array being repeated or comma-separated as its ``explode`` says
and an object being exploded into its properties as OpenAPI's default ``form`` style does; each declared
header is present when required and validates; the credentials header has the vendor's shape; the body has
the spec's media type and validates with ``OAS30Validator`` (formats such as ``uuid`` included, and a real
address check for ``format: email``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

import httpx
from openapi_schema_validator import OAS30Validator

from airflow_incident_provider.vendors.base import Request

JsonObject = dict[str, Any]

FORMAT_CHECKER = OAS30Validator.FORMAT_CHECKER
EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
"""A local part, an ``@`` and a dotted domain (the jsonschema ``email`` check only looks for an ``@``)."""
BEARER = re.compile(r"^Bearer \S+$")
"""An ``Authorization`` value carrying a bearer token."""


def load_extract(file_name: str) -> JsonObject:
    """The extract ``file_name`` next to this module, parsed."""
    extract: JsonObject = json.loads(Path(__file__).with_name(file_name).read_text(encoding="utf-8"))
    return extract


def keys_in(node: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(node, Mapping):
        return set(node).union(*(keys_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(keys_in(item) for item in node))
    return set()


def assert_self_contained(extract: Mapping[str, Any], repo: str, path: str) -> dict[str, Any]:
    """Fail unless the extract names its source, a 3.0 spec at a commit, and holds no ``$ref``; its source."""
    source: dict[str, Any] = extract["source"]
    assert (source["repo"], source["path"]) == (repo, path)
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert source["openapi"].startswith("3.0.")
    assert source["operations"] == list(extract["operations"])
    assert source["recursive_refs"] == []
    assert "$ref" not in keys_in(extract)
    return source


def assert_parameter_schemas(operation: Mapping[str, Any], places: set[str]) -> None:
    """Fail unless each parameter of the operation is in one of ``places`` with a valid OAS 3.0 schema."""
    for parameter in operation["parameters"]:
        assert parameter["in"] in places
        OAS30Validator.check_schema(parameter["schema"])


# --- values against schemas -------------------------------------------------------------------------------


@cache
def _validator(schema_json: str) -> Any:
    """An ``OAS30Validator`` with format checking for a schema given as canonical JSON."""
    return OAS30Validator(json.loads(schema_json), format_checker=FORMAT_CHECKER)


def schema_errors(instance: Any, schema: Mapping[str, Any], where: str) -> list[str]:
    """Every OAS 3.0 validation error of ``instance``, plus a real address check for ``format: email``."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    problems = [
        f"{where}{''.join(f'[{part!r}]' for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(instance)
    ]
    if schema.get("format") == "email" and isinstance(instance, str) and not EMAIL.match(instance):
        problems.append(f"{where}: {instance!r} is not an email address")
    return problems


def coerce(value: str, schema: Mapping[str, Any]) -> Any:
    """A query string value as the JSON value its schema describes (everything is a string on the wire)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


# --- one part of a request against its operation ----------------------------------------------------------


def path_problems(operation: Mapping[str, Any], values: Mapping[str, str]) -> list[str]:
    """What is wrong with the raw (percent-encoded) path parameter values of a request."""
    problems: list[str] = []
    for parameter in operation["parameters"]:
        if parameter["in"] == "path":
            value = unquote(values.get(parameter["name"], ""))
            if not value.strip():
                problems.append(f"path {parameter['name']!r}: empty")
            problems += schema_errors(value, parameter["schema"], f"path {parameter['name']!r}")
    return problems


def _exploded(schema: Mapping[str, Any], grouped: dict[str, list[str]]) -> dict[str, Any]:
    """An object parameter in ``form`` style with ``explode``: each property is its own query parameter."""
    result: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if name in grouped:
            values = grouped.pop(name)
            if prop.get("type") == "array":
                result[name] = [coerce(v, prop.get("items", {})) for v in values]
            else:
                result[name] = coerce(values[-1], prop) if len(values) == 1 else values
    return result


def _scalar_problems(parameter: Mapping[str, Any], values: list[str]) -> list[str]:
    """What is wrong with the values given for a query parameter whose schema is not an array or object."""
    name, schema = parameter["name"], parameter["schema"]
    problems: list[str] = []
    if len(values) > 1:
        if not parameter.get("explode"):
            problems.append(f"query {name!r}: given {len(values)} times but is a single value")
        elif schema.get("uniqueItems") and len(set(values)) != len(values):
            # A repeatable parameter declared with uniqueItems: the repetitions form the set.
            problems.append(f"query {name!r}: repeats a value ({values}) but is declared uniqueItems")
    for value in values:
        problems += schema_errors(coerce(value, schema), schema, f"query {name!r}")
    return problems


def _parameter_problems(parameter: Mapping[str, Any], grouped: dict[str, list[str]]) -> list[str]:
    """What is wrong with one query parameter, its values taken out of ``grouped``."""
    name, schema = parameter["name"], parameter["schema"]
    style = parameter.get("style", "form")
    explode = parameter.get("explode", style == "form")
    if style != "form" or (schema.get("type") == "object" and not explode):
        return [f"query {name!r}: the checker only knows the default form/explode style"]
    if schema.get("type") == "object":
        value = _exploded(schema, grouped)
        if not value and not parameter.get("required"):
            return []
        return schema_errors(value, schema, f"query {name!r}")
    values = grouped.pop(name, None)
    if values is None:
        return [f"query {name!r}: required but absent"] if parameter.get("required") else []
    if schema.get("type") == "array":
        raw = values if explode else [item for value in values for item in value.split(",")]
        return schema_errors(
            [coerce(item, schema.get("items", {})) for item in raw], schema, f"query {name!r}"
        )
    return _scalar_problems(parameter, values)


def query_problems(operation: Mapping[str, Any], items: Sequence[tuple[str, str]]) -> list[str]:
    """What is wrong with a request's query string, given as ``(name, value)`` pairs in wire order."""
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(name, []).append(value)
    problems: list[str] = []
    for parameter in operation["parameters"]:
        if parameter["in"] == "query":
            problems += _parameter_problems(parameter, grouped)
    where = f"{operation['method']} {operation['path']}"
    return problems + [f"query {name!r}: not a parameter of {where}" for name in grouped]


def header_problems(operation: Mapping[str, Any], headers: httpx.Headers) -> list[str]:
    """What is wrong with the headers the operation declares as parameters."""
    problems: list[str] = []
    for parameter in operation["parameters"]:
        if parameter["in"] != "header":
            continue
        name = parameter["name"]
        if name not in headers:
            if parameter.get("required"):
                problems.append(f"header {name!r}: required but absent")
            continue
        problems += schema_errors(headers[name], parameter["schema"], f"header {name!r}")
    return problems


def body_problems(operation: Mapping[str, Any], wire: httpx.Request) -> list[str]:
    """What is wrong with a request's body: absent when needed, present when not, or not the spec's."""
    body = operation["request_body"]
    if not wire.content:
        # A body is needed when the spec says so, or when its schema requires a property (PagerDuty sets
        # requestBody.required nowhere, but each of its body schemas requires its wrapper object).
        needed = body is not None and (body["required"] or body["schema"].get("required"))
        return ["body: required but absent"] if needed else []
    if body is None:
        return [f"body: {operation['method']} {operation['path']} takes no body"]
    content_type = wire.headers.get("content-type", "")
    if content_type.split(";")[0].strip() != body["content_type"]:
        return [f"body: sent as {content_type!r}, the spec takes {body['content_type']!r}"]
    return schema_errors(json.loads(wire.content), body["schema"], "body")


# --- credentials --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What a vendor's credentials header value must match, and how that shape reads in a problem."""

    pattern: re.Pattern[str]
    shape: str


def security_schemes(extract: Mapping[str, Any], operation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The schemes an operation needs: its own requirements if the extract has them, else the global ones."""
    if "security" not in operation:
        schemes: list[Mapping[str, Any]] = extract["security"]
        return schemes
    named: Mapping[str, Mapping[str, Any]] = extract["security_schemes"]
    return [
        {**named[name], "scheme_name": name} for requirement in operation["security"] for name in requirement
    ]


def credentials_header(scheme: Mapping[str, Any]) -> str | None:
    """The header a security scheme carries its credentials in; None for a kind the checker cannot check."""
    if scheme["type"] == "apiKey" and scheme["in"] == "header":
        header: str = scheme["name"]
        return header
    if scheme["type"] == "http" and scheme["scheme"] == "bearer":
        return "Authorization"
    return None


def credential_problems(
    schemes: Sequence[Mapping[str, Any]], headers: httpx.Headers, credentials: Credentials
) -> list[str]:
    """What is wrong with the credentials each scheme asks for."""
    problems: list[str] = []
    for scheme in schemes:
        header = credentials_header(scheme)
        if header is None:
            problems.append(
                f"security scheme {scheme.get('scheme_name')!r}: the checker cannot check {scheme}"
            )
        elif not credentials.pattern.match(headers.get(header, "")):
            problems.append(f"header {header!r}: missing or not {credentials.shape}")
    return problems


# --- a whole request ----------------------------------------------------------------------------------------


class Match(NamedTuple):
    """The operation a request is for, and the raw values of its path parameters."""

    key: str
    operation: dict[str, Any]
    path_values: dict[str, str]


def find_operation(operations: Mapping[str, dict[str, Any]], method: str, raw_path: str) -> Match | None:
    """The operation for ``method`` and a percent-encoded path, with its raw path parameter values."""
    segments = raw_path.split("/")
    for key, operation in operations.items():
        if operation["method"] != method:
            continue
        template = operation["path"].split("/")
        if len(template) != len(segments):
            continue
        values: dict[str, str] = {}
        for expected, actual in zip(template, segments, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                values[expected[1:-1]] = actual
            elif expected != actual:
                break
        else:
            return Match(key, operation, values)
    return None


@dataclass(frozen=True)
class Contract:
    """One vendor's spec extract, where its requests go, what its credentials look like, and the problems
    the provider knowingly leaves (each with the reason)."""

    vendor: str
    extract: JsonObject
    base_url: str
    credentials: Credentials
    known_deviations: Mapping[str, str] = field(default_factory=dict)

    @property
    def operations(self) -> dict[str, dict[str, Any]]:
        """The copied operations by ``"METHOD /path/template"``."""
        operations: dict[str, dict[str, Any]] = self.extract["operations"]
        return operations

    def find_operation(self, method: str, raw_path: str) -> Match | None:
        """The copied operation for ``method`` and a percent-encoded path."""
        return find_operation(self.operations, method, raw_path)

    def wire_request(self, request: Request, headers: Mapping[str, str]) -> httpx.Request:
        """The request as the transport puts it on the wire (httpx encodes the query and the JSON body)."""
        return httpx.Request(
            request.method,
            self.base_url + request.path,
            params=request.params,
            json=request.json,
            headers=dict(headers),
        )

    def check_request(self, request: Request, headers: Mapping[str, str]) -> list[str]:
        """Every way ``request`` sent with ``headers`` breaks the spec, known deviations left out."""
        wire = self.wire_request(request, headers)
        raw_path = wire.url.raw_path.decode("ascii").split("?", 1)[0]
        found = self.find_operation(wire.method, raw_path)
        if found is None:
            return [f"no operation {wire.method} {raw_path} in the spec extract"]
        operation = found.operation
        schemes = security_schemes(self.extract, operation)
        problems = [
            *path_problems(operation, found.path_values),
            *query_problems(operation, wire.url.params.multi_items()),
            *header_problems(operation, wire.headers),
            *credential_problems(schemes, wire.headers, self.credentials),
            *body_problems(operation, wire),
        ]
        return [problem for problem in problems if problem not in self.known_deviations]

    def assert_conforms(self, request: Request, headers: Mapping[str, str]) -> None:
        """Fail with every problem unless ``request`` sent with ``headers`` conforms."""
        problems = self.check_request(request, headers)
        assert problems == [], f"{request.describe()} breaks the {self.vendor} spec:\n" + "\n".join(problems)

    def assert_catches(self, request: Request, headers: Mapping[str, str], expected: str) -> None:
        """Fail unless checking ``request`` reports a problem containing ``expected`` (a negative control)."""
        problems = self.check_request(request, headers)
        assert any(expected in problem for problem in problems), problems
