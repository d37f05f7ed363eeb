"""UptimeIO status-page routes (mounted at ``/uptimeio``): API key, rate limit, incidents, updates."""

from __future__ import annotations

import hmac
import json
import math
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..core import SandboxHTTPError, VendorBackend
from ..state import SandboxState
from . import render
from .errors import UptimeIOError, not_found, rate_limited, unauthorized, validation_error
from .model import RESOLVED, STATUSES
from .seed import PROJECT_ID, STATUS_PAGE_ID, load_samples, new_store
from .validation import (
    PatchIncident,
    parse_create,
    parse_list_query,
    parse_new_update,
    parse_patch,
    parse_resolve,
    parse_updates_query,
    path_ids,
)

if TYPE_CHECKING:
    from datetime import datetime

    from .model import Incident, StatusPage
    from .store import UptimeIOStore

API_KEY_HEADER = "x-api-key"
PAGE_PATH = "/api/projects/{project_id}/status-pages/{page_id}/incidents"


def ok(data: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse({"success": True, "data": data}, status_code=status_code)


class UptimeIOBackend(VendorBackend):
    """The emulated UptimeIO account behind ``/uptimeio``."""

    name = "uptimeio"

    @classmethod
    def connection_extra(cls) -> dict[str, Any]:
        """The sample project and status page, so bare incident ids resolve."""
        return {"project_id": PROJECT_ID, "status_page_id": STATUS_PAGE_ID}

    def __init__(self, sandbox: SandboxState) -> None:
        super().__init__(sandbox)
        self.store = new_store()

    def reset(self, *, empty: bool) -> None:
        self.store = new_store()
        if not empty:
            load_samples(self.store, self.sandbox.clock.now())

    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        if status_code == 404:
            return not_found("Route")
        if status_code == 405:
            return UptimeIOError(405, "METHOD_NOT_ALLOWED", "Method not allowed")
        return UptimeIOError(status_code, "ERROR", detail)

    # ------------------------------------------------------------ request guards

    async def guard(self, request: Request) -> None:
        """Every call: the ``X-API-Key`` header, then the key's rate limit (429 with ``Retry-After``)."""
        key = request.headers.get(API_KEY_HEADER, "").strip()
        if not key or not hmac.compare_digest(key.encode(), self.token.encode()):
            raise unauthorized()
        settings = self.settings
        decision = self.rate_decision(request.scope, key)
        if decision.allowed:
            return
        if settings.bare_429:
            raise SandboxHTTPError(429, None)
        wait = math.ceil(decision.real_reset(self.sandbox.clock.time_scale))
        headers = {} if settings.omit_rate_limit_headers else {"Retry-After": str(wait)}
        raise rate_limited(headers)

    @staticmethod
    async def body(request: Request) -> Any:
        """The JSON body, or None when there is none; a body must be declared as JSON."""
        raw = await request.body()
        if not raw.strip():
            return None
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise validation_error("Content-Type must be application/json")
        try:
            return json.loads(raw)
        except ValueError:
            raise validation_error("Invalid JSON in request body") from None

    def page(self, project_id: str, page_id: str, action: str = "access this status page") -> StatusPage:
        path_ids(projectId=project_id, statusPageId=page_id)
        return self.store.page(project_id, page_id, action)

    def incident(
        self, project_id: str, page_id: str, incident_id: str, action: str = "access this incident"
    ) -> tuple[StatusPage, Incident]:
        path_ids(projectId=project_id, statusPageId=page_id, id=incident_id)
        page = self.store.page(project_id, page_id, action)
        return page, self.store.incident(page, incident_id)

    # ------------------------------------------------------------ scripted changes

    def scripted_statuses(self) -> tuple[str, ...]:
        return STATUSES

    def _incident(self, ref_or_id: str) -> Incident:
        """By ``projectId/pageId/incidentId`` (its own project and page) or by the incident id alone."""
        *scope, incident_id = ref_or_id.strip().lower().split("/")
        incident = self.store.incidents.get(incident_id)
        if incident is None or len(scope) not in (0, 2):
            raise not_found("Incident")
        if scope and scope != [self.store.pages[incident.status_page_id].project_id, incident.status_page_id]:
            raise not_found("Incident")
        return incident

    def _ref(self, incident: Incident) -> str:
        page = self.store.pages[incident.status_page_id]
        return f"{page.project_id}/{page.id}/{incident.id}"

    def incident_ref(self, ref_or_id: str) -> str:
        return self._ref(self._incident(ref_or_id))

    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        """A timeline update posted in the dashboard; resolving goes through resolve, which refuses an
        incident already resolved. Any other move is allowed, as UptimeIO documents no order."""
        incident = self._incident(ref_or_id)
        message = f"Scheduled change to {status}"
        if status == RESOLVED:
            self.store.resolve(incident, message, at)
        else:
            self.store.add_update(incident, message, status, at)
        return self._ref(incident)

    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        """On the sandbox connection's status page, minor severity, with an opening timeline update."""
        opening = status or STATUSES[0]
        request = PatchIncident(
            title=title, message=f"Scheduled incident, {opening}.", severity="minor", status=opening
        )
        return self._ref(self.store.create(self.store.pages[STATUS_PAGE_ID], request, at))

    # ------------------------------------------------------------ routes

    def router(self) -> APIRouter:
        router = APIRouter(prefix=PAGE_PATH, dependencies=[Depends(self.guard)])

        def store() -> UptimeIOStore:  # looked up per request: reset replaces the store
            return self.store

        def now() -> Any:
            return self.sandbox.clock.now()

        @router.get("")
        async def list_incidents(project_id: str, page_id: str, request: Request) -> JSONResponse:
            page = self.page(project_id, page_id)
            query = parse_list_query(request.query_params.multi_items())
            found = store().query(page, query)
            start = (query.page - 1) * query.limit
            # UptimeIO's paging fields are undocumented, so the sandbox sends none.
            return ok({"incidents": [render.list_item(i) for i in found[start : start + query.limit]]})

        @router.post("", status_code=201)
        async def create_incident(project_id: str, page_id: str, request: Request) -> JSONResponse:
            page = self.page(project_id, page_id, "create incidents on this status page")
            created = store().create(page, parse_create(await self.body(request)), now())
            return ok({"incident": render.incident(store(), created)}, 201)

        @router.get("/{incident_id}")
        async def get_incident(project_id: str, page_id: str, incident_id: str) -> JSONResponse:
            _, incident = self.incident(project_id, page_id, incident_id)
            return ok({"incident": render.incident(store(), incident)})

        @router.patch("/{incident_id}")
        async def update_incident(
            project_id: str, page_id: str, incident_id: str, request: Request
        ) -> JSONResponse:
            page, incident = self.incident(project_id, page_id, incident_id, "update this incident")
            changed = store().patch(page, incident, parse_patch(await self.body(request)), now())
            return ok({"incident": render.incident(store(), changed)})

        @router.post("/{incident_id}/resolve")
        async def resolve_incident(
            project_id: str, page_id: str, incident_id: str, request: Request
        ) -> JSONResponse:
            _, incident = self.incident(project_id, page_id, incident_id, "resolve this incident")
            update = store().resolve(incident, parse_resolve(await self.body(request)), now())
            return ok(
                {"incident": render.incident(store(), incident), "resolution_update": render.update(update)}
            )

        @router.get("/{incident_id}/updates")
        async def list_updates(
            project_id: str, page_id: str, incident_id: str, request: Request
        ) -> JSONResponse:
            _, incident = self.incident(project_id, page_id, incident_id)
            page, limit, order = parse_updates_query(request.query_params.multi_items())
            updates = incident.updates if order == "asc" else list(reversed(incident.updates))
            start = (page - 1) * limit
            return ok({"updates": [render.update(u) for u in updates[start : start + limit]]})

        @router.post("/{incident_id}/updates", status_code=201)
        async def add_update(
            project_id: str, page_id: str, incident_id: str, request: Request
        ) -> JSONResponse:
            _, incident = self.incident(project_id, page_id, incident_id, "update this incident")
            message, status = parse_new_update(await self.body(request))
            update = store().add_update(incident, message, status, now())
            return ok({"update": render.update(update)}, 201)

        return router
