"""JSON rendering of UptimeIO entities in the shapes shown on UptimeIO's API reference pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core import utc_iso

if TYPE_CHECKING:
    from .model import Incident, Update
    from .store import UptimeIOStore


def _iso(moment: Any) -> str | None:
    return None if moment is None else utc_iso(moment)


def update(item: Update) -> dict[str, Any]:
    return {
        "id": item.id,
        "incident_id": item.incident_id,
        "message": item.message,
        "status": item.status,
        "created_at": utc_iso(item.created_at),
        "created_by": item.created_by,
    }


def _base(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "status_page_id": incident.status_page_id,
        "title": incident.title,
        "message": incident.message,
        "severity": incident.severity,
        "status": incident.status,
        "affected_monitor_ids": list(incident.affected_monitor_ids),
        "created_at": utc_iso(incident.created_at),
        "updated_at": utc_iso(incident.updated_at),
        "resolved_at": _iso(incident.resolved_at),
    }


def incident(store: UptimeIOStore, item: Incident) -> dict[str, Any]:
    """The get/update/resolve shape: with affected monitors and the timeline, newest update first."""
    monitors = [store.monitors[m] for m in item.affected_monitor_ids if m in store.monitors]
    return {
        **_base(item),
        "affected_monitors": [
            {"id": m.id, "name": m.name, "type": m.type, "status": m.status} for m in monitors
        ],
        "updates": [update(u) for u in reversed(item.updates)],
    }


def list_item(item: Incident) -> dict[str, Any]:
    """The list shape: no timeline, only ``updates_count``."""
    return {**_base(item), "updates_count": len(item.updates)}
