"""Rootly API v1 routes (mounted at ``/rootly``): bearer auth, rate limits, incidents, events, severities,
incident roles and their assignment."""

from __future__ import annotations

import hmac
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..core import RateDecision, SandboxHTTPError, VendorBackend
from ..middleware import response_headers
from ..state import SandboxState
from .errors import RootlyError, not_found, rate_limited, unauthorized, unsupported_media_type
from .model import MAINTENANCE_STATUSES, STATUSES
from .render import Renderer
from .seed import SCRIPTED_ACTOR_ID, USERS, load_samples, new_store
from .validation import (
    parse_create,
    parse_event,
    parse_in_triage,
    parse_include,
    parse_list_query,
    parse_page,
    parse_role_assignment,
    parse_transition,
    parse_update,
)

if TYPE_CHECKING:
    from datetime import datetime

    from .model import User
    from .store import RootlyStore

MEDIA_TYPE = "application/vnd.api+json"
READ_METHODS = ("GET", "HEAD", "OPTIONS")
TRANSITIONS = {
    "resolve": "resolution_message",
    "mitigate": "mitigation_message",
    "cancel": "cancellation_message",
    "restart": None,
}


def parse_token(authorization: str | None) -> str | None:
    """The credential of ``Bearer <token>``; anything else is no credential."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    return rest.strip() or None if scheme.lower() == "bearer" else None


def rate_limit_headers(decision: RateDecision, time_scale: float) -> dict[str, str]:
    """Rootly's ``X-RateLimit-*`` headers; the reset is a UTC epoch in (real) seconds."""
    limit, remaining = decision.limit, decision.remaining
    return {
        "x-ratelimit-limit": f"{limit}, {limit};window=60",
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-used": str(limit - remaining),
        "x-ratelimit-reset": decision.reset_epoch(time_scale),
    }


class RootlyBackend(VendorBackend):
    """The emulated Rootly organization behind ``/rootly``."""

    name = "rootly"

    def __init__(self, sandbox: SandboxState) -> None:
        super().__init__(sandbox)
        self.store = new_store(sandbox.clock.now())

    def reset(self, *, empty: bool) -> None:
        now = self.sandbox.clock.now()
        self.store = new_store(now)
        if not empty:
            load_samples(self.store, now)

    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        if status_code == 404:
            return not_found()
        return RootlyError(status_code, detail)

    # ------------------------------------------------------------ scripted changes

    def scripted_statuses(self) -> tuple[str, ...]:
        return STATUSES

    def incident_ref(self, ref_or_id: str) -> str:
        """Rootly refs are plain incident ids (a slug is accepted too, as in Rootly's paths)."""
        return self.store.get(ref_or_id.strip()).id

    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        """As the scripted responder in the UI: a terminal incident must be restarted (to started) before
        any other status, and in_triage cannot skip to resolved, as Rootly's lifecycle rules say."""
        store = self.store
        incident = store.get(ref_or_id.strip())
        store.change_status_in_ui(incident, status, store.users[SCRIPTED_ACTOR_ID], at)
        return incident.id

    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        """A normal incident, started (Rootly's default) or created in an opening status, then moved on
        (to closed through resolved); a maintenance status makes a scheduled maintenance starting now."""
        store, responder = self.store, self.store.users[SCRIPTED_ACTOR_ID]
        attributes: dict[str, Any] = {"title": title, "status": "started"}
        path: list[str] = [] if status is None else [status]
        if status in ("in_triage", "started", "detected"):
            attributes["status"], path = status, []
        elif status == "closed":
            path = ["resolved", "closed"]
        elif status in MAINTENANCE_STATUSES:
            window = {"scheduled_for": at, "scheduled_until": at + timedelta(hours=1)}
            attributes.update(status="scheduled", kind="scheduled", **window)
            path = list(MAINTENANCE_STATUSES[1 : MAINTENANCE_STATUSES.index(status) + 1])
        incident = store.create(attributes, responder, at)
        for step in path:
            store.change_status_in_ui(incident, step, responder, at)
        return incident.id

    def renderer(self, request: Request) -> Renderer:
        return Renderer(self.store, str(request.base_url).rstrip("/") + self.prefix)

    # ------------------------------------------------------------ request guards

    async def guard(self, request: Request) -> None:
        """Every call: a bearer key, then one count against its read or write window (3000/min each)."""
        token = parse_token(request.headers.get("authorization"))
        if token is None or not hmac.compare_digest(token.encode(), self.token.encode()):
            raise unauthorized()
        settings = self.settings
        bucket = "read" if request.method in READ_METHODS else "write"
        decision = self.rate_decision(request.scope, token, bucket)
        if not decision.allowed and settings.bare_429:
            raise SandboxHTTPError(429, None)
        headers = rate_limit_headers(decision, self.sandbox.clock.time_scale)
        if not settings.omit_rate_limit_headers:
            response_headers(request.scope).update(headers)
        if not decision.allowed:
            raise rate_limited()

    async def body(self, request: Request) -> Any:
        """A write's JSON:API document; the media type is checked as JSON:API servers do (415)."""
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != MEDIA_TYPE:
            raise unsupported_media_type(content_type or "no Content-Type header")
        raw = await request.body()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise RootlyError(400, "Bad Request", "The request body is not valid JSON.") from None

    @property
    def actor(self) -> User:
        return self.store.users[USERS[0].id]

    # ------------------------------------------------------------ routes

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/v1", dependencies=[Depends(self.guard)])

        def store() -> RootlyStore:  # looked up per request: reset replaces the store
            return self.store

        def now() -> Any:
            return self.sandbox.clock.now()

        def one(request: Request, incident_id: str) -> JSONResponse:
            render = self.renderer(request)
            incident = store().get(incident_id)
            document: dict[str, Any] = {"data": render.incident(incident)}
            if "roles" in parse_include(request.query_params.multi_items()):
                document["included"] = [render.role_assignment(a) for a in incident.roles]
            return JSONResponse(document)

        @router.get("/incidents")
        async def list_incidents(request: Request) -> JSONResponse:
            query = parse_list_query(request.query_params.multi_items())
            render = self.renderer(request)
            items = [render.incident(i) for i in store().query(query)]
            return JSONResponse(render.page("/v1/incidents", items, query.page))

        @router.post("/incidents", status_code=201)
        async def create_incident(request: Request) -> JSONResponse:
            document = await self.body(request)
            attributes = parse_create(document)
            incident = store().create(attributes, self.actor, now())
            return JSONResponse({"data": self.renderer(request).incident(incident)}, status_code=201)

        @router.get("/incidents/{incident_id}")
        async def get_incident(incident_id: str, request: Request) -> JSONResponse:
            return one(request, incident_id)

        @router.put("/incidents/{incident_id}")
        async def update_incident(incident_id: str, request: Request) -> JSONResponse:
            incident = store().get(incident_id)
            attributes = parse_update(await self.body(request))
            store().update(incident, attributes, self.actor, now())
            return one(request, incident.id)

        @router.put("/incidents/{incident_id}/in_triage")
        async def triage_incident(incident_id: str, request: Request) -> JSONResponse:
            incident = store().get(incident_id)
            parse_in_triage(await self.body(request))
            store().transition(incident, "in_triage", None, self.actor, now())
            return one(request, incident.id)

        @router.post("/incidents/{incident_id}/assign_role_to_user")
        async def assign_role(incident_id: str, request: Request) -> JSONResponse:
            incident = store().get(incident_id)
            user_id, role_id = parse_role_assignment(await self.body(request))
            store().assign_role(incident, user_id, role_id, self.actor, now())
            return JSONResponse({"data": self.renderer(request).incident(incident)})

        @router.delete("/incidents/{incident_id}/unassign_role_from_user")
        async def unassign_role(incident_id: str, request: Request) -> JSONResponse:
            incident = store().get(incident_id)
            user_id, role_id = parse_role_assignment(await self.body(request))
            store().unassign_role(incident, user_id, role_id, self.actor, now())
            return JSONResponse({"data": self.renderer(request).incident(incident)})

        @router.put("/incidents/{incident_id}/{action}")
        async def transition_incident(incident_id: str, action: str, request: Request) -> JSONResponse:
            if action not in TRANSITIONS:
                raise not_found()
            incident = store().get(incident_id)
            message = parse_transition(
                await self.body(request), TRANSITIONS[action], attributes_required=action != "restart"
            )
            store().transition(incident, action, message, self.actor, now())
            return one(request, incident.id)

        @router.get("/incidents/{incident_id}/events")
        async def list_events(incident_id: str, request: Request) -> JSONResponse:
            incident = store().get(incident_id)
            render = self.renderer(request)
            items = [render.event(e) for e in incident.events]
            page = parse_page(request.query_params.multi_items())
            return JSONResponse(render.page(f"/v1/incidents/{incident_id}/events", items, page))

        @router.post("/incidents/{incident_id}/events", status_code=201)
        async def create_event(incident_id: str, request: Request) -> JSONResponse:
            incident = store().get(incident_id)
            text, visibility = parse_event(await self.body(request))
            event = store().add_event(incident, text, visibility, now())
            return JSONResponse({"data": self.renderer(request).event(event)}, status_code=201)

        @router.get("/severities")
        async def list_severities(request: Request) -> JSONResponse:
            render = self.renderer(request)
            items = [render.severity(s) for s in store().severities]
            page = parse_page(request.query_params.multi_items())
            return JSONResponse(render.page("/v1/severities", items, page))

        @router.get("/incident_roles")
        async def list_incident_roles(request: Request) -> JSONResponse:
            render = self.renderer(request)
            items = [render.incident_role(r) for r in store().roles]
            page = parse_page(request.query_params.multi_items())
            return JSONResponse(render.page("/v1/incident_roles", items, page))

        @router.get("/severities/{severity_id}")
        async def get_severity(severity_id: str, request: Request) -> JSONResponse:
            severity = next((s for s in store().severities if severity_id in (s.id, s.slug)), None)
            if severity is None:
                raise not_found()
            return JSONResponse({"data": self.renderer(request).severity(severity)})

        return router
