"""Sandbox control routes under ``/_sandbox`` (reset, request log, vendor settings, clock); not vendor API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from .core import utc_iso

if TYPE_CHECKING:
    from .core import SandboxState


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
    async def list_requests(vendor: str | None = None) -> JSONResponse:
        if vendor is not None and vendor not in state.vendors:
            raise HTTPException(404, f"unknown vendor {vendor!r}")
        return JSONResponse({"requests": [r.as_dict() for r in state.requests.records(vendor)]})

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
        return JSONResponse(clock())

    return router
