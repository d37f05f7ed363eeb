"""incident.io routes (mounted at ``/incidentio``): Bearer key, rate limit, the account's catalog,
incidents (list, show, create, edit) and incident updates, with the API's error bodies."""

from __future__ import annotations

import hmac
import json
import time
from datetime import UTC, datetime
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..core import SandboxHTTPError, VendorBackend
from .shapes import SHAPES, problem
from .store import (
    CATEGORIES,
    MODES,
    ROLES,
    SEVERITIES,
    STATUSES,
    Incident,
    Store,
    error,
    invalid,
    list_filter,
)

if TYPE_CHECKING:
    from ..state import SandboxState

EDIT_FIELDS = {
    "name",
    "summary",
    "severity_id",
    "incident_status_id",
    "call_url",
    "incident_role_assignments",
    "custom_field_entries",
    "incident_timestamp_values",
    "slack_channel_name_override",
}
CREATE_FIELDS = {
    "idempotency_key",
    "visibility",
    "name",
    "summary",
    "severity_id",
    "incident_status_id",
    "mode",
    "incident_type_id",
    "incident_role_assignments",
    "custom_field_entries",
    "incident_timestamp_values",
    "slack_channel_name_override",
    "slack_team_id",
    "retrospective_incident_options",
}
MAX_PAGE_SIZE = 250
PHASE_CATEGORIES = {"open": "triage", "acknowledged": "live", "resolved": "closed"}
"""Scripted moves also take the provider's phases, as every other sandbox vendor's own words do."""


def utc_iso(moment: datetime) -> str:
    """incident.io's timestamps: UTC with microseconds (``2021-08-17T13:28:57.801578Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


CATALOGUE_STAMP = "2024-01-01T00:00:00Z"
"""When the account's catalogue (statuses, severities, roles) was set up, as every entry says."""


def _entry(entry: Any, description: str = "", **own: Any) -> dict[str, Any]:
    """A catalogue entry as incident.io renders one: id and name, its own fields, description, stamps."""
    stamps = {"created_at": CATALOGUE_STAMP, "updated_at": CATALOGUE_STAMP}
    return {"id": entry.id, "name": entry.name, **own, "description": description, **stamps}


def _status(status: Any) -> dict[str, Any]:
    return _entry(status, category=status.category, rank=status.rank)


def _severity(severity: Any) -> dict[str, Any]:
    return _entry(severity, rank=severity.rank)


def _role(role: Any) -> dict[str, Any]:
    return _entry(role, role.name, role_type=role.role_type, shortform=role.shortform, instructions="")


def render(incident: Incident) -> dict[str, Any]:
    """An ``IncidentV2``."""
    body: dict[str, Any] = {
        "id": incident.id,
        "reference": incident.reference,
        "name": incident.name,
        "summary": incident.summary,
        "incident_status": _status(incident.status),
        "mode": incident.mode,
        "visibility": incident.visibility,
        "permalink": f"https://app.incident.io/sandbox/incidents/{incident.reference.split('-')[1]}",
        "slack_channel_id": "C0SANDBOX",
        "slack_team_id": "T0SANDBOX",
        "creator": {"api_key": {"id": "01SANDBOXKEY0000000000000001", "name": "Sandbox key"}},
        "custom_field_entries": [],
        "incident_role_assignments": [
            {
                "role": _role(role),
                **(
                    {"assignee": {"id": user.id, "name": user.name, "email": user.email, "role": "responder"}}
                    if user
                    else {}
                ),
            }
            for role in ROLES
            for user in [incident.roles.get(role.id)]
        ],
        "created_at": utc_iso(incident.created_at),
        "updated_at": utc_iso(incident.updated_at),
    }
    if incident.severity is not None:
        body["severity"] = _severity(incident.severity)
    if incident.call_url is not None:
        body["call_url"] = incident.call_url
    return body


def _object(value: Any, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid("must be a JSON object", source, "invalid_type")
    return value


def _check_fields(body: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in body:
        if key not in allowed:
            raise invalid(f"{key!r} is not a field of this request", f"{prefix}{key}", "unknown_field")
    for key in ("name", "summary", "severity_id", "incident_status_id", "call_url", "idempotency_key"):
        if key in body and not isinstance(body[key], str):
            raise invalid("must be a string", f"{prefix}{key}", "invalid_type")
    assignments = body.get("incident_role_assignments", [])
    if not isinstance(assignments, list) or not all(
        isinstance(a, dict)
        and isinstance(a.get("incident_role_id"), str)
        and isinstance(a.get("assignee", {}), dict)
        for a in assignments
    ):
        raise invalid(
            "each assignment needs an incident_role_id and an optional assignee object",
            f"{prefix}incident_role_assignments",
            "invalid_type",
        )
    for key, shape in SHAPES.items():
        found = problem(body[key], shape, f"{prefix}{key}") if key in body else None
        if found is not None:
            raise invalid(found[1], found[0], "invalid_type")


class IncidentIOBackend(VendorBackend):
    """The emulated incident.io account behind ``/incidentio``."""

    name = "incidentio"

    def __init__(self, sandbox: SandboxState) -> None:
        super().__init__(sandbox)
        self.store = Store()

    @classmethod
    def connection_extra(cls) -> dict[str, Any]:
        """Created incidents need a severity: the sample account's least severe one."""
        return {"default_severity": SEVERITIES[0].name}

    def reset(self, *, empty: bool) -> None:
        self.store = Store()
        if empty:
            return
        now = self.sandbox.clock.now()
        samples = [
            ("Checkout latency above SLO", "triage"),
            ("Search index lagging", "live"),
            ("Payments webhook failures", "live"),
            ("Login errors after deploy", "closed"),
        ]
        for n, (title, category) in enumerate(samples):
            incident, _ = self.store.create(
                {
                    "idempotency_key": f"sample-{n}",
                    "visibility": "public",
                    "name": title,
                    "severity_id": SEVERITIES[0].id,
                },
                now,
            )
            if category != "live":
                self.store.move(incident, category, now)

    def http_error(self, status_code: int, detail: str) -> SandboxHTTPError:
        if status_code == 404:
            return error(404, "not_found", "not_found", "No such route")
        return error(status_code, "invalid_request", "invalid_request", detail)

    async def guard(self, request: Request) -> None:
        """Every call: ``Authorization: Bearer <key>``, then the key's rate limit."""
        scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise error(
                401,
                "authentication_error",
                "missing_authorization_material",
                "No authorization material provided in request",
            )
        if not hmac.compare_digest(key.strip().encode(), self.token.encode()):
            raise error(
                401,
                "authentication_error",
                "invalid_authorization_material",
                "The API key provided is not valid",
            )
        decision = self.rate_decision(request.scope, key.strip())
        if decision.allowed:
            return
        if self.settings.bare_429:
            raise SandboxHTTPError(429, None)
        wait = decision.real_reset(self.sandbox.clock.time_scale)
        too_many = error(
            429,
            "too_many_requests",
            "too_many_requests",
            "Too many requests. We recommend exponential backoff.",
        )
        assert too_many.body is not None
        if not self.settings.omit_rate_limit_headers:
            too_many.body["rate_limit"] = {
                "name": "api_key",
                "limit": decision.limit,
                "remaining": 0,
                "retry_after": formatdate(time.time() + wait + 1, usegmt=True),
            }
        raise too_many

    @staticmethod
    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise invalid("Content-Type must be application/json", None, "invalid_content_type")
        try:
            return _object(json.loads(raw or b"null"), "body")
        except ValueError:
            raise invalid("The request body is not valid JSON", None, "invalid_json") from None

    # ------------------------------------------------------------ scripted changes

    def scripted_statuses(self) -> tuple[str, ...]:
        return CATEGORIES

    def canonical_status(self, status: str) -> str | None:
        """A category, or a phase as the category a responder's move lands in (resolved: closed)."""
        wanted = status.strip().lower()
        return PHASE_CATEGORIES.get(wanted) or super().canonical_status(wanted)

    def incident_ref(self, ref_or_id: str) -> str:
        return self.store.incident(ref_or_id.strip()).id

    def apply_status(self, ref_or_id: str, status: str, at: datetime) -> str:
        incident = self.store.incident(ref_or_id.strip())
        self.store.move(incident, status, at)
        return incident.id

    def spawn_incident(self, title: str, status: str | None, at: datetime) -> str:
        key = f"spawned-{len(self.store.incidents) + 1}"
        incident, _ = self.store.create(
            {"idempotency_key": key, "visibility": "public", "name": title, "severity_id": SEVERITIES[0].id},
            at,
        )
        self.store.move(incident, status or "triage", at)  # an incident appearing is not yet accepted
        return incident.id

    # ------------------------------------------------------------ routes

    def router(self) -> APIRouter:
        router = APIRouter(dependencies=[Depends(self.guard)])

        def now() -> datetime:
            return self.sandbox.clock.now()

        @router.get("/v1/identity")
        async def identity() -> JSONResponse:
            return JSONResponse(
                {
                    "identity": {
                        "name": "Sandbox key",
                        "roles": ["viewer", "incident_editor"],
                        "dashboard_url": "https://app.incident.io/sandbox",
                    }
                }
            )

        @router.get("/v1/incident_statuses")
        async def statuses() -> JSONResponse:
            return JSONResponse({"incident_statuses": [_status(s) for s in STATUSES]})

        @router.get("/v1/severities")
        async def severities() -> JSONResponse:
            return JSONResponse({"severities": [_severity(s) for s in SEVERITIES]})

        @router.get("/v2/incident_roles")
        async def roles() -> JSONResponse:
            return JSONResponse({"incident_roles": [_role(r) for r in ROLES]})

        @router.get("/v2/incidents")
        async def list_incidents(request: Request) -> JSONResponse:
            query = request.query_params
            try:
                size = int(query.get("page_size", "25"))
            except ValueError:
                raise invalid("must be an integer", "page_size", "invalid_type") from None
            if not 1 <= size <= MAX_PAGE_SIZE:
                raise invalid(f"must be between 1 and {MAX_PAGE_SIZE}", "page_size")
            wanted = query.getlist("status_category[one_of]")
            unwanted = query.getlist("status_category[not_in]")
            for category in [*wanted, *unwanted]:
                if category not in CATEGORIES:
                    raise invalid(f"{category!r} is not a status category", "status_category")
            shown = list_filter(query.getlist)
            found = [
                i
                for i in reversed(self.store.incidents.values())
                if (not wanted or i.status.category in wanted)
                and i.status.category not in unwanted
                and shown(i)
            ]
            after = query.get("after")
            if after:
                ids = [i.id for i in found]
                if after not in ids:
                    raise invalid("No incident with that id in this list", "after")
                found = found[ids.index(after) + 1 :]
            page = found[:size]
            meta: dict[str, Any] = {"page_size": size, "total_record_count": len(found)}
            if len(found) > size:
                meta["after"] = page[-1].id
            return JSONResponse({"incidents": [render(i) for i in page], "pagination_meta": meta})

        @router.post("/v2/incidents")
        async def create(request: Request) -> JSONResponse:
            body = await self.body(request)
            _check_fields(body, CREATE_FIELDS, "")
            for required in ("idempotency_key", "visibility"):
                if not body.get(required):
                    raise invalid(f"{required} is required", required, "is_required")
            if body["visibility"] not in ("public", "private"):
                raise invalid("must be public or private", "visibility")
            if body.get("mode", "standard") not in MODES:
                raise invalid("is not a mode", "mode")
            incident, _ = self.store.create(body, now())
            return JSONResponse({"incident": render(incident)})

        @router.get("/v2/incidents/{incident_id}")
        async def show(incident_id: str) -> JSONResponse:
            return JSONResponse({"incident": render(self.store.incident(incident_id))})

        @router.post("/v2/incidents/{incident_id}/actions/edit")
        async def edit(incident_id: str, request: Request) -> JSONResponse:
            incident = self.store.incident(incident_id)
            body = await self.body(request)
            _check_fields(body, {"incident", "notify_incident_channel"}, "")
            if not isinstance(body.get("notify_incident_channel"), bool):
                raise invalid(
                    "notify_incident_channel is required (a boolean)",
                    "notify_incident_channel",
                    "is_required",
                )
            changes = _object(body.get("incident"), "incident")
            _check_fields(changes, EDIT_FIELDS, "incident.")
            self.store.edit(incident, changes, body["notify_incident_channel"], now())
            return JSONResponse({"incident": render(incident)})

        @router.get("/v2/incident_updates")
        async def updates(request: Request) -> JSONResponse:
            wanted = request.query_params.get("incident_id")
            found = [u for u in self.store.updates if wanted is None or u.incident_id == wanted]
            return JSONResponse(
                {
                    "incident_updates": [
                        {
                            "id": u.id,
                            "incident_id": u.incident_id,
                            "message": u.message,
                            "created_at": utc_iso(u.at),
                            "new_incident_status": _status(u.status),
                            **({"new_severity": _severity(u.severity)} if u.severity else {}),
                            "updater": {
                                "api_key": {"id": "01SANDBOXKEY0000000000000001", "name": "Sandbox key"}
                            },
                        }
                        for u in reversed(found)
                    ],
                    "pagination_meta": {"page_size": len(found)},
                }
            )

        return router
