"""Rootly's error bodies (JSON:API ``{"errors": [{"title", "status", "detail"}]}``) as sandbox exceptions."""

from __future__ import annotations

from typing import Any

from ..core import SandboxHTTPError

RATE_LIMIT_BODY = {"error": "Rate limit exceeded. Try again later."}
"""Rootly's 429 body, which is not JSON:API (spec text, rate limiting section)."""


class RootlyError(SandboxHTTPError):
    """An error response shaped like Rootly's ``errors_list`` schema (``status`` is a string)."""

    def __init__(
        self, status_code: int, title: str, detail: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        error: dict[str, Any] = {"title": title, "status": str(status_code)}
        if detail:
            error["detail"] = detail
        super().__init__(status_code, {"errors": [error]}, headers)
        self.title = title
        self.detail = detail


def unauthorized() -> RootlyError:
    return RootlyError(401, "Unauthorized", "Provide a valid API key as 'Authorization: Bearer <key>'.")


def not_found() -> RootlyError:
    return RootlyError(404, "Record not found")


def unprocessable(detail: str) -> RootlyError:
    return RootlyError(422, "Unprocessable Entity", detail)


def bad_request(detail: str) -> RootlyError:
    return RootlyError(400, "Bad Request", detail)


def unsupported_media_type(got: str) -> RootlyError:
    return RootlyError(
        415, "Unsupported Media Type", f"Send the body as application/vnd.api+json (got {short(got)})."
    )


def rate_limited(headers: dict[str, str] | None = None) -> SandboxHTTPError:
    return SandboxHTTPError(429, dict(RATE_LIMIT_BODY), headers)


def short(value: object, limit: int = 60) -> str:
    """``repr`` of client input, truncated so error bodies stay small."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
