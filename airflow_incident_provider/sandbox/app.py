"""Builds the sandbox ASGI app: one router per vendor under ``/<vendor>``, plus ``/_sandbox`` admin routes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from airflow_incident_provider.registry import VENDORS, import_path

from .admin import build_admin_router
from .config import SandboxConfig
from .core import SandboxHTTPError, VendorBackend
from .middleware import SandboxMiddleware
from .state import SandboxState


@cache
def backend_classes() -> Mapping[str, type[VendorBackend]]:
    """Vendor name -> its emulated API, from the registry's ``sandbox_backend`` of every vendor."""
    classes: dict[str, type[VendorBackend]] = {}
    for record in VENDORS:
        backend = import_path(record.sandbox_path)
        if not (isinstance(backend, type) and issubclass(backend, VendorBackend)):
            raise TypeError(f"{record.sandbox_path} is not a sandbox VendorBackend")
        if backend.name != record.name:
            raise ValueError(f"{record.sandbox_path} emulates {backend.name!r}, not {record.name!r}")
        classes[record.name] = backend
    return classes


def _error_response(error: SandboxHTTPError) -> Response:
    if error.body is None:
        return Response(status_code=error.status_code, headers=error.headers)
    return JSONResponse(error.body, status_code=error.status_code, headers=error.headers)


def create_app(config: SandboxConfig | None = None) -> FastAPI:
    """A fresh sandbox with its own state; the sample data is loaded unless ``config.empty``."""
    config = config or SandboxConfig()
    state = SandboxState(config)
    app = FastAPI(
        title="Incident sandbox",
        description="Local emulator of incident-management vendor APIs.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sandbox = state
    for backend_class in backend_classes().values():
        backend = backend_class(state)
        state.register(backend)
        app.include_router(backend.router(), prefix=backend.prefix)
    app.include_router(build_admin_router(state))

    async def on_sandbox_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SandboxHTTPError)
        return _error_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        backend = state.vendor_for_path(request.url.path)
        if backend is None:
            return await http_exception_handler(request, exc)
        error = backend.http_error(exc.status_code, str(exc.detail))
        error.headers.update(exc.headers or {})  # e.g. Allow on 405
        return _error_response(error)

    app.add_exception_handler(SandboxHTTPError, on_sandbox_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_middleware(SandboxMiddleware, state=state)
    state.reset()
    return app


def sandbox_state(app: FastAPI) -> SandboxState:
    """The state behind an app made by :func:`create_app`."""
    state = app.state.sandbox
    if not isinstance(state, SandboxState):
        raise TypeError("this app was not made by create_app")
    return state
