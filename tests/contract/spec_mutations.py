"""Request bodies made from a vendor spec's own schema: edits of a valid body that the schema describes.

An edit adds an unknown key to an object, drops a key, or sets a property to one of the values its schema
names: each enum member, ``""`` and boundary lengths for strings, ``null`` (allowed only where nullable),
integers and booleans, empty and one-item arrays, empty, minimal and full objects, plus one value of the
wrong type. Whether an edited body is valid is never decided here: the OAS30 validator judges it.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

JsonObject = dict[str, Any]
Path = tuple[str | int, ...]
Hints = Mapping[str, Sequence[Any]]
"""Extra values for a property, by its dotted path with ``*`` for array items (``incident.service.id``):
ids that exist in the sandbox's account, which the schema cannot know."""

UNKNOWN_KEY = "x_sandbox_probe"
"""The key an ``add`` edit puts in an object: no vendor declares it."""
NAMESPACE = uuid.UUID("5b0f6c1e-8d2a-4f3b-9c7e-1a2b3c4d5e6f")


@dataclass(frozen=True)
class Edit:
    """One change to a body: ``add`` an unknown key, ``drop`` a key, or ``set`` a key to ``value``."""

    path: Path
    kind: Literal["add", "drop", "set"]
    value: Any = None

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.path)
        return f"{self.kind} {where}" + (f" = {json.dumps(self.value)[:80]}" if self.kind != "drop" else "")


def merged(schema: Mapping[str, Any]) -> JsonObject:
    """The schema with its ``allOf`` parts folded into one (properties merged, ``required`` joined)."""
    result: JsonObject = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema.get("allOf", ()):
        result = _fold(result, merged(part))
    return result


def _fold(left: JsonObject, right: JsonObject) -> JsonObject:
    result = dict(left)
    for key, value in right.items():
        if key == "properties" and "properties" in result:
            properties = dict(result["properties"])
            for name, sub in value.items():
                properties[name] = _fold(merged(properties[name]), merged(sub)) if name in properties else sub
            result["properties"] = properties
        elif key == "required" and "required" in result:
            result["required"] = sorted({*result["required"], *value})
        else:
            result[key] = value
    return result


def branches(schema: Mapping[str, Any]) -> list[JsonObject]:
    """The alternatives of a ``oneOf``/``anyOf``, merged; the schema itself when it has none."""
    node = merged(schema)
    alternatives = node.get("oneOf") or node.get("anyOf")
    return [merged(branch) for branch in alternatives] if alternatives else [node]


def _key(path: Path) -> str:
    return ".".join("*" if isinstance(part, int) else part for part in path)


def _string_values(node: Mapping[str, Any], path: Path) -> list[Any]:
    low, high = node.get("minLength", 0), node.get("maxLength")
    values: list[Any] = ["", " ", "x" * max(low, 1), "Sandbox check"]
    if low > 1:
        values.append("x" * (low - 1))
    if high is not None:
        values += ["x" * high, "x" * (high + 1)]
    if node.get("format") == "uuid":
        values += [str(uuid.uuid5(NAMESPACE, _key(path))), "not-a-uuid"]
    if node.get("format") == "date-time":
        values += ["2026-05-04T03:02:01Z", "2026-05-04T03:02:01.5+02:00", "2026-05-04", "noon"]
    if "pattern" in node:  # the one pattern these write bodies use is DevHelm's ^https?://.*
        values.append("https://status.example.com/postmortem")
    return values


def values_for(schema: Mapping[str, Any], path: Path, hints: Hints) -> list[Any]:
    """Values to set a property at ``path`` to: those its schema names, the hints, and a few it forbids."""
    values: list[Any] = list(hints.get(_key(path), ()))
    for node in branches(schema):
        if "enum" in node:
            values += [*node["enum"], "not-a-member"]
            continue
        kind = node.get("type")
        if kind == "string":
            values += [*_string_values(node, path), 7]
        elif kind == "integer":
            values += [0, 1, 2, -1, "1"]
        elif kind == "boolean":
            values += [True, False, "true"]
        elif kind == "array":
            items = node.get("items", {})
            values += [[], "x", *([value] for value in values_for(items, (*path, 0), hints)[:3])]
            values.append([minimal(items, (*path, 0), hints)])
        elif kind == "object" or "properties" in node:
            values += [{}, "x", minimal(node, path, hints), full(node, path, hints)]
    values.append(None)
    unique: dict[str, Any] = {}
    for value in values:
        unique.setdefault(json.dumps(value, sort_keys=True), value)
    return list(unique.values())


def _first(schema: Mapping[str, Any], path: Path, hints: Hints) -> Any:
    """A plausible valid value: a hint, the first enum member, or the simplest value of the type."""
    if hints.get(_key(path)):
        return hints[_key(path)][0]
    node = branches(schema)[0]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "string":
        if node.get("format") == "uuid":
            return str(uuid.uuid5(NAMESPACE, _key(path)))
        if node.get("format") == "date-time":
            return "2026-05-04T03:02:01Z"
        return "https://status.example.com/x" if "pattern" in node else "x" * max(node.get("minLength", 0), 1)
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return minimal(node, path, hints)


def minimal(schema: Mapping[str, Any], path: Path, hints: Hints) -> JsonObject:
    """An object with only its required properties, each given a plausible valid value."""
    node = merged(schema)
    properties = node.get("properties", {})
    return {name: _first(properties.get(name, {}), (*path, name), hints) for name in node.get("required", ())}


def full(schema: Mapping[str, Any], path: Path, hints: Hints) -> JsonObject:
    """An object with every declared property given a plausible valid value."""
    node = merged(schema)
    return {name: _first(sub, (*path, name), hints) for name, sub in node.get("properties", {}).items()}


def edits(body: Any, schema: Mapping[str, Any], hints: Hints, path: Path = ()) -> list[Edit]:
    """Every single edit of ``body`` (and of the objects and arrays inside it) its schema suggests."""
    found: list[Edit] = []
    node = next((b for b in branches(schema) if _fits(body, b)), merged(schema))
    if isinstance(body, dict):
        found.append(Edit((*path, UNKNOWN_KEY), "add", "probe"))
        found += [Edit((*path, key), "drop") for key in body]
        for name, sub in node.get("properties", {}).items():
            found += [Edit((*path, name), "set", value) for value in values_for(sub, (*path, name), hints)]
            if name in body:
                found += edits(body[name], sub, hints, (*path, name))
    elif isinstance(body, list):
        for index, item in enumerate(body):
            found += edits(item, node.get("items", {}), hints, (*path, index))
    return found


def _fits(value: Any, node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    if isinstance(value, dict):
        return kind in (None, "object")
    if isinstance(value, list):
        return kind == "array"
    return kind not in ("object", "array")


def value_at(body: Any, path: Path) -> Any:
    """The value at ``path`` in ``body``, or None when any step is missing."""
    for part in path:
        if isinstance(body, dict) and isinstance(part, str):
            body = body.get(part)
        elif isinstance(body, list) and isinstance(part, int):
            body = body[part] if part < len(body) else None
        else:
            return None
    return body


def apply(body: Any, changes: Sequence[Edit]) -> Any:
    """A copy of ``body`` with the edits made in order; an edit whose parent is gone is skipped."""
    result = copy.deepcopy(body)
    for change in changes:
        parent, last = value_at(result, change.path[:-1]), change.path[-1]
        if isinstance(parent, dict) and isinstance(last, str):
            if change.kind == "drop":
                parent.pop(last, None)
            else:
                parent[last] = copy.deepcopy(change.value)
    return result
