"""PagerDuty's error bodies (``{"error": {"message", "code", "errors"}}``) as sandbox exceptions."""

from __future__ import annotations

from typing import Any

from ..core import SandboxHTTPError

INVALID_INPUT = "Invalid Input Provided"


class PagerDutyError(SandboxHTTPError):
    """An error response exactly as PagerDuty's REST API v2 shapes it."""

    def __init__(
        self,
        status_code: int,
        code: int,
        message: str,
        errors: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        error: dict[str, Any] = {"message": message, "code": code}
        if errors:
            error["errors"] = list(errors)
        super().__init__(status_code, {"error": error}, headers)
        self.code = code
        self.message = message
        self.errors = list(errors or [])


def invalid_input(*errors: str) -> PagerDutyError:
    return PagerDutyError(400, 2001, INVALID_INPUT, list(errors))


def not_found() -> PagerDutyError:
    return PagerDutyError(404, 2100, "Not Found")


def authentication_failed() -> PagerDutyError:
    return PagerDutyError(401, 2006, "Authentication failed")


def rate_limited(headers: dict[str, str] | None = None) -> PagerDutyError:
    return PagerDutyError(429, 2020, "Rate Limit Exceeded", headers=headers)


def already_resolved() -> PagerDutyError:
    return PagerDutyError(400, 1001, "Incident Already Resolved")


def invalid_status(value: object) -> PagerDutyError:
    return PagerDutyError(
        400,
        1003,
        "Invalid Status Provided",
        [f"Status {short(value)} is not one of triggered, acknowledged, resolved."],
    )


def too_many(count: int, limit: int) -> PagerDutyError:
    return PagerDutyError(
        413,
        2001,
        "Request Entity Too Large",
        [f"A maximum of {limit} incidents may be updated at a time (got {count})."],
    )


def short(value: object, limit: int = 60) -> str:
    """``repr`` of client input, truncated so error bodies stay small."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
