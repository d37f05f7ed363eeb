"""What every vendor module offers the hooks, as a ``Protocol`` mypy checks each module against.

The base hook reaches a vendor only through :class:`VendorModule`; a vendor's hook may call its own
module's other functions directly. :class:`NotesVendorModule` adds the read-back notes the base hook's
default note flow needs (PagerDuty's; the other vendors' hooks post notes their own way).
Conformance is proven statically in each vendor's ``tests/vendors/test_<vendor>.py``, and
``tests/vendors/test_protocol.py`` fails for a registered vendor left unchecked.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol, runtime_checkable

from airflow_incident_provider.models import Phase
from airflow_incident_provider.vendors.base import Budget, Request, Response


class VendorModule(Protocol):
    """A vendor module: its name, limits and status table, and the error reading every hook shares.

    Constants are read-only properties here, so a module may declare a narrower type (a tuple where a
    collection is asked for).
    """

    @property
    def NAME(self) -> str:
        """The registry name (``pagerduty``)."""

    @property
    def DISPLAY_NAME(self) -> str:
        """How the vendor spells itself, for messages."""

    @property
    def RATE_LIMIT_PER_MINUTE(self) -> int:
        """The published per-credential limit the client-side limiter starts from."""

    @property
    def LIST_PAGE_SIZE(self) -> int:
        """Incidents asked for per page when listing."""

    @property
    def STATUS_PHASES(self) -> Mapping[str, Phase]:
        """Each of the vendor's status words (lower case) and its phase."""

    @property
    def PHASE_STATUSES(self) -> Mapping[Phase, str]:
        """The word written for each phase the vendor can be set to."""

    @property
    def SENSITIVE_FIELDS(self) -> tuple[str, ...]:
        """Keys redacted from the raw vendor object at any depth."""

    @property
    def VENDOR_FIELDS(self) -> Collection[str]:
        """The body fields ``vendor_fields`` may set."""

    def to_vendor_status(self, word: str, *, field_name: str = "status") -> str:
        """A status word or phase (any case) as the vendor's own word, or a validation error."""

    def validate_vendor_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``vendor_fields`` checked against :attr:`VENDOR_FIELDS`, before any request."""

    def parse_error(self, response: Response) -> tuple[str, str | None, tuple[str, ...]]:
        """A refused response's message, the vendor's code and any details."""

    def retry_after(self, response: Response) -> float | None:
        """Seconds to wait after a 429, from the headers the vendor documents."""

    def is_conflict(self, code: str | None) -> bool:
        """Whether the vendor's error code means a conflict (mapped to ``ConflictError``)."""

    def budget(self, response: Response) -> Budget | None:
        """What the answer says is left of the credential's rate limit, from the headers the vendor
        documents; None for a vendor that documents none (the client-side limiter then goes alone)."""


@runtime_checkable
class NotesVendorModule(VendorModule, Protocol):
    """A vendor whose notes can be listed back, so a marked note is looked for before posting again.

    Runtime-checkable, so the base hook's note flow can narrow a ``VendorModule`` to it with
    ``isinstance`` (a module is checked for the members' presence).
    """

    def validate_note(self, note: str) -> None:
        """A note the vendor would refuse fails before any request."""

    def build_note(self, ref: str, content: str) -> Request:
        """The request that adds ``content`` as a note."""

    def build_list_notes(self, ref: str) -> Request:
        """The request that lists the incident's notes."""

    def parse_notes(self, response: Response) -> list[str]:
        """The text of each note, oldest first."""
