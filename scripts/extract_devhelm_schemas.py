"""Copy the parts of DevHelm's OpenAPI 3.0 spec that the contract tests need, with every ``$ref`` inlined.

The spec is DevHelm's API description (``devhelmhq/sdk-python``, ``docs/openapi/monitoring-api.json``). It is
1 MB, so the tests read a small extract instead: for each status-page operation the provider or the sandbox
uses, its path and query parameters, its request body schema, its success response schema, and the uniform
``ErrorResponse``. This script writes that extract to ``tests/contract/devhelm_schemas.json``; running it
again on the same spec gives the same bytes.

Usage::

    python scripts/extract_devhelm_schemas.py [SPEC] [--output FILE] [--check] [--commit SHA]

``SPEC`` defaults to ``../shared/vendor-specs/devhelm-monitoring-api.json`` next to the repository.
``--check`` compares instead of writing and exits 1 when the extract is out of date. A spec other than the
recorded one (by sha256) needs ``--commit`` to say which ``sdk-python`` commit it comes from.
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
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "vendor-specs" / "devhelm-monitoring-api.json"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "contract" / "devhelm_schemas.json"

SOURCE_REPO = "devhelmhq/sdk-python"
SOURCE_PATH = "docs/openapi/monitoring-api.json"
KNOWN_COMMIT = "d7a3516f279a3e5e83797a8277a0a5f7e8c279a6"
KNOWN_SHA256 = "66ec94588650e57d39bcda99837d1350db0c368985cbe955f676c1858284180e"

PAGES = "/api/v1/status-pages"
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", PAGES),
    ("GET", PAGES + "/{id}"),
    ("GET", PAGES + "/{id}/incidents"),
    ("POST", PAGES + "/{id}/incidents"),
    ("GET", PAGES + "/{id}/incidents/{incidentId}"),
    ("PUT", PAGES + "/{id}/incidents/{incidentId}"),
    ("POST", PAGES + "/{id}/incidents/{incidentId}/updates"),
)
"""``(method, path template)`` of every operation copied."""

PARAMETER_KEYS = ("name", "in", "required", "style", "explode", "schema", "description")
"""What is kept of each parameter object (``in`` is ``path``, ``query`` or ``header``)."""
ERROR_SCHEMA = "#/components/schemas/ErrorResponse"

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


def _request_body(inliner: Inliner, operation: Mapping[str, Any], where: str) -> JsonObject | None:
    raw = operation.get("requestBody")
    if raw is None:
        return None
    body = inliner.inline(raw)
    media = body.get("content", {}).get("application/json")
    if not isinstance(media, Mapping) or "schema" not in media:
        raise ExtractError(f"{where}: the request body has no application/json schema")
    return {
        "required": bool(body.get("required", False)),
        "content_type": "application/json",
        "schema": media["schema"],
    }


def _success(inliner: Inliner, operation: Mapping[str, Any], where: str) -> JsonObject:
    """The one 2xx response of an operation, with its schema (DevHelm declares it as ``*/*``)."""
    found = [(code, value) for code, value in operation.get("responses", {}).items() if code.startswith("2")]
    if len(found) != 1:
        raise ExtractError(f"{where}: expected one 2xx response, found {[code for code, _ in found]}")
    code, raw = found[0]
    response = inliner.inline(raw)
    content = response.get("content", {})
    if len(content) != 1:
        raise ExtractError(f"{where}: the {code} response has {len(content)} media types")
    (content_type, media), *_ = content.items()
    return {"status": int(code), "content_type": content_type, "schema": media["schema"]}


def _error_statuses(operation: Mapping[str, Any], where: str) -> list[int]:
    """The error statuses an operation declares; each must use the uniform ``ErrorResponse``."""
    statuses = []
    for code, response in operation.get("responses", {}).items():
        if code.startswith("2"):
            continue
        refs = [media.get("schema", {}).get("$ref") for media in response.get("content", {}).values()]
        if refs != [ERROR_SCHEMA]:
            raise ExtractError(f"{where}: the {code} response is not an ErrorResponse ({refs})")
        statuses.append(int(code))
    return statuses


def extract(spec: Mapping[str, Any], *, commit: str, sha256: str) -> JsonObject:
    """The extract for ``OPERATIONS``, ready to be written as JSON."""
    inliner = Inliner(spec)
    operations: JsonObject = {}
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
            "parameters": _parameters(inliner, path_item, operation, where),
            "request_body": _request_body(inliner, operation, where),
            "response": _success(inliner, operation, where),
            "error_statuses": _error_statuses(operation, where),
        }
    schemes = spec.get("components", {}).get("securitySchemes", {})
    security = [
        inliner.inline(schemes[name]) | {"scheme_name": name}
        for requirement in spec.get("security", ())
        for name in requirement
        if name in schemes
    ]
    error_schema = inliner.inline({"$ref": ERROR_SCHEMA})
    return {
        "source": {
            "repo": SOURCE_REPO,
            "path": SOURCE_PATH,
            "commit": commit,
            "sha256": sha256,
            "openapi": spec.get("openapi"),
            "info_version": spec.get("info", {}).get("version"),
            "servers": [server.get("url") for server in spec.get("servers", ())],
            "operations": [f"{method} {template}" for method, template in OPERATIONS],
            "refs_inlined": sorted(inliner.refs_inlined),
            "recursive_refs": sorted(inliner.recursive_refs),
            "generated_by": "scripts/extract_devhelm_schemas.py",
            "note": "Every $ref is replaced by a copy of its target; allOf, oneOf and nullable are kept as "
            "in the spec. Parameters keep name, in, required, style, explode, schema and description. "
            "Each operation keeps its one 2xx response schema and the statuses it declares as "
            "ErrorResponse.",
        },
        "security": security,
        "error_response": error_schema,
        "operations": operations,
    }


def render(extract_: Mapping[str, Any]) -> str:
    return json.dumps(extract_, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "spec",
        nargs="?",
        type=Path,
        default=DEFAULT_SPEC,
        help="DevHelm's monitoring-api.json (default: %(default)s)",
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
            print(f"{output} is out of date; run scripts/extract_devhelm_schemas.py", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.encode())} bytes, {len(OPERATIONS)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
