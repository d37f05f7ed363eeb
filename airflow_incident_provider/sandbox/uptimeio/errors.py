"""UptimeIO's error bodies (``{"success": false, "error": {"code", "message"}}``) as sandbox exceptions."""

from __future__ import annotations

from ..core import SandboxHTTPError


class UptimeIOError(SandboxHTTPError):
    """An error response shaped like the examples on UptimeIO's update-incident page."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            status_code, {"success": False, "error": {"code": code, "message": message}}, headers
        )
        self.code = code
        self.message = message


def validation_failed(issues: list[str]) -> UptimeIOError:
    """``Validation failed: <path>: <issue>`` (issues joined by ``; ``), as UptimeIO words it."""
    return UptimeIOError(400, "VALIDATION_ERROR", "Validation failed: " + "; ".join(issues))


def validation_error(message: str) -> UptimeIOError:
    return UptimeIOError(400, "VALIDATION_ERROR", message)


def not_found(what: str = "Incident") -> UptimeIOError:
    return UptimeIOError(404, "NOT_FOUND", f"{what} not found")


def unauthorized() -> UptimeIOError:
    return UptimeIOError(401, "UNAUTHORIZED", "Invalid or missing API key")


def forbidden(action: str) -> UptimeIOError:
    return UptimeIOError(403, "FORBIDDEN", f"You do not have permission to {action}")


def rate_limited(headers: dict[str, str]) -> UptimeIOError:
    return UptimeIOError(429, "RATE_LIMITED", "Too many requests, please try again later", headers)


def short(value: object, limit: int = 60) -> str:
    """``repr`` of client input, truncated so error bodies stay small."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
