"""Statuspage routes (mounted at ``/statuspage``, standing for ``https://api.statuspage.io/v1``): the
``OAuth`` key, the per-key rate limit, pages and their incidents."""

from __future__ import annotations

import hmac
import json
import math
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..core import SandboxHTTPError, VendorBackend, utc_iso
from ..state import SandboxState
from .store import COMPONENTS, PAGE_ID, Incident, StatuspageStore, load_samples
from .validation import (
    MAINTENANCE,
    REALTIME,
    IncidentBody,
    StatuspageError,
    parse_incident,
    parse_paging,
    unauthorized,
)

if TYPE_CHECKING:
    from datetime import datetime

RATE_LIMITED = 420
"""The sandbox answers its own limit with 420, the older of the two statuses the spec names for it."""


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc_iso(moment)


def render(incident: Incident) -> dict[str, Any]:
    """The spec's ``Incident`` object, its updates newest first."""
    return {
        "id": incident.id,
        "page_id": incident.page_id,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        "impact_override": incident.impact_override,
        "created_at": utc_iso(incident.created_at),
        "updated_at": utc_iso(incident.updated_at),
        "monitoring_at": _iso(incident.monitoring_at),
        "resolved_at": _iso(incident.resolved_at),
        "shortlink": f"https://stspg.io/{incident.id[:5]}",
        "metadata": incident.metadata,
        "components": [
            {"id": cid, "page_id": incident.page_id, "name": COMPONENTS[cid], "status": status}
            for cid, status in incident.components.items()
        ],
        "incident_updates": [
            {
                "id": update.id,
                "incident_id": incident.id,
                "status": update.status,
                "body": update.body,
                "created_at": utc_iso(update.created_at),
                "display_at": utc_iso(update.created_at),
                "deliver_notifications": update.deliver_notifications,
            }
            for update in incident.updates
        ],
    }


class StatuspageBackend(VendorBackend):
    """The emulated Statuspage account behind ``/statuspage``."""

    name = "statuspage"

    @classmethod
    def connection_extra(cls) -> dict[str, Any]:
        return {"page_id": PAGE_ID}

    def __init__(self, sandbox: SandboxState) -> None:
        super().__init__(sandbox)
        self.store = StatuspageStore()

    def reset(self, *, empty: bool) -> None:
        self.store = StatuspageStore()
        if not empty:
            load_samples(self.store, self.sandbox.clock.now())

    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        if status_code == 404:
            return StatuspageError(404, "The requested resource could not be found.")
        return StatuspageError(status_code, detail)

    async def guard(self, request: Request) -> None:
        """``Authorization: OAuth <key>`` (or the documented ``api_key`` query parameter), then the limit."""
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip() if scheme == "OAuth" else request.query_params.get("api_key", "")
        if not key or not hmac.compare_digest(key.encode(), self.token.encode()):
            raise unauthorized()
        decision = self.rate_decision(request.scope, key)
        if decision.allowed:
            return
        if self.settings.bare_429:
            raise SandboxHTTPError(429, None)
        wait = str(math.ceil(decision.real_reset(self.sandbox.clock.time_scale)))
        headers = {} if self.settings.omit_rate_limit_headers else {"Retry-After": wait}
        raise StatuspageError(
            RATE_LIMITED, "Rate limit exceeded: 1 request per second per API token", None, headers
        )

    @staticmethod
    async def body(request: Request) -> Any:
        raw = await request.body()
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise StatuspageError(415, "Send the body as application/json")
        try:
            return json.loads(raw)
        except ValueError:
            raise StatuspageError(400, "The request body is not valid JSON") from None

    # ------------------------------------------------------------ scripted changes

    def scripted_statuses(self) -> tuple[str, ...]:
        return REALTIME + MAINTENANCE

    def _incident(self, ref_or_id: str) -> Incident:
        page_id, _, incident_id = ref_or_id.strip().rpartition("/")
        incident = self.store.incidents.get(incident_id)
        if incident is None or (page_id and page_id != incident.page_id):
            raise StatuspageError(404, "The requested resource could not be found.")
        return incident

    def incident_ref(self, ref_or_id: str) -> str:
        incident = self._incident(ref_or_id)
        return f"{incident.page_id}/{incident.id}"

    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        """An incident update posted in the dashboard, subscribers not notified."""
        incident = self._incident(ref_or_id)
        body = {"status": status, "body": f"Scheduled change to {status}", "deliver_notifications": False}
        self.store.apply(incident, IncidentBody(body), at)
        return f"{incident.page_id}/{incident.id}"

    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        """On the sandbox connection's page with an opening update (a maintenance status: a maintenance)."""
        body: dict[str, Any] = {"name": title, "body": "Scheduled incident.", "deliver_notifications": False}
        if status is not None:
            body["status"] = status
        incident = self.store.create(PAGE_ID, IncidentBody(body), at)
        return f"{incident.page_id}/{incident.id}"

    # ------------------------------------------------------------ routes

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/pages", dependencies=[Depends(self.guard)])

        def now() -> datetime:
            return self.sandbox.clock.now()

        @router.get("")
        async def pages() -> JSONResponse:
            return JSONResponse([{"id": PAGE_ID, "name": "Sandbox status"}])

        @router.get("/{page_id}")
        async def page(page_id: str) -> JSONResponse:
            return JSONResponse({"id": self.store.page(page_id), "name": "Sandbox status"})

        @router.get("/{page_id}/incidents")
        async def list_incidents(page_id: str, request: Request) -> JSONResponse:
            number, size = parse_paging(request.query_params.multi_items(), "limit")
            found = self.store.listed(page_id)[(number - 1) * size : number * size]
            return JSONResponse([render(incident) for incident in found])

        @router.get("/{page_id}/incidents/unresolved")
        async def unresolved(page_id: str, request: Request) -> JSONResponse:
            number, size = parse_paging(request.query_params.multi_items(), "per_page")
            found = self.store.listed(page_id, unresolved=True)[(number - 1) * size : number * size]
            return JSONResponse([render(incident) for incident in found])

        @router.post("/{page_id}/incidents", status_code=201)
        async def create(page_id: str, request: Request) -> JSONResponse:
            self.store.page(page_id)
            body = parse_incident(await self.body(request), creating=True)
            return JSONResponse(render(self.store.create(page_id, body, now())), status_code=201)

        @router.get("/{page_id}/incidents/{incident_id}")
        async def get(page_id: str, incident_id: str) -> JSONResponse:
            return JSONResponse(render(self.store.incident(page_id, incident_id)))

        @router.patch("/{page_id}/incidents/{incident_id}")
        async def update(page_id: str, incident_id: str, request: Request) -> JSONResponse:
            incident = self.store.incident(page_id, incident_id)
            body = parse_incident(await self.body(request), creating=False)
            return JSONResponse(render(self.store.apply(incident, body, now())))

        return router
