"""JSON rendering of Pinghome incidents (field names follow the documented create/update bodies)."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from .model import Incident


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with microseconds: precise enough to page on ``last_received_at``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def incident(item: Incident) -> dict[str, Any]:
    return {
        "id": item.id,
        "team_id": item.team_id,
        "name": item.name,
        "description": item.description,
        "urgency": item.urgency,
        "status": item.status,
        "assignees": [{"type": a.type, "id": a.id} for a in item.assignees],
        "actions": [dict(action) for action in item.actions],
        "received_at": timestamp(item.received_at),
        "created_at": timestamp(item.received_at),
        "updated_at": timestamp(item.updated_at),
        "acknowledged_at": timestamp(item.acknowledged_at),
        "resolved_at": timestamp(item.resolved_at),
    }
