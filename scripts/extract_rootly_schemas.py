"""Copy the parts of Rootly's OpenAPI 3.0 spec that the contract tests need, with every ``$ref`` inlined.

The spec is Rootly's API v1 description (``https://rootly-heroku.s3.amazonaws.com/swagger/v1/swagger.json``,
as committed in ``rootlyhq/rootly-mcp-server`` at ``src/rootly_mcp_server/data/swagger.json``). It is 2.9 MB,
so the tests read a small extract instead: for each operation the provider calls, its path and query
parameters, its request body schema and the names of its response schemas; the response schemas are copied
once each under ``schemas``. This script writes that extract to ``tests/contract/rootly_schemas.json``;
running it again on the same spec gives the same bytes.

Usage::

    python scripts/extract_rootly_schemas.py [SPEC] [--output FILE] [--check] [--commit SHA]

``SPEC`` defaults to ``../shared/vendor-specs/rootly-swagger.json`` next to the repository. ``--check``
compares instead of writing and exits 1 when the extract is out of date. A spec other than the recorded one
(by sha256) needs ``--commit`` to say which ``rootly-mcp-server`` commit it comes from.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "vendor-specs" / "rootly-swagger.json"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "contract" / "rootly_schemas.json"

SOURCE_REPO = "rootlyhq/rootly-mcp-server"
SOURCE_PATH = "src/rootly_mcp_server/data/swagger.json"
SOURCE_URL = "https://rootly-heroku.s3.amazonaws.com/swagger/v1/swagger.json"
KNOWN_COMMIT = "4fa62718f9a4f6e2db236754d14ec8c4314e8780"
KNOWN_SHA256 = "8ea7bf31afc6914b88910839458de51dd8468ef85f0e9a1fb3dc7270f8b23830"
MEDIA_TYPE = "application/vnd.api+json"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/v1/incidents"),
    ("GET", "/v1/incidents/{id}"),
    ("PUT", "/v1/incidents/{id}"),
    ("PUT", "/v1/incidents/{id}/resolve"),
    ("PUT", "/v1/incidents/{id}/mitigate"),
    ("PUT", "/v1/incidents/{id}/cancel"),
    ("PUT", "/v1/incidents/{id}/restart"),
    ("PUT", "/v1/incidents/{id}/in_triage"),
    ("GET", "/v1/incidents/{incident_id}/events"),
    ("POST", "/v1/incidents/{incident_id}/events"),
    ("GET", "/v1/severities"),
)
"""``(method, path template)`` of every operation copied."""

PARAMETER_KEYS = ("name", "in", "required", "style", "explode", "schema", "description")
"""What is kept of each parameter object (``in`` is ``path`` or ``query``; Rootly declares no headers)."""
SCHEMA_PREFIX = "#/components/schemas/"

JsonObject = dict[str, Any]


class ExtractError(Exception):
    """The spec does not have the shape this script expects."""


def _pointer(document: Mapping[str, Any], ref: str) -> Any:
    """The value a local ``#/a/b~1c`` reference points at (RFC 6901 escapes decoded)."""
    if not ref.startswith("#/"):
        raise ExtractError(f"only local references are supported, got {ref!r}")
    node: Any = document
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise ExtractError(f"reference {ref!r} does not resolve (stopped at {part!r})")
    return node


class Inliner:
    """Replaces each ``$ref`` by a copy of its target, recursively.

    A reference met again while it is being expanded (a cycle) cannot be inlined; it becomes an
    unconstrained schema carrying ``x-recursive-ref`` and is listed in ``recursive_refs``.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.recursive_refs: set[str] = set()
        self.refs_inlined: set[str] = set()

    def inline(self, node: Any, stack: tuple[str, ...] = ()) -> Any:
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str):
                # In OpenAPI 3.0 the siblings of a $ref are ignored, so the target replaces the whole object.
                if ref in stack:
                    self.recursive_refs.add(ref)
                    return {
                        "description": f"Recursive reference {ref}, not expanded.",
                        "x-recursive-ref": ref,
                    }
                self.refs_inlined.add(ref)
                return self.inline(_pointer(self.document, ref), (*stack, ref))
            return {key: self.inline(value, stack) for key, value in node.items()}
        if isinstance(node, list):
            return [self.inline(item, stack) for item in node]
        return copy.deepcopy(node)


def _parameters(
    inliner: Inliner, path_item: Mapping[str, Any], operation: Mapping[str, Any], where: str
) -> list[JsonObject]:
    """Path-item parameters overridden by operation parameters with the same name and location."""
    merged: dict[tuple[str, str], JsonObject] = {}
    for raw in [*path_item.get("parameters", ()), *operation.get("parameters", ())]:
        parameter = inliner.inline(raw)
        if not isinstance(parameter, dict) or "name" not in parameter or "in" not in parameter:
            raise ExtractError(f"{where}: a parameter without name or in: {parameter!r}")
        kept = {key: parameter[key] for key in PARAMETER_KEYS if key in parameter}
        kept.setdefault("required", parameter["in"] == "path")
        merged[(parameter["name"], parameter["in"])] = kept
    return list(merged.values())


def _media_schema(container: Mapping[str, Any], where: str) -> Any:
    media = container.get("content", {}).get(MEDIA_TYPE)
    if not isinstance(media, Mapping) or "schema" not in media:
        raise ExtractError(f"{where}: no {MEDIA_TYPE} schema")
    return media["schema"]


def _request_body(inliner: Inliner, operation: Mapping[str, Any], where: str) -> JsonObject | None:
    raw = operation.get("requestBody")
    if raw is None:
        return None
    return {
        "required": bool(raw.get("required", False)),
        "content_type": MEDIA_TYPE,
        "schema": inliner.inline(_media_schema(raw, f"{where} request body")),
    }


def _responses(
    inliner: Inliner, operation: Mapping[str, Any], schemas: JsonObject, where: str
) -> dict[str, str]:
    """Status code -> name of its response schema, each schema copied once into ``schemas``."""
    names: dict[str, str] = {}
    for code, response in sorted(operation.get("responses", {}).items()):
        schema = _media_schema(response, f"{where} response {code}")
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        name = ref.removeprefix(SCHEMA_PREFIX) if isinstance(ref, str) else f"{where} {code}"
        if name not in schemas:
            schemas[name] = inliner.inline(schema)
        names[code] = name
    return names


def extract(spec: Mapping[str, Any], *, commit: str, sha256: str) -> JsonObject:
    """The extract for ``OPERATIONS``, ready to be written as JSON."""
    inliner = Inliner(spec)
    operations: JsonObject = {}
    schemas: JsonObject = {}
    for method, template in OPERATIONS:
        where = f"{method} {template}"
        path_item = spec.get("paths", {}).get(template)
        if not isinstance(path_item, Mapping) or method.lower() not in path_item:
            raise ExtractError(f"{where}: not in the spec")
        operation = path_item[method.lower()]
        operations[where] = {
            "method": method,
            "path": template,
            "operation_id": operation.get("operationId"),
            "security": operation.get("security", spec.get("security", [])),
            "parameters": _parameters(inliner, path_item, operation, where),
            "request_body": _request_body(inliner, operation, where),
            "responses": _responses(inliner, operation, schemas, where),
        }
    security_schemes = inliner.inline(spec.get("components", {}).get("securitySchemes", {}))
    return {
        "source": {
            "repo": SOURCE_REPO,
            "path": SOURCE_PATH,
            "url": SOURCE_URL,
            "commit": commit,
            "sha256": sha256,
            "openapi": spec.get("openapi"),
            "info_version": spec.get("info", {}).get("version"),
            "operations": [f"{method} {template}" for method, template in OPERATIONS],
            "refs_inlined": sorted(inliner.refs_inlined),
            "recursive_refs": sorted(inliner.recursive_refs),
            "generated_by": "scripts/extract_rootly_schemas.py",
            "note": "Every $ref is replaced by a copy of its target; allOf, anyOf and nullable are kept as "
            "in the spec. Response schemas are stored once under 'schemas' and named by each operation.",
        },
        "security_schemes": security_schemes,
        "operations": operations,
        "schemas": dict(sorted(schemas.items())),
    }


def render(extract_: Mapping[str, Any]) -> str:
    return json.dumps(extract_, indent=1, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "spec",
        nargs="?",
        type=Path,
        default=DEFAULT_SPEC,
        help="Rootly's swagger.json (default: %(default)s)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where to write (default: %(default)s)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the output file is not up to date")
    parser.add_argument(
        "--commit", help=f"the {SOURCE_REPO} commit of SPEC, required when SPEC is not the known one"
    )
    args = parser.parse_args(argv)

    raw = args.spec.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    commit: str | None = args.commit
    if commit is None:
        if sha256 != KNOWN_SHA256:
            parser.error(
                f"{args.spec} is not the spec of commit {KNOWN_COMMIT} (sha256 {sha256}); pass --commit"
            )
        commit = KNOWN_COMMIT
    try:
        text = render(extract(json.loads(raw), commit=commit, sha256=sha256))
    except ExtractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            print(f"{output} is out of date; run scripts/extract_rootly_schemas.py", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.encode())} bytes, {len(OPERATIONS)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
