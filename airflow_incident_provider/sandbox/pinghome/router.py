"""Pinghome routes (mounted at ``/pinghome``): three services, bearer auth, sign-in, rate limit, incidents.

The services live under one prefix each, as behind Pinghome's gateway: ``/incident-cmd`` (writes),
``/incident-query`` (reads) and ``/auth`` (sign-in). The incident services answer under ``/v1`` and
``/default/v1``, both of which Pinghome's docs show.
"""

from __future__ import annotations

import hmac
import json
import math
import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..config import SIGNIN_SECRET
from ..core import SandboxHTTPError, VendorBackend
from ..middleware import response_headers
from ..state import SandboxState
from . import render
from .errors import PinghomeError, invalid, not_found, rate_limited, token_expired, unauthorized
from .model import STATUSES, Assignee
from .seed import DEFAULT_TEAM_ID, USERS, load_samples, new_store
from .validation import IncidentBody, parse_credentials, parse_incident_body, parse_paging

if TYPE_CHECKING:
    from datetime import datetime

    from .model import Incident
    from .store import PinghomeStore

VERSION_PREFIXES = ("/v1", "/default/v1")


def bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise invalid(("body", "is not valid JSON")) from None


class PinghomeBackend(VendorBackend):
    """The emulated Pinghome organisation behind ``/pinghome``."""

    name = "pinghome"

    @classmethod
    def connection_extra(cls) -> dict[str, Any]:
        """The sample team; the gateway serves Pinghome's three services under one host."""
        return {"team_id": DEFAULT_TEAM_ID}

    def __init__(self, sandbox: SandboxState) -> None:
        super().__init__(sandbox)
        self.store = new_store()

    def reset(self, *, empty: bool) -> None:
        self.store = new_store()
        if not empty:
            load_samples(self.store, self.sandbox.clock.now())

    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        if status_code == 404:
            return PinghomeError(404, "Not Found")
        return PinghomeError(status_code, detail)

    @property
    def password(self) -> str:
        return self.sandbox.config.token(SIGNIN_SECRET)

    # ------------------------------------------------------------ scripted changes

    def scripted_statuses(self) -> tuple[str, ...]:
        return STATUSES

    def _incident(self, ref_or_id: str) -> Incident:
        """By ``teamId/incidentId`` (the incident's own team) or by the incident id alone."""
        team_id, _, incident_id = ref_or_id.strip().rpartition("/")
        incident = self.store.incidents.get(incident_id)
        if incident is None or (team_id and team_id != incident.team_id):
            raise not_found("Incident")
        return incident

    def incident_ref(self, ref_or_id: str) -> str:
        incident = self._incident(ref_or_id)
        return f"{incident.team_id}/{incident.id}"

    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        """The status set in the web app: the store's full replacement with every other field kept."""
        incident = self._incident(ref_or_id)
        self._move(incident, status, at)
        return f"{incident.team_id}/{incident.id}"

    def _move(self, incident: Incident, status: str, at: datetime) -> None:
        kept = (incident.name, incident.description, incident.urgency, incident.assignees, incident.actions)
        self.store.replace(incident, IncidentBody(*kept, status), at)

    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        """Opened for the sandbox team, assigned to it, high urgency; then moved to ``status`` if given."""
        body = IncidentBody(
            title, "Scheduled incident.", "high", [Assignee("team", DEFAULT_TEAM_ID)], actions=[]
        )
        incident = self.store.create(DEFAULT_TEAM_ID, body, at)
        if status is not None and status != incident.status:
            self._move(incident, status, at)
        return f"{incident.team_id}/{incident.id}"

    # ------------------------------------------------------------ request guards

    def count(self, request: Request, identity: str) -> None:
        """Count a request against its credential's limit, with ``X-RateLimit-*`` and ``Retry-After``.

        Reset times are real time (epoch seconds and seconds), so a client's wait is right whatever the
        sandbox clock's speed or offset.
        """
        settings = self.settings
        decision = self.rate_decision(request.scope, identity)
        if not decision.allowed and settings.bare_429:
            raise SandboxHTTPError(429, None)
        scale = self.sandbox.clock.time_scale
        wait = decision.reset_seconds / scale if scale > 0 else float(decision.reset_seconds)  # real seconds
        if not settings.omit_rate_limit_headers:
            response_headers(request.scope).update(
                {
                    "x-ratelimit-limit": str(decision.limit),
                    "x-ratelimit-remaining": str(decision.remaining),
                    "x-ratelimit-reset": str(math.ceil(time.time() + wait)),
                }
            )
        if not decision.allowed:
            retry = {} if settings.omit_rate_limit_headers else {"retry-after": str(max(1, math.ceil(wait)))}
            raise rate_limited(retry)

    async def authenticate(self, request: Request) -> None:
        """Every incident call: the static token or an unexpired sign-in token, then the rate limit."""
        token = bearer(request.headers.get("authorization"))
        if token is None:
            raise unauthorized()
        if hmac.compare_digest(token.encode(), self.token.encode()):
            identity = "token:" + token
        else:
            session = self.store.sessions.get(token)
            if session is None:
                raise unauthorized()
            if self.sandbox.clock.timestamp() >= session.expires_at:
                raise token_expired()
            identity = "account:" + session.email
        self.count(request, identity)

    # ------------------------------------------------------------ routes

    def router(self) -> APIRouter:
        root = APIRouter()
        for version in VERSION_PREFIXES:
            for service, routes in (("incident-cmd", self._commands()), ("incident-query", self._queries())):
                root.include_router(self._health(), prefix=f"/{service}{version}")
                root.include_router(routes, prefix=f"/{service}{version}")
        root.include_router(self._sign_in(), prefix="/auth/v1")
        return root

    def _health(self) -> APIRouter:
        router = APIRouter()

        @router.get("/health-check")
        async def health_check() -> JSONResponse:
            return JSONResponse({"message": "Service is healthy"})

        return router

    def _store(self) -> PinghomeStore:  # looked up per request: reset replaces the store
        return self.store

    def _commands(self) -> APIRouter:
        router = APIRouter(dependencies=[Depends(self.authenticate)])

        @router.post("/team/{team_id}/incident", status_code=201)
        async def create_incident(team_id: str, request: Request) -> JSONResponse:
            body = parse_incident_body(await json_body(request), replace=False)
            incident = self._store().create(team_id, body, self.sandbox.clock.now())
            return JSONResponse({"message": "Incident created", "id": incident.id}, status_code=201)

        @router.put("/incident/{incident_id}")
        async def update_incident(incident_id: str, request: Request) -> JSONResponse:
            incident = self._store().get(incident_id)
            body = parse_incident_body(await json_body(request), replace=True)
            self._store().replace(incident, body, self.sandbox.clock.now())
            return JSONResponse({"message": "Incident updated"})

        return router

    def _queries(self) -> APIRouter:
        router = APIRouter(dependencies=[Depends(self.authenticate)])

        @router.get("/team/{team_id}/incidents")
        async def list_incidents(team_id: str, request: Request) -> JSONResponse:
            limit, cursor = parse_paging(request.query_params.multi_items())
            page, next_cursor = self._store().page(team_id, limit, cursor)
            return JSONResponse(
                {
                    "incidents": [render.incident(item) for item in page],
                    "last_received_at": render.timestamp(next_cursor),
                }
            )

        @router.get("/incident/{incident_id}/actions")
        async def list_actions(incident_id: str) -> JSONResponse:
            return JSONResponse({"actions": [dict(a) for a in self._store().get(incident_id).actions]})

        return router

    def _sign_in(self) -> APIRouter:
        router = APIRouter()

        @router.post("/auth")
        async def sign_in(request: Request) -> JSONResponse:
            credentials = parse_credentials(await json_body(request))
            email = credentials.email.strip().lower()
            self.count(request, "account:" + email)
            user = next((u for u in USERS if u.email == email), None)
            if user is None or not hmac.compare_digest(credentials.password.encode(), self.password.encode()):
                raise unauthorized("Incorrect email or password")
            token, lifetime = self._store().sign_in(email, self.sandbox.clock.timestamp())
            return JSONResponse(
                {
                    "message": "Signed in",
                    "tokens": {"access_token": token, "token_type": "Bearer", "expires_in": int(lifetime)},
                    "account": {"id": user.id, "name": user.name, "email": user.email},
                }
            )

        return router
