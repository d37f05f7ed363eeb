"""Sandbox control routes under ``/_sandbox`` (reset, request log, vendor settings, clock, scripted changes,
injected faults);
not vendor API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from .core import utc_iso
from .faults import FaultError
from .schedule import ScheduleError, UnknownTarget

if TYPE_CHECKING:
    from .state import SandboxState


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise HTTPException(400, "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HTTPException(400, f"{name} must be a number")
    return float(value)


def _only_fields(body: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    """400 naming unknown or missing fields, with the allowed ones."""
    allowed = ", ".join(sorted(required + optional))
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        raise HTTPException(400, f"unknown field(s): {', '.join(unknown)}; allowed: {allowed}")
    missing = [name for name in required if name not in body]
    if missing:
        raise HTTPException(400, f"missing field(s): {', '.join(missing)}; required: {', '.join(required)}")


def _string_field(body: dict[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise HTTPException(400, f"{name} must be a string (got {type(value).__name__})")
    return value


def _schedule_error(error: ScheduleError) -> HTTPException:
    return HTTPException(404 if isinstance(error, UnknownTarget) else 400, error.message)


def build_admin_router(state: SandboxState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox")

    def vendor_settings(vendor: str) -> dict[str, Any]:
        return state.settings[vendor].as_dict()

    def clock() -> dict[str, Any]:
        return {"now": utc_iso(state.clock.now()), "time_scale": state.clock.time_scale}

    @router.get("/health")
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "vendors": sorted(state.vendors)})

    @router.post("/reset")
    async def reset(request: Request) -> JSONResponse:
        body = await _json_object(request)
        empty = body.pop("empty", None)
        if body:
            raise HTTPException(400, f"unknown field(s): {', '.join(sorted(body))}")
        if empty is not None and not isinstance(empty, bool):
            raise HTTPException(400, "empty must be a boolean")
        state.reset(empty=empty)
        return JSONResponse({"status": "reset", "empty": state.config.empty if empty is None else empty})

    @router.get("/requests")
    async def list_requests(vendor: str | None = None, after: int = 0) -> JSONResponse:
        """The request log; ``after`` keeps only the requests logged after that record id."""
        if vendor is not None and vendor not in state.vendors:
            raise HTTPException(404, f"unknown vendor {vendor!r}")
        return JSONResponse({"requests": [r.as_dict() for r in state.requests.records(vendor, after)]})

    @router.delete("/requests", status_code=204)
    async def clear_requests() -> Response:
        state.requests.clear()
        return Response(status_code=204)

    @router.get("/config")
    async def get_config() -> JSONResponse:
        return JSONResponse(
            {"vendors": {name: vendor_settings(name) for name in state.vendors}, "clock": clock()}
        )

    @router.get("/config/{vendor}")
    async def get_vendor_config(vendor: str) -> JSONResponse:
        if vendor not in state.vendors:
            raise HTTPException(404, f"unknown vendor {vendor!r}")
        return JSONResponse(vendor_settings(vendor))

    @router.put("/config/{vendor}")
    async def put_vendor_config(vendor: str, request: Request) -> JSONResponse:
        if vendor not in state.vendors:
            raise HTTPException(404, f"unknown vendor {vendor!r}")
        changes = await _json_object(request)
        try:
            state.settings[vendor] = state.settings[vendor].updated(changes)
        except KeyError as exc:
            raise HTTPException(400, f"unknown setting(s): {exc.args[0]}") from None
        except (TypeError, ValueError) as exc:
            raise HTTPException(400, str(exc)) from None
        return JSONResponse(vendor_settings(vendor))

    @router.get("/clock")
    async def get_clock() -> JSONResponse:
        return JSONResponse(clock())

    @router.put("/clock")
    async def put_clock(request: Request) -> JSONResponse:
        body = await _json_object(request)
        unknown = sorted(set(body) - {"time_scale", "advance_seconds"})
        if unknown:
            raise HTTPException(400, f"unknown field(s): {', '.join(unknown)}")
        try:
            if "time_scale" in body:
                state.clock.set_time_scale(_number(body["time_scale"], "time_scale"))
            if "advance_seconds" in body:
                state.clock.advance(_number(body["advance_seconds"], "advance_seconds"))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        state.schedules.apply_due()  # what the move made due happens before the caller looks
        return JSONResponse(clock())

    # ------------------------------------------------------------ scripted changes

    def require_vendor(vendor: str) -> None:
        if vendor not in state.vendors:
            raise HTTPException(404, f"unknown vendor {vendor!r}; known: {', '.join(sorted(state.vendors))}")

    @router.post("/{vendor}/incidents/schedule", status_code=201)
    async def schedule_appearance(vendor: str, request: Request) -> JSONResponse:
        """A new incident appears after ``after_seconds`` sandbox seconds."""
        require_vendor(vendor)
        body = await _json_object(request)
        _only_fields(body, ("title", "after_seconds"), ("status",))
        title = _string_field(body, "title")
        status = None if body.get("status") is None else _string_field(body, "status")
        try:
            action = state.schedules.schedule_appearance(vendor, title, body["after_seconds"], status)
        except ScheduleError as exc:
            raise _schedule_error(exc) from None
        return JSONResponse(action.as_dict(), status_code=201)

    @router.post("/{vendor}/incidents/{ref:path}/schedule", status_code=201)
    async def schedule_transition(vendor: str, ref: str, request: Request) -> JSONResponse:
        """An existing incident moves to ``status`` after ``after_seconds`` sandbox seconds."""
        require_vendor(vendor)
        body = await _json_object(request)
        _only_fields(body, ("status", "after_seconds"))
        status = _string_field(body, "status")
        try:
            action = state.schedules.schedule_transition(vendor, ref, status, body["after_seconds"])
        except ScheduleError as exc:
            raise _schedule_error(exc) from None
        return JSONResponse(action.as_dict(), status_code=201)

    @router.get("/schedules")
    async def list_schedules() -> JSONResponse:
        return JSONResponse({"schedules": [action.as_dict() for action in state.schedules.actions()]})

    @router.delete("/schedules", status_code=204)
    async def cancel_schedules() -> Response:
        state.schedules.cancel_pending()
        return Response(status_code=204)

    # ------------------------------------------------------------ injected faults

    @router.post("/faults", status_code=201)
    async def add_fault(request: Request) -> JSONResponse:
        """A rule that makes a vendor's API misbehave (see ``faults.py`` for the kinds)."""
        try:
            rule = state.faults.add(await _json_object(request), sorted(state.vendors))
        except FaultError as exc:
            raise HTTPException(400, str(exc)) from None
        return JSONResponse(rule.as_dict(), status_code=201)

    @router.get("/faults")
    async def list_faults() -> JSONResponse:
        return JSONResponse({"faults": [rule.as_dict() for rule in state.faults.rules()]})

    @router.delete("/faults", status_code=204)
    async def clear_faults() -> Response:
        state.faults.clear()
        return Response(status_code=204)

    @router.delete("/faults/{fault_id}", status_code=204)
    async def remove_fault(fault_id: str) -> Response:
        if not state.faults.remove(fault_id):
            raise HTTPException(404, f"no fault {fault_id!r}")
        return Response(status_code=204)

    return router
