"""Copy the parts of a vendor's OpenAPI 3.0 spec that its contract tests need, with every ``$ref`` inlined.

The specs are large (PagerDuty's 2.7 MB, Rootly's 2.9 MB, DevHelm's 1 MB), so the contract tests read a small
extract instead: for each operation the provider calls, its path, query and header parameters, its request
body schema (with the spec's examples, where it has any) and, for the vendors whose tests check responses,
its response schemas. ``VENDORS`` holds everything that differs between vendors: where the spec comes from,
which operations are copied and what else is kept. This script writes the extract to
``tests/contract/<vendor>_schemas.json``; running it again on the same spec gives the same bytes.

Usage::

    python scripts/extract_schemas.py VENDOR [SPEC] [--output FILE] [--check] [--commit SHA]

``VENDOR`` is a key of ``VENDORS`` below (``pagerduty``...). ``SPEC`` defaults to the vendor's file in
``../shared/vendor-specs/`` next to the repository. ``--check`` compares instead of writing and exits 1 when
the extract is out of date. A spec other than the recorded one (by sha256) needs ``--commit`` to say which
commit of the vendor's source repository it comes from.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

REPO_ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = REPO_ROOT.parent / "shared" / "vendor-specs"
OUTPUT_DIR = REPO_ROOT / "tests" / "contract"
SCRIPT = "scripts/extract_schemas.py"

PARAMETER_KEYS = ("name", "in", "required", "style", "explode", "schema", "description")
"""What is kept of each parameter object (``in`` is ``path``, ``query`` or ``header``)."""
SCHEMA_PREFIX = "#/components/schemas/"
INLINED = "Every $ref is replaced by a copy of its target; "
PARAMETERS_KEPT = "Parameters keep name, in, required, style, explode, schema and description."

JsonObject = dict[str, Any]
Responses = Literal["none", "named", "success"]


@dataclass(frozen=True)
class Vendor:
    """Where one vendor's spec comes from, which operations are copied from it, and what else is kept."""

    title: str
    spec: str
    """The spec's file name in ``SPECS_DIR``."""
    repo: str
    path: str
    commit: str
    sha256: str
    operations: tuple[tuple[str, str], ...]
    """``(method, path template)`` of every operation copied."""
    note: str
    url: str | None = None
    """Where the vendor publishes the spec, when ``repo`` holds a copy of it."""
    media_type: str = "application/json"
    operation_security: bool = False
    """Keep each operation's security requirements and every scheme by name, not the global list."""
    servers: bool = False
    responses: Responses = "none"
    """``named``: each response schema once under ``schemas``, named by status code in each operation;
    ``success``: each operation's one 2xx response and the statuses it declares as ``error_schema``."""
    error_schema: str | None = None
    """With ``success`` responses: the component schema every error response uses, copied once."""
    indent: int = 2

    @property
    def output(self) -> Path:
        """The extract's default location."""
        return OUTPUT_DIR / f"{self.key}_schemas.json"

    @property
    def key(self) -> str:
        """The vendor's name on the command line."""
        return self.title.lower()


DEVHELM_PAGES = "/api/v1/status-pages"

VENDORS: dict[str, Vendor] = {
    vendor.key: vendor
    for vendor in (
        # PagerDuty's REST API v2 description.
        Vendor(
            title="PagerDuty",
            spec="pagerduty-openapiv3.json",
            repo="PagerDuty/api-schema",
            path="reference/REST/openapiv3.json",
            commit="91a06fb3c64b0ab2b2bd6c485d12b327dfb55c18",
            sha256="b2e80f8b83b170f29702e96a69adf230702b4ec43dddab7e348a2985c707ef35",
            operations=(
                ("GET", "/incidents"),
                ("POST", "/incidents"),
                ("PUT", "/incidents"),
                ("GET", "/incidents/{id}"),
                ("PUT", "/incidents/{id}"),
                ("GET", "/incidents/{id}/notes"),
                ("POST", "/incidents/{id}/notes"),
                ("GET", "/log_entries"),
                ("GET", "/priorities"),
            ),
            note=f"{INLINED}allOf, oneOf and nullable are kept as in the spec. {PARAMETERS_KEPT}",
        ),
        # Rootly's API v1 description, as committed in rootly-mcp-server. Rootly declares no header
        # parameters, speaks JSON:API and names a security requirement on each operation.
        Vendor(
            title="Rootly",
            spec="rootly-swagger.json",
            repo="rootlyhq/rootly-mcp-server",
            path="src/rootly_mcp_server/data/swagger.json",
            url="https://rootly-heroku.s3.amazonaws.com/swagger/v1/swagger.json",
            commit="4fa62718f9a4f6e2db236754d14ec8c4314e8780",
            sha256="8ea7bf31afc6914b88910839458de51dd8468ef85f0e9a1fb3dc7270f8b23830",
            operations=(
                ("GET", "/v1/incidents"),
                ("POST", "/v1/incidents"),
                ("GET", "/v1/incidents/{id}"),
                ("PUT", "/v1/incidents/{id}"),
                ("POST", "/v1/incidents/{id}/assign_role_to_user"),
                ("DELETE", "/v1/incidents/{id}/unassign_role_from_user"),
                ("PUT", "/v1/incidents/{id}/resolve"),
                ("PUT", "/v1/incidents/{id}/mitigate"),
                ("PUT", "/v1/incidents/{id}/cancel"),
                ("PUT", "/v1/incidents/{id}/restart"),
                ("PUT", "/v1/incidents/{id}/in_triage"),
                ("GET", "/v1/incidents/{incident_id}/events"),
                ("POST", "/v1/incidents/{incident_id}/events"),
                ("GET", "/v1/severities"),
                ("GET", "/v1/incident_roles"),
            ),
            note=f"{INLINED}allOf, anyOf and nullable are kept as in the spec. Response schemas are stored "
            "once under 'schemas' and named by each operation.",
            media_type="application/vnd.api+json",
            operation_security=True,
            responses="named",
            indent=1,
        ),
        # DevHelm's API description: the status-page operations the provider or the sandbox uses.
        Vendor(
            title="DevHelm",
            spec="devhelm-monitoring-api.json",
            repo="devhelmhq/sdk-python",
            path="docs/openapi/monitoring-api.json",
            commit="d7a3516f279a3e5e83797a8277a0a5f7e8c279a6",
            sha256="66ec94588650e57d39bcda99837d1350db0c368985cbe955f676c1858284180e",
            operations=(
                ("GET", DEVHELM_PAGES),
                ("GET", DEVHELM_PAGES + "/{id}"),
                ("GET", DEVHELM_PAGES + "/{id}/incidents"),
                ("POST", DEVHELM_PAGES + "/{id}/incidents"),
                ("GET", DEVHELM_PAGES + "/{id}/incidents/{incidentId}"),
                ("PUT", DEVHELM_PAGES + "/{id}/incidents/{incidentId}"),
                ("POST", DEVHELM_PAGES + "/{id}/incidents/{incidentId}/updates"),
            ),
            note=f"{INLINED}allOf, oneOf and nullable are kept as in the spec. {PARAMETERS_KEPT} Each "
            "operation keeps its one 2xx response schema and the statuses it declares as ErrorResponse.",
            servers=True,
            responses="success",
            error_schema="ErrorResponse",
        ),
        # Statuspage's API description as published at developer.statuspage.io (swagger.json), kept current
        # in a generated Go client's repository; no licence is stated there.
        Vendor(
            title="Statuspage",
            spec="statuspage-swagger.json",
            repo="sbecker59/statuspage-api-client-go",
            path="swagger.json",
            url="https://developer.statuspage.io/",
            commit="bc4d957c958f5881e11c687068783591c2a58604",
            sha256="5a26194f502879f592395ed9648ba3a3ddb61e11c84bfe70d284916e4fc9d400",
            operations=(
                ("GET", "/pages"),
                ("GET", "/pages/{page_id}"),
                ("GET", "/pages/{page_id}/incidents"),
                ("POST", "/pages/{page_id}/incidents"),
                ("GET", "/pages/{page_id}/incidents/unresolved"),
                ("GET", "/pages/{page_id}/incidents/{incident_id}"),
                ("PATCH", "/pages/{page_id}/incidents/{incident_id}"),
            ),
            note=f"{INLINED}{PARAMETERS_KEPT} Each operation keeps its one 2xx response schema and the "
            "statuses it declares as ErrorEntity. The source repository states no licence: the document is "
            "Atlassian's published description of its API, copied in part to test requests against it.",
            servers=True,
            responses="success",
            error_schema="ErrorEntity",
        ),
        # incident.io's public API description (v1 and v2 together), as the generated client
        # expobrain/python-incidentio-client keeps it: api.incident.io/v1/openapi.json converted to 3.0.
        Vendor(
            title="IncidentIO",
            spec="incident_io_openapi.json",
            repo="expobrain/python-incidentio-client",
            path="incident_io_openapi.json",
            url="https://api.incident.io/v1/openapi.json",
            commit="10f08e57ef4fd0679f74f8922b48841e9d7cd831",
            sha256="f2b8dba47f31b38827585d624b146fe89321be632e70f89dab443327f73b8873",
            operations=(
                ("GET", "/v1/identity"),
                ("GET", "/v1/incident_statuses"),
                ("GET", "/v1/severities"),
                ("GET", "/v2/incident_roles"),
                ("GET", "/v2/incidents"),
                ("POST", "/v2/incidents"),
                ("GET", "/v2/incidents/{id}"),
                ("POST", "/v2/incidents/{id}/actions/edit"),
                ("GET", "/v2/incident_updates"),
            ),
            note=f"{INLINED}nullable is kept as in the spec. {PARAMETERS_KEPT} Response schemas are stored "
            "once under 'schemas' and named by each operation.",
            responses="named",
        ),
    )
}
"""Every vendor with a contract test, by its name on the command line."""


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
        """A copy of ``node`` with every reference replaced by its target."""
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


def _media(container: Mapping[str, Any], media_type: str, where: str) -> Mapping[str, Any]:
    """The ``media_type`` entry of a request body or response that has a schema."""
    media = container.get("content", {}).get(media_type)
    if not isinstance(media, Mapping) or "schema" not in media:
        raise ExtractError(f"{where}: no {media_type} schema")
    return media


def _request_body(
    inliner: Inliner, operation: Mapping[str, Any], media_type: str, where: str
) -> JsonObject | None:
    """The request body's schema, whether it is required and the spec's examples (the key only when any)."""
    raw = operation.get("requestBody")
    if raw is None:
        return None
    body = inliner.inline(raw)
    media = _media(body, media_type, f"{where} request body")
    kept = {
        "required": bool(body.get("required", False)),
        "content_type": media_type,
        "schema": media["schema"],
    }
    examples = {
        name: example["value"] for name, example in media.get("examples", {}).items() if "value" in example
    }
    if "example" in media:
        examples["example"] = media["example"]
    return kept | {"examples": examples} if examples else kept


def _named_responses(
    inliner: Inliner, operation: Mapping[str, Any], media_type: str, schemas: JsonObject, where: str
) -> dict[str, str]:
    """Status code -> name of its response schema, each schema copied once into ``schemas``."""
    names: dict[str, str] = {}
    for code, response in sorted(operation.get("responses", {}).items()):
        schema = _media(response, media_type, f"{where} response {code}")["schema"]
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        name = ref.removeprefix(SCHEMA_PREFIX) if isinstance(ref, str) else f"{where} {code}"
        if name not in schemas:
            schemas[name] = inliner.inline(schema)
        names[code] = name
    return names


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


def _error_statuses(operation: Mapping[str, Any], error_ref: str, where: str) -> list[int]:
    """The error statuses an operation declares; each must use the uniform error schema ``error_ref``."""
    statuses = []
    for code, response in operation.get("responses", {}).items():
        if code.startswith("2"):
            continue
        refs = [media.get("schema", {}).get("$ref") for media in response.get("content", {}).values()]
        if refs != [error_ref]:
            raise ExtractError(f"{where}: the {code} response is not a {error_ref} ({refs})")
        statuses.append(int(code))
    return statuses


def _error_ref(vendor: Vendor) -> str:
    """The reference to the vendor's uniform error schema."""
    if vendor.error_schema is None:
        raise ExtractError(f"{vendor.title}: success responses need an error_schema")
    return SCHEMA_PREFIX + vendor.error_schema


def _operation(
    vendor: Vendor,
    inliner: Inliner,
    spec: Mapping[str, Any],
    method: str,
    template: str,
    schemas: JsonObject,
) -> JsonObject:
    """One operation's entry in the extract."""
    where = f"{method} {template}"
    path_item = spec.get("paths", {}).get(template)
    if not isinstance(path_item, Mapping) or method.lower() not in path_item:
        raise ExtractError(f"{where}: not in the spec")
    operation = path_item[method.lower()]
    entry: JsonObject = {"method": method, "path": template, "operation_id": operation.get("operationId")}
    if vendor.operation_security:
        entry["security"] = operation.get("security", spec.get("security", []))
    entry["parameters"] = _parameters(inliner, path_item, operation, where)
    entry["request_body"] = _request_body(inliner, operation, vendor.media_type, where)
    if vendor.responses == "named":
        entry["responses"] = _named_responses(inliner, operation, vendor.media_type, schemas, where)
    elif vendor.responses == "success":
        entry["response"] = _success(inliner, operation, where)
        entry["error_statuses"] = _error_statuses(operation, _error_ref(vendor), where)
    return entry


def _security(vendor: Vendor, inliner: Inliner, spec: Mapping[str, Any]) -> JsonObject:
    """Every scheme by name, or the schemes of the global requirements as a list."""
    schemes = spec.get("components", {}).get("securitySchemes", {})
    if vendor.operation_security:
        return {"security_schemes": inliner.inline(schemes)}
    return {
        "security": [
            inliner.inline(schemes[name]) | {"scheme_name": name}
            for requirement in spec.get("security", ())
            for name in requirement
            if name in schemes
        ]
    }


def extract(vendor: Vendor, spec: Mapping[str, Any], *, commit: str, sha256: str) -> JsonObject:
    """The extract of ``vendor.operations``, ready to be written as JSON."""
    inliner = Inliner(spec)
    schemas: JsonObject = {}
    operations = {
        f"{method} {template}": _operation(vendor, inliner, spec, method, template, schemas)
        for method, template in vendor.operations
    }
    security = _security(vendor, inliner, spec)
    error_response = inliner.inline({"$ref": _error_ref(vendor)}) if vendor.responses == "success" else None
    source: JsonObject = {"repo": vendor.repo, "path": vendor.path}
    if vendor.url is not None:
        source["url"] = vendor.url
    source |= {
        "commit": commit,
        "sha256": sha256,
        "openapi": spec.get("openapi"),
        "info_version": spec.get("info", {}).get("version"),
    }
    if vendor.servers:
        source["servers"] = [server.get("url") for server in spec.get("servers", ())]
    source |= {
        "operations": list(operations),
        "refs_inlined": sorted(inliner.refs_inlined),
        "recursive_refs": sorted(inliner.recursive_refs),
        "generated_by": f"{SCRIPT} {vendor.key}",
        "note": vendor.note,
    }
    result: JsonObject = {"source": source, **security}
    if error_response is not None:
        result["error_response"] = error_response
    result["operations"] = operations
    if vendor.responses == "named":
        result["schemas"] = dict(sorted(schemas.items()))
    return result


def render(vendor: Vendor, extract_: Mapping[str, Any]) -> str:
    """The extract as the JSON text that is written."""
    return json.dumps(extract_, indent=vendor.indent, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write or check one vendor's extract; the exit status says how it went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("vendor", choices=list(VENDORS), help="whose spec to extract")
    parser.add_argument(
        "spec", nargs="?", type=Path, help=f"the vendor's spec (default: its file in {SPECS_DIR})"
    )
    parser.add_argument(
        "--output", type=Path, help=f"where to write (default: {OUTPUT_DIR}/VENDOR_schemas.json)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the output file is not up to date")
    parser.add_argument(
        "--commit",
        help="the commit of SPEC in the vendor's repository, required when SPEC is not the known one",
    )
    args = parser.parse_args(argv)
    vendor = VENDORS[args.vendor]
    spec_file: Path = args.spec or SPECS_DIR / vendor.spec
    output: Path = args.output or vendor.output

    raw = spec_file.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    commit: str | None = args.commit
    if commit is None:
        if sha256 != vendor.sha256:
            parser.error(
                f"{spec_file} is not the spec of {vendor.repo} commit {vendor.commit} (sha256 {sha256}); "
                "pass --commit"
            )
        commit = vendor.commit
    try:
        text = render(vendor, extract(vendor, json.loads(raw), commit=commit, sha256=sha256))
    except ExtractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            print(f"{output} is out of date; run {SCRIPT} {vendor.key}", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(text.encode())} bytes, {len(vendor.operations)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
