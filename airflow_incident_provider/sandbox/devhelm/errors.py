"""DevHelm's uniform error envelope (``ErrorResponse``) as sandbox exceptions.

The spec gives the shape and two codes (``NOT_FOUND``, ``RATE_LIMITED``); the other codes, one per
HTTP status as the spec says they are, are the sandbox's choice.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from ..core import SandboxHTTPError

CODES = {
    400: "VALIDATION_FAILED",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
}


class DevHelmError(SandboxHTTPError):
    """``{status, code, message, timestamp, requestId, errors?}`` with the same id in ``X-Request-Id``."""

    def __init__(
        self,
        status_code: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        request_id = str(uuid.uuid4())
        body: dict[str, Any] = {
            "status": status_code,
            "code": CODES.get(status_code, "ERROR"),
            "message": message,
            "timestamp": int(time.time() * 1000),
            "requestId": request_id,
            "errors": errors,
        }
        super().__init__(status_code, body, {**(headers or {}), "X-Request-Id": request_id})
        self.code = body["code"]
        self.message = message


def field_error(field: str | None, code: str, message: str) -> dict[str, Any]:
    """One ``ErrorEntry``: a stable code, the offending field (or None) and a message."""
    return {"code": code, "field": field, "message": message}


def invalid(field: str | None, code: str, message: str) -> DevHelmError:
    """A 400 carrying one field rejection."""
    return DevHelmError(400, "Validation failed", [field_error(field, code, message)])


def not_found(what: str) -> DevHelmError:
    return DevHelmError(404, f"{what} not found")


def unauthorized() -> DevHelmError:
    return DevHelmError(401, "Missing or invalid API key")


def rate_limited(headers: dict[str, str]) -> DevHelmError:
    return DevHelmError(429, "Rate limit exceeded", headers=headers)


def short(value: object, limit: int = 60) -> str:
    """``repr`` of client input, truncated so error bodies stay small."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
