"""One exception hierarchy for every vendor, so callers can catch by meaning, not by vendor."""

from __future__ import annotations


class IncidentError(Exception):
    """Base of every error this provider raises."""


class IncidentValidationError(IncidentError, ValueError):
    """Input that cannot be sent: raised before any request, naming the field and what is allowed."""

    def __init__(self, field: str, message: str, *, vendor: str | None = None) -> None:
        self.field = field
        self.vendor = vendor
        where = f"{vendor}: " if vendor else ""
        super().__init__(f"{where}invalid {field!r}: {message}")


class UnsupportedOperationError(IncidentError):
    """The vendor cannot do what was asked; the message says what to use instead."""


class ConnectionConfigError(IncidentError, ValueError):
    """The Airflow connection is missing something or holds a value the provider cannot use."""


class VendorError(IncidentError):
    """A response the vendor refused, carrying the vendor's own message and code."""

    def __init__(
        self,
        vendor: str,
        *,
        method: str,
        path: str,
        status_code: int | None,
        message: str,
        code: str | None = None,
        details: tuple[str, ...] = (),
        retry_after: float | None = None,
    ) -> None:
        self.vendor = vendor
        self.method = method
        self.path = path
        self.status_code = status_code
        self.vendor_message = message
        self.code = code
        self.details = details
        self.retry_after = retry_after
        status = f"HTTP {status_code}" if status_code is not None else "no response"
        code_part = f" (code {code})" if code else ""
        detail_part = f" [{'; '.join(details)}]" if details else ""
        super().__init__(f"{vendor} {method} {path} failed: {status}{code_part}: {message}{detail_part}")

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again may succeed (429, 502/503/504, transport errors)."""
        return False


class IncidentNotFoundError(VendorError):
    """The incident (or another addressed object) does not exist, or the credential cannot see it."""


class AuthenticationError(VendorError):
    """The vendor rejected the credential (401) or refused the action to it (403)."""


class VendorValidationError(VendorError):
    """The vendor rejected the request body (400/422) with its own explanation."""


class ConflictError(VendorError):
    """The request conflicts with the incident's current state (409, or a vendor's state error code)."""


class RateLimitedError(VendorError):
    """The vendor throttled the request (429); retried until the deadline, then raised."""

    @property
    def retryable(self) -> bool:
        return True


class VendorServerError(VendorError):
    """The vendor failed (5xx); 502/503/504 are retried, others are not."""

    @property
    def retryable(self) -> bool:
        return self.status_code in (502, 503, 504)


class TransportError(VendorError):
    """No usable response: connection refused or reset, timeout, or a body that is not the vendor's."""

    def __init__(self, vendor: str, *, method: str, path: str, message: str, sent: bool) -> None:
        super().__init__(vendor, method=method, path=path, status_code=None, message=message)
        self.sent = sent

    @property
    def retryable(self) -> bool:
        return True


class AmbiguousWriteError(TransportError):
    """A write whose request may have reached the vendor but whose answer was lost.

    Non-idempotent writes are never blindly resent after this: the operation first checks whether the
    write landed (for example by finding its idempotency marker) and only then posts again.
    """
