"""JSON rendering of DevHelm entities in the shapes of the spec's DTOs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core import utc_iso
from .model import SANDBOX_USER_ID

if TYPE_CHECKING:
    from datetime import datetime

    from .model import Incident, StatusPage, TimelineUpdate


def _iso(moment: datetime | None) -> str | None:
    return utc_iso(moment) if moment is not None else None


def update(item: TimelineUpdate) -> dict[str, Any]:
    """A ``StatusPageIncidentUpdateDto``."""
    return {
        "id": item.id,
        "status": item.status,
        "body": item.body,
        "createdBy": item.created_by,
        "notifySubscribers": item.notify_subscribers,
        "createdAt": utc_iso(item.created_at),
        "createdByUserId": SANDBOX_USER_ID,
    }


def incident(item: Incident, page: StatusPage, *, timeline: bool = True) -> dict[str, Any]:
    """A ``StatusPageIncidentDto``; lists leave ``updates`` null (only GET one returns the timeline)."""
    return {
        "id": item.id,
        "statusPageId": item.page_id,
        "title": item.title,
        "status": item.status,
        "impact": item.impact,
        "scheduled": False,
        "scheduledFor": None,
        "scheduledUntil": None,
        "autoResolve": False,
        "incidentId": None,
        "startedAt": utc_iso(item.started_at),
        "publishedAt": _iso(item.published_at),
        "resolvedAt": _iso(item.resolved_at),
        "createdByUserId": SANDBOX_USER_ID,
        "postmortemBody": item.postmortem_body,
        "postmortemUrl": item.postmortem_url,
        "affectedComponents": [
            {
                "statusPageComponentId": component_id,
                "componentStatus": status,
                "componentName": page.components[component_id].name,
            }
            for component_id, status in item.affected.items()
        ],
        "updates": [update(entry) for entry in item.updates] if timeline else None,
        "createdAt": utc_iso(item.created_at),
        "updatedAt": utc_iso(item.updated_at),
    }


def status_page(page: StatusPage) -> dict[str, Any]:
    """A ``StatusPageDto``."""
    return {
        "id": page.id,
        "organizationId": 1,
        "workspaceId": 1,
        "name": page.name,
        "slug": page.slug,
        "description": None,
        "branding": {"hidePoweredBy": False, "showSubscribeButton": True},
        "visibility": "PUBLIC",
        "enabled": True,
        "incidentMode": "MANUAL",
        "componentCount": len(page.components),
        "subscriberCount": 0,
        "overallStatus": "OPERATIONAL",
        "managedBy": "API",
        "createdAt": utc_iso(page.created_at),
        "updatedAt": utc_iso(page.created_at),
    }


def table(items: list[dict[str, Any]], page: int, size: int, total: int) -> dict[str, Any]:
    """A ``TableValueResult`` envelope for one page of ``size`` items out of ``total``."""
    return {
        "data": items,
        "hasNext": (page + 1) * size < total,
        "hasPrev": page > 0,
        "totalElements": total,
        "totalPages": -(-total // size),
    }
