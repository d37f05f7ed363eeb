"""DevHelm status-page routes (mounted at ``/devhelm``): Bearer auth, rate limit, incidents, timeline."""

from __future__ import annotations

import hmac
import json
import math
import uuid
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..core import SandboxHTTPError, VendorBackend
from ..middleware import response_headers
from ..state import SandboxState
from . import render
from .errors import DevHelmError, not_found, rate_limited, short, unauthorized
from .model import STATUSES
from .seed import DEFAULT_STATUS_PAGE_ID, load_samples, new_store
from .validation import (
    CreateRequest,
    TimelineRequest,
    parse_create,
    parse_list_query,
    parse_paging,
    parse_timeline,
    parse_update,
    parse_uuid,
)

if TYPE_CHECKING:
    from datetime import datetime

    from .model import Incident
    from .store import DevHelmStore

PAGES = "/api/v1/status-pages"


def parse_bearer(authorization: str | None) -> str | None:
    """The credential of ``Authorization: Bearer <key>`` (an API key or an Auth0 JWT)."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    return rest.strip() or None if scheme.lower() == "bearer" else None


class DevHelmBackend(VendorBackend):
    """The emulated DevHelm workspace behind ``/devhelm``."""

    name = "devhelm"

    @classmethod
    def connection_extra(cls) -> dict[str, Any]:
        """The sample status page, so bare incident ids resolve and listing works."""
        return {"status_page_id": DEFAULT_STATUS_PAGE_ID}

    def __init__(self, sandbox: SandboxState) -> None:
        super().__init__(sandbox)
        self.store = new_store(sandbox.clock.now())

    def reset(self, *, empty: bool) -> None:
        now = self.sandbox.clock.now()
        self.store = new_store(now)
        if not empty:
            load_samples(self.store, now)

    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        return DevHelmError(status_code, "Resource not found" if status_code == 404 else detail)

    # ------------------------------------------------------------ scripted changes

    def scripted_statuses(self) -> tuple[str, ...]:
        return STATUSES

    def _incident(self, ref_or_id: str) -> Incident:
        """By ``pageId/incidentId`` (the page must be the incident's) or by the incident id alone."""
        page_id, _, incident_id = ref_or_id.strip().lower().rpartition("/")
        incident = self.store.incidents.get(incident_id)
        if incident is None or (page_id and incident.page_id != page_id):
            raise not_found("Incident")
        return incident

    def incident_ref(self, ref_or_id: str) -> str:
        incident = self._incident(ref_or_id)
        return f"{incident.page_id}/{incident.id}"

    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        """A timeline update posted in the dashboard, without notifying subscribers; DevHelm allows any
        move, reopening included."""
        incident = self._incident(ref_or_id)
        update = TimelineRequest(status, f"Scheduled change to {status.lower()}", notify_subscribers=False)
        self.store.post_update(incident, update, at)
        return f"{incident.page_id}/{incident.id}"

    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        """On the sandbox connection's status page, minor impact, with an opening timeline update."""
        opening = status or "INVESTIGATING"
        body = f"Scheduled incident, {opening.lower()}."
        request = CreateRequest(title, "MINOR", body, opening, notify_subscribers=False)
        incident = self.store.create(DEFAULT_STATUS_PAGE_ID, request, at)
        return f"{incident.page_id}/{incident.id}"

    # ------------------------------------------------------------ request guards

    async def guard(self, request: Request) -> None:
        """Every call: authenticate, then count against the key's per-minute window (DevHelm's headers)."""
        token = parse_bearer(request.headers.get("authorization"))
        if token is None or not hmac.compare_digest(token.encode(), self.token.encode()):
            raise unauthorized()
        settings = self.settings
        decision = self.rate_decision(request.scope, token)
        extra = response_headers(request.scope)
        extra["X-Request-Id"] = str(uuid.uuid4())
        if not decision.allowed and settings.bare_429:
            raise SandboxHTTPError(429, None)
        if not settings.omit_rate_limit_headers:
            extra.update(
                {
                    "X-RateLimit-Limit": str(decision.limit),
                    "X-RateLimit-Remaining": str(decision.remaining),
                    "X-RateLimit-Reset": decision.reset_epoch(self.sandbox.clock.time_scale),
                }
            )
        if not decision.allowed:
            wait = math.ceil(decision.real_reset(self.sandbox.clock.time_scale))
            retry = {} if settings.omit_rate_limit_headers else {"Retry-After": str(wait)}
            raise rate_limited(retry)

    @staticmethod
    async def body(request: Request) -> Any:
        """A write's JSON body; anything but ``application/json`` is 415, as Spring answers."""
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise DevHelmError(
                415, f"Content-Type {short(content_type) if content_type else '(none)'} is not supported"
            )
        raw = await request.body()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise DevHelmError(400, "Malformed JSON request body") from None

    # ------------------------------------------------------------ routes

    def router(self) -> APIRouter:
        router = APIRouter(dependencies=[Depends(self.guard)])

        def store() -> DevHelmStore:  # looked up per request: reset replaces the store
            return self.store

        def now() -> Any:
            return self.sandbox.clock.now()

        def incident_at(page_id: str, incident_id: str) -> Incident:
            page = parse_uuid(page_id, "id", "Status page")
            return store().get(page, parse_uuid(incident_id, "incidentId", "Incident"))

        def one(incident: Incident, status_code: int = 200) -> JSONResponse:
            page = store().page(incident.page_id)
            return JSONResponse({"data": render.incident(incident, page)}, status_code=status_code)

        @router.get(PAGES)
        async def list_pages(request: Request) -> JSONResponse:
            page, size = parse_paging(request.query_params.multi_items())
            pages = sorted(store().pages.values(), key=lambda p: p.created_at)
            items = [render.status_page(p) for p in pages[page * size : (page + 1) * size]]
            return JSONResponse(render.table(items, page, size, len(pages)))

        @router.get(PAGES + "/{page_id}")
        async def get_page(page_id: str) -> JSONResponse:
            page = store().page(parse_uuid(page_id, "id", "Status page"))
            return JSONResponse({"data": render.status_page(page)})

        @router.get(PAGES + "/{page_id}/incidents")
        async def list_incidents(page_id: str, request: Request) -> JSONResponse:
            page = store().page(parse_uuid(page_id, "id", "Status page"))
            query = parse_list_query(request.query_params.multi_items())
            found = store().query(page.id, query.statuses)
            chunk = found[query.page * query.size : (query.page + 1) * query.size]
            items = [render.incident(incident, page, timeline=False) for incident in chunk]
            return JSONResponse(render.table(items, query.page, query.size, len(found)))

        @router.post(PAGES + "/{page_id}/incidents", status_code=201)
        async def create_incident(page_id: str, request: Request) -> JSONResponse:
            page = store().page(parse_uuid(page_id, "id", "Status page"))
            incident = store().create(page.id, parse_create(await self.body(request)), now())
            return one(incident, 201)

        @router.get(PAGES + "/{page_id}/incidents/{incident_id}")
        async def get_incident(page_id: str, incident_id: str) -> JSONResponse:
            return one(incident_at(page_id, incident_id))

        @router.put(PAGES + "/{page_id}/incidents/{incident_id}")
        async def update_incident(page_id: str, incident_id: str, request: Request) -> JSONResponse:
            incident = incident_at(page_id, incident_id)
            return one(store().update(incident, parse_update(await self.body(request)), now()))

        @router.post(PAGES + "/{page_id}/incidents/{incident_id}/updates", status_code=201)
        async def post_update(page_id: str, incident_id: str, request: Request) -> JSONResponse:
            incident = incident_at(page_id, incident_id)
            return one(store().post_update(incident, parse_timeline(await self.body(request)), now()), 201)

        return router
