"""From a refused response to the provider's exception: the vendor's own words, never a credential."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.exceptions import (
    AuthenticationError,
    ConflictError,
    IncidentNotFoundError,
    RateLimitedError,
    TransportError,
    VendorError,
    VendorServerError,
    VendorValidationError,
)
from airflow_incident_provider.vendors.base import Request, Response
from airflow_incident_provider.vendors.protocol import VendorModule


def hide_secrets(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every occurrence of each secret replaced by ``***`` (Airflow's mask)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


def error_for(
    vendor: VendorModule,
    vendor_name: str,
    request: Request,
    response: Response,
    *,
    secrets: tuple[str, ...],
    refused_hint: str,
) -> VendorError:
    """The exception for a refused response, with the vendor's own message and code.

    Any credential the vendor quotes back is replaced by ``***`` (the message may be logged, stored or
    shown). A refused credential (401) also says ``refused_hint``: which connection, and which of its
    settings, to check.
    """
    message, code, details = vendor.parse_error(response)
    if not details and not message and response.text:
        message = response.text
    status = response.status
    if status == 401:
        message = f"{message} ({refused_hint})" if message else refused_hint
    message = hide_secrets(message, secrets)
    kwargs: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "status_code": status,
        "message": message,
        "code": code,
        "details": tuple(hide_secrets(detail, secrets) for detail in details),
    }
    if status == 429:
        return RateLimitedError(vendor_name, retry_after=vendor.retry_after(response), **kwargs)
    if status in (401, 403):
        return AuthenticationError(vendor_name, **kwargs)
    if status == 404:
        return IncidentNotFoundError(vendor_name, **kwargs)
    if status == 409 or vendor.is_conflict(code):
        return ConflictError(vendor_name, **kwargs)
    if status in (400, 422):
        return VendorValidationError(vendor_name, **kwargs)
    if status >= 500:
        return VendorServerError(vendor_name, **kwargs)
    return VendorError(vendor_name, **kwargs)


def not_json(vendor_name: str, request: Request, response: Response) -> TransportError:
    """A 2xx whose body is not JSON (cut short, or a proxy's HTML page): the request may have landed
    but its answer is lost, so it is retried like any lost answer, never parsed as the vendor's."""
    return TransportError(
        vendor_name,
        method=request.method,
        path=request.path,
        message=f"HTTP {response.status} answer is not JSON: {response.text[:80]!r}",
        sent=True,
    )
