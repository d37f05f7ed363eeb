"""PagerDuty REST API v2 routes (mounted at ``/pagerduty``): auth, headers, rate limit, incidents."""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..core import SandboxHTTPError, VendorBackend
from ..middleware import response_headers
from ..state import SandboxState
from .errors import PagerDutyError, authentication_failed, invalid_input, not_found, rate_limited, short
from .model import STATUSES
from .render import Renderer
from .seed import DEFAULT_FROM_EMAIL, SCRIPTED_ACTOR_ID, load_samples, new_store
from .validation import (
    CreateIncident,
    parse_bulk_update,
    parse_create,
    parse_list_query,
    parse_log_window,
    parse_note,
    parse_paging,
    parse_update,
)

if TYPE_CHECKING:
    from datetime import datetime

    from .model import User
    from .store import PagerDutyStore

ACCEPT = "application/vnd.pagerduty+json;version=2"


def parse_token(authorization: str | None) -> str | None:
    """The credential of ``Token token=<key>`` (API key) or ``Bearer <token>`` (OAuth)."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    rest = rest.strip()
    if scheme.lower() == "bearer":
        return rest or None
    if scheme.lower() == "token":
        key, _, value = rest.partition("=")
        if key.strip().lower() == "token":
            return value.strip().strip('"') or None
    return None


def _accepts_v2(accept: str | None) -> bool:
    if not accept:
        return False
    return any("".join(part.split()).lower() == ACCEPT for part in accept.split(","))


def _page(items: list[Any], limit: int, offset: int, total: bool) -> dict[str, Any]:
    return {
        "limit": limit,
        "offset": offset,
        "more": offset + limit < len(items),
        "total": len(items) if total else None,
    }


class PagerDutyBackend(VendorBackend):
    """The emulated PagerDuty account behind ``/pagerduty``."""

    name = "pagerduty"

    @classmethod
    def connection_extra(cls) -> dict[str, Any]:
        """The sample account's requester, for the ``From`` header PagerDuty writes need."""
        return {"from_email": DEFAULT_FROM_EMAIL}

    def __init__(self, sandbox: SandboxState) -> None:
        super().__init__(sandbox)
        self.store = new_store()

    def reset(self, *, empty: bool) -> None:
        self.store = new_store()
        if not empty:
            load_samples(self.store, self.sandbox.clock.now())

    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        if status_code == 404:
            return not_found()
        return PagerDutyError(status_code, 2001, detail)

    # ------------------------------------------------------------ scripted changes

    def scripted_statuses(self) -> tuple[str, ...]:
        return STATUSES

    def incident_ref(self, ref_or_id: str) -> str:
        """PagerDuty refs are plain incident ids (an incident number is accepted too)."""
        return self.store.get(ref_or_id.strip()).id

    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        """As the scripted responder on the website: a resolved incident reopens on triggered or
        acknowledged, and resolving it again is refused (code 1001), as through the API."""
        store = self.store
        incident = store.get(ref_or_id.strip())
        store.change_status_in_ui(incident, status, store.users[SCRIPTED_ACTOR_ID], at)
        return incident.id

    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        """Triggered on the first sample service, as by its monitoring integration."""
        store = self.store
        service, responder = next(iter(store.services.values())), store.users[SCRIPTED_ACTOR_ID]
        incident = store.create(CreateIncident(title=title, service_id=service.id), responder, at)
        if status is not None and status != incident.status:
            store.change_status_in_ui(incident, status, responder, at)
        return incident.id

    def renderer(self, request: Request) -> Renderer:
        return Renderer(self.store, str(request.base_url).rstrip("/") + self.prefix)

    # ------------------------------------------------------------ request guards

    async def guard(self, request: Request) -> None:
        """Every call: authenticate, count against the token's rate limit, require the v2 Accept header."""
        token = parse_token(request.headers.get("authorization"))
        if token is None or not hmac.compare_digest(token.encode(), self.token.encode()):
            raise authentication_failed()
        settings = self.settings
        decision = self.rate_decision(request.scope, token)
        if not decision.allowed and settings.bare_429:
            raise SandboxHTTPError(429, None)
        if not settings.omit_rate_limit_headers:
            response_headers(request.scope).update(decision.headers(self.sandbox.clock.time_scale))
        if not decision.allowed:
            raise rate_limited()
        if not _accepts_v2(request.headers.get("accept")):
            got = request.headers.get("accept")
            raise invalid_input(
                f"The Accept header must be {ACCEPT} (got {short(got) if got else 'no Accept header'})."
            )

    async def writer(self, request: Request) -> User:
        """Writes also need a JSON body and a ``From`` header naming a user of the account."""
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise invalid_input(
                "The Content-Type header must be application/json "
                f"(got {short(content_type) if content_type else 'no Content-Type header'})."
            )
        sender = request.headers.get("from", "").strip()
        if not sender:
            raise invalid_input("The From header is required: the email address of a user on this account.")
        user = self.store.user_by_email(sender)
        if user is None:
            raise invalid_input(
                f"The From header {short(sender)} is not the email address of a user on this account."
            )
        return user

    # ------------------------------------------------------------ routes

    def router(self) -> APIRouter:
        router = APIRouter(dependencies=[Depends(self.guard)])

        def store() -> PagerDutyStore:  # looked up per request: reset replaces the store
            return self.store

        async def body(request: Request) -> Any:
            raw = await request.body()
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                raise invalid_input("The request body is not valid JSON.") from None

        @router.get("/incidents")
        async def list_incidents(request: Request) -> JSONResponse:
            query = parse_list_query(request.query_params.multi_items(), self.sandbox.clock.now())
            found = store().query(query)
            render = self.renderer(request)
            page = found[query.offset : query.offset + query.limit]
            return JSONResponse(
                {
                    "incidents": [render.incident(i, query.include) for i in page],
                    **_page(found, query.limit, query.offset, query.total),
                }
            )

        @router.post("/incidents", status_code=201)
        async def create_incident(request: Request) -> JSONResponse:
            actor = await self.writer(request)
            incident = store().create(parse_create(await body(request)), actor, self.sandbox.clock.now())
            return JSONResponse({"incident": self.renderer(request).incident(incident)}, status_code=201)

        @router.put("/incidents")
        async def update_incidents(request: Request) -> JSONResponse:
            """Bulk update: every item is checked (ids included) before any is applied, then each is
            applied as a single PUT would be. Resolving an incident already resolved, which a single
            PUT refuses with code 1001, leaves that incident as it is and the call still answers 200.
            """
            actor = await self.writer(request)
            items = parse_bulk_update(await body(request))
            unknown = [incident_id for incident_id, _ in items if incident_id not in store().incidents]
            if unknown:
                errors = [f"Incident {short(i)} not found." for i in dict.fromkeys(unknown)]
                raise PagerDutyError(404, 2100, "Not Found", errors)
            now = self.sandbox.clock.now()
            updated = []
            for incident_id, update in items:
                incident = store().incidents[incident_id]
                if not (update.status == "resolved" and incident.status == "resolved"):
                    incident = store().update(incident, update, actor, now)
                updated.append(incident)
            render = self.renderer(request)
            return JSONResponse({"incidents": [render.incident(incident) for incident in updated]})

        @router.get("/incidents/{incident_id}")
        async def get_incident(incident_id: str, request: Request) -> JSONResponse:
            include = {v for k, v in request.query_params.multi_items() if k in ("include[]", "include")}
            return JSONResponse(
                {"incident": self.renderer(request).incident(store().get(incident_id), include)}
            )

        @router.put("/incidents/{incident_id}")
        async def update_incident(incident_id: str, request: Request) -> JSONResponse:
            actor = await self.writer(request)
            incident = store().get(incident_id)
            changed = store().update(
                incident, parse_update(await body(request)), actor, self.sandbox.clock.now()
            )
            return JSONResponse({"incident": self.renderer(request).incident(changed)})

        @router.get("/incidents/{incident_id}/notes")
        async def list_notes(incident_id: str, request: Request) -> JSONResponse:
            render = self.renderer(request)
            return JSONResponse({"notes": [render.note(n) for n in store().get(incident_id).notes]})

        @router.post("/incidents/{incident_id}/notes")
        async def create_note(incident_id: str, request: Request) -> JSONResponse:
            actor = await self.writer(request)
            incident = store().get(incident_id)
            content = parse_note(await body(request))
            note = store().add_note(incident, content, actor, self.sandbox.clock.now())
            return JSONResponse({"note": self.renderer(request).note(note)})  # PagerDuty answers 200

        @router.get("/incidents/{incident_id}/log_entries")
        async def list_log_entries(incident_id: str, request: Request) -> JSONResponse:
            incident = store().get(incident_id)
            limit, offset, total = parse_paging(request.query_params.multi_items())
            entries = list(reversed(incident.log))  # newest first
            render = self.renderer(request)
            return JSONResponse(
                {
                    "log_entries": [render.log_entry(e, incident) for e in entries[offset : offset + limit]],
                    **_page(entries, limit, offset, total),
                }
            )

        @router.get("/log_entries")
        async def list_account_log_entries(request: Request) -> JSONResponse:
            """Every incident's entries in ``[since, until]``, newest first across the account."""
            items = request.query_params.multi_items()
            since, until = parse_log_window(items, self.sandbox.clock.now())
            limit, offset, total = parse_paging(items)
            entries = sorted(
                (
                    (entry, incident)
                    for incident in store().incidents.values()
                    for entry in incident.log
                    if since <= entry.created_at and (until is None or entry.created_at <= until)
                ),
                key=lambda pair: pair[0].created_at,
                reverse=True,
            )
            include = {v for k, v in items if k in ("include[]", "include")}
            render = self.renderer(request)
            page = entries[offset : offset + limit]
            return JSONResponse(
                {
                    "log_entries": [render.log_entry(e, i, include) for e, i in page],
                    **_page(entries, limit, offset, total),
                }
            )

        @router.get("/log_entries/{entry_id}")
        async def get_log_entry(entry_id: str, request: Request) -> JSONResponse:
            for incident in store().incidents.values():
                for entry in incident.log:
                    if entry.id == entry_id:
                        return JSONResponse({"log_entry": self.renderer(request).log_entry(entry, incident)})
            raise not_found()

        def listing(name: str, items: list[dict[str, Any]], request: Request) -> JSONResponse:
            limit, offset, total = parse_paging(request.query_params.multi_items())
            return JSONResponse({name: items[offset : offset + limit], **_page(items, limit, offset, total)})

        @router.get("/priorities")
        async def list_priorities(request: Request) -> JSONResponse:
            render = self.renderer(request)
            return listing("priorities", [render.priority(p) for p in store().priorities], request)

        @router.get("/users")
        async def list_users(request: Request) -> JSONResponse:
            render = self.renderer(request)
            return listing("users", [render.user(u) for u in store().users.values()], request)

        @router.get("/users/{user_id}")
        async def get_user(user_id: str, request: Request) -> JSONResponse:
            user = store().users.get(user_id)
            if user is None:
                raise not_found()
            return JSONResponse({"user": self.renderer(request).user(user)})

        @router.get("/services")
        async def list_services(request: Request) -> JSONResponse:
            render = self.renderer(request)
            return listing("services", [render.service(s) for s in store().services.values()], request)

        @router.get("/services/{service_id}")
        async def get_service(service_id: str, request: Request) -> JSONResponse:
            service = store().services.get(service_id)
            if service is None:
                raise not_found()
            return JSONResponse({"service": self.renderer(request).service(service)})

        @router.get("/escalation_policies")
        async def list_escalation_policies(request: Request) -> JSONResponse:
            render = self.renderer(request)
            items = [render.escalation_policy(p) for p in store().policies.values()]
            return listing("escalation_policies", items, request)

        @router.get("/escalation_policies/{policy_id}")
        async def get_escalation_policy(policy_id: str, request: Request) -> JSONResponse:
            policy = store().policies.get(policy_id)
            if policy is None:
                raise not_found()
            return JSONResponse({"escalation_policy": self.renderer(request).escalation_policy(policy)})

        return router
