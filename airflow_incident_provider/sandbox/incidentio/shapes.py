"""The shapes of the incident.io request fields the sandbox takes but does not act on.

Custom fields, timestamps, retrospective options and Slack settings are stored nowhere, but a body that
gets their shape wrong is refused as incident.io's API refuses it (422, naming the field), so a test
cannot pass with a body the real API would turn down. Keys these objects do not declare are ignored,
as the API's schema allows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class Text:
    """A string; ``timestamp``: an RFC 3339 date-time."""

    timestamp: bool = False


@dataclass(frozen=True)
class Items:
    item: Shape


@dataclass(frozen=True)
class Fields:
    fields: Mapping[str, Shape]
    required: tuple[str, ...] = field(default=())


Shape = Text | Items | Fields

CUSTOM_FIELD_VALUE = Fields(
    {
        name: Text()
        for name in (
            "id",
            "value_catalog_entry_id",
            "value_link",
            "value_numeric",
            "value_option_id",
            "value_text",
            "value_timestamp",
        )
    }
)
SHAPES: Mapping[str, Shape] = {
    "custom_field_entries": Items(
        Fields(
            {"custom_field_id": Text(), "values": Items(CUSTOM_FIELD_VALUE)}, ("custom_field_id", "values")
        )
    ),
    "incident_timestamp_values": Items(
        Fields({"incident_timestamp_id": Text(), "value": Text(timestamp=True)}, ("incident_timestamp_id",))
    ),
    "retrospective_incident_options": Fields({"postmortem_document_url": Text(), "slack_channel_id": Text()}),
    "incident_role_assignments": Items(
        Fields(
            {
                "incident_role_id": Text(),
                "assignee": Fields({"email": Text(), "id": Text(), "slack_user_id": Text()}),
            },
            ("incident_role_id",),
        )
    ),
    **{name: Text() for name in ("slack_channel_name_override", "slack_team_id", "incident_type_id")},
}
"""Each field's shape, as incident.io's OpenAPI document declares it."""


def problem(value: Any, shape: Shape, where: str) -> tuple[str, str] | None:
    """The first thing wrong with ``value`` for ``shape`` (the field's path and what is wrong), or None."""
    if isinstance(shape, Text):
        if not isinstance(value, str):
            return where, "must be a string"
        if shape.timestamp and not _is_timestamp(value):
            return where, "must be an RFC 3339 date-time"
        return None
    if isinstance(shape, Items):
        if not isinstance(value, list):
            return where, "must be a list"
        return next(
            (found for i, item in enumerate(value) if (found := problem(item, shape.item, f"{where}[{i}]"))),
            None,
        )
    if not isinstance(value, dict):
        return where, "must be a JSON object"
    missing = [name for name in shape.required if name not in value]
    if missing:
        return f"{where}.{missing[0]}", "is required"
    return next(
        (
            found
            for name, sub in shape.fields.items()
            if name in value and (found := problem(value[name], sub, f"{where}.{name}"))
        ),
        None,
    )


def _is_timestamp(text: str) -> bool:
    if not RFC3339.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("t", "T").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
