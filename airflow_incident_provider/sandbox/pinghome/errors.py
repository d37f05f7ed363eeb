"""Pinghome-style error bodies (``{"message", "errors"?}``) as sandbox exceptions.

Pinghome documents no error body; the sandbox answers like the API gateway its URLs suggest
(``{"message": ...}``), with a list of ``{field, message}`` for invalid input.
"""

from __future__ import annotations

from typing import Any

from ..core import SandboxHTTPError


class PinghomeError(SandboxHTTPError):
    """An error response as the sandbox's Pinghome shapes it."""

    def __init__(
        self,
        status_code: int,
        message: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body: dict[str, Any] = {"message": message}
        if errors:
            body["errors"] = list(errors)
        super().__init__(status_code, body, headers)
        self.message = message
        self.errors = list(errors or [])


def invalid(*problems: tuple[str, str]) -> PinghomeError:
    """422 listing each invalid field."""
    return PinghomeError(
        422, "Validation failed", [{"field": field, "message": message} for field, message in problems]
    )


def unauthorized(message: str = "Unauthorized") -> PinghomeError:
    return PinghomeError(401, message)


def token_expired() -> PinghomeError:
    return PinghomeError(401, "The incoming token has expired")


def not_found(what: str = "Resource") -> PinghomeError:
    return PinghomeError(404, f"{what} not found")


def rate_limited(headers: dict[str, str] | None = None) -> PinghomeError:
    return PinghomeError(429, "Too Many Requests", headers=headers)


def short(value: object, limit: int = 60) -> str:
    """``repr`` of client input, truncated so error bodies stay small."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
