"""Copy the parts of PagerDuty's OpenAPI 3.0 spec that the contract tests need, with every ``$ref`` inlined.

The spec is PagerDuty's REST API v2 description (``PagerDuty/api-schema``, ``reference/REST/openapiv3.json``).
It is 2.7 MB, so the tests read a small extract instead: for each operation the provider calls, its path,
query and header parameters and, for writes, its request body schema and examples. This script writes that
extract to ``tests/contract/pagerduty_schemas.json``; running it again on the same spec gives the same bytes.

Usage::

    python scripts/extract_pagerduty_schemas.py [SPEC] [--output FILE] [--check] [--commit SHA]

``SPEC`` defaults to ``../shared/vendor-specs/pagerduty-openapiv3.json`` next to the repository. ``--check``
compares instead of writing and exits 1 when the extract is out of date. A spec other than the recorded
one (by sha256) needs ``--commit`` to say which ``api-schema`` commit it comes from.
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
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "vendor-specs" / "pagerduty-openapiv3.json"
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "contract" / "pagerduty_schemas.json"

SOURCE_REPO = "PagerDuty/api-schema"
SOURCE_PATH = "reference/REST/openapiv3.json"
KNOWN_COMMIT = "91a06fb3c64b0ab2b2bd6c485d12b327dfb55c18"
KNOWN_SHA256 = "b2e80f8b83b170f29702e96a69adf230702b4ec43dddab7e348a2985c707ef35"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/incidents"),
    ("POST", "/incidents"),
    ("GET", "/incidents/{id}"),
    ("PUT", "/incidents/{id}"),
    ("GET", "/incidents/{id}/notes"),
    ("POST", "/incidents/{id}/notes"),
    ("GET", "/priorities"),
)
"""``(method, path template)`` of every operation copied."""

PARAMETER_KEYS = ("name", "in", "required", "style", "explode", "schema", "description")
"""What is kept of each parameter object (``in`` is ``path``, ``query`` or ``header``)."""

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
    examples = {
        name: example["value"] for name, example in media.get("examples", {}).items() if "value" in example
    }
    if "example" in media:
        examples["example"] = media["example"]
    return {
        "required": bool(body.get("required", False)),
        "content_type": "application/json",
        "schema": media["schema"],
        "examples": examples,
    }


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
        }
    schemes = spec.get("components", {}).get("securitySchemes", {})
    security = [
        inliner.inline(schemes[name]) | {"scheme_name": name}
        for requirement in spec.get("security", ())
        for name in requirement
        if name in schemes
    ]
    return {
        "source": {
            "repo": SOURCE_REPO,
            "path": SOURCE_PATH,
            "commit": commit,
            "sha256": sha256,
            "openapi": spec.get("openapi"),
            "info_version": spec.get("info", {}).get("version"),
            "operations": [f"{method} {template}" for method, template in OPERATIONS],
            "refs_inlined": sorted(inliner.refs_inlined),
            "recursive_refs": sorted(inliner.recursive_refs),
            "generated_by": "scripts/extract_pagerduty_schemas.py",
            "note": "Every $ref is replaced by a copy of its target; allOf, oneOf and nullable are kept as "
            "in the spec. Parameters keep name, in, required, style, explode, schema and description.",
        },
        "security": security,
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
        help="PagerDuty's openapiv3.json (default: %(default)s)",
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
            print(f"{output} is out of date; run scripts/extract_pagerduty_schemas.py", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.encode())} bytes, {len(OPERATIONS)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
