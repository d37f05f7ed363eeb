"""Scripted changes: incident transitions and new incidents due at a sandbox time, applied lazily.

Nothing runs in the background. Due actions are applied, oldest due first, whenever the sandbox serves a
request or its clock is moved, and each is recorded at its due time, so a test or demo sees the same
timeline whether the next request comes a millisecond or an hour after the due time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .core import SandboxHTTPError

if TYPE_CHECKING:
    from .core import VendorBackend
    from .state import SandboxState

TRANSITION = "transition"
APPEAR = "appear"
PENDING, APPLIED, FAILED = "pending", "applied", "failed"
MAX_AFTER_SECONDS = 366 * 24 * 3600.0
"""The furthest ahead an action may be scheduled (a year of sandbox time)."""
MAX_TITLE_LENGTH = 200
"""The shortest title limit of the emulated vendors (UptimeIO's), so a title fits every vendor."""
_ERROR_TEXT_KEYS = ("message", "title", "detail", "errors", "error")


class ScheduleError(Exception):
    """A scheduling request the sandbox refuses; ``field`` names the offending input, if one does."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidSchedule(ScheduleError):
    """Bad input (a status the vendor does not have, a negative delay...): HTTP 400."""


class UnknownTarget(ScheduleError):
    """An unknown vendor or incident: HTTP 404."""


@dataclass
class ScheduledAction:
    """One scripted change and, once applied, its outcome (``ref``) or why it failed (``error``)."""

    id: str
    vendor: str
    kind: str
    due: float
    """Sandbox POSIX time at which the change happens."""
    scheduled_at: float
    status: str | None = None
    title: str | None = None
    ref: str | None = None
    """The incident: the target of a transition, the new incident of an appearance once applied."""
    applied_at: float | None = None
    """Sandbox time the change was recorded at (its due time), once applied or failed."""
    error: str | None = None

    @property
    def state(self) -> str:
        if self.applied_at is None:
            return PENDING
        return FAILED if self.error is not None else APPLIED

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "vendor": self.vendor,
            "kind": self.kind,
            "state": self.state,
            "ref": self.ref,
            "status": self.status,
        }
        if self.kind == APPEAR:
            data["title"] = self.title
        data.update(
            scheduled_at=iso_time(self.scheduled_at),
            due_at=iso_time(self.due),
            applied_at=None if self.applied_at is None else iso_time(self.applied_at),
            error=self.error,
        )
        return data


class Scheduler:
    """The pending and past scripted changes of one sandbox; ids run ``sch_1``, ``sch_2``... per reset."""

    def __init__(self, sandbox: SandboxState) -> None:
        self._sandbox = sandbox
        self._actions: list[ScheduledAction] = []
        self._count = 0

    # ------------------------------------------------------------ scheduling

    def schedule_transition(
        self, vendor: str, ref_or_id: str, status: str, after_seconds: float
    ) -> ScheduledAction:
        """Move an existing incident to ``status`` (a vendor's word) ``after_seconds`` from now."""
        backend = self._backend(vendor)
        try:
            ref = backend.incident_ref(ref_or_id)
        except SandboxHTTPError as exc:
            if exc.status_code == 404:
                raise UnknownTarget(f"{vendor} has no incident {ref_or_id!r}", "ref") from None
            raise InvalidSchedule(f"{vendor} refused incident {ref_or_id!r}: {describe_error(exc)}") from None
        word = self._status(backend, status)
        return self._add(vendor, TRANSITION, after_seconds, status=word, ref=ref)

    def schedule_appearance(
        self, vendor: str, title: str, after_seconds: float, status: str | None = None
    ) -> ScheduledAction:
        """Open a new incident titled ``title`` (optionally in ``status``) after ``after_seconds``."""
        backend = self._backend(vendor)
        word = None if status is None else self._status(backend, status)
        if not isinstance(title, str) or not title.strip():
            raise InvalidSchedule("title must be a non-empty string", "title")
        if len(title) > MAX_TITLE_LENGTH:
            raise InvalidSchedule(f"title must be at most {MAX_TITLE_LENGTH} characters", "title")
        return self._add(vendor, APPEAR, after_seconds, status=word, title=title.strip())

    def _backend(self, vendor: str) -> VendorBackend:
        backend = self._sandbox.vendors.get(vendor)
        if backend is None:
            known = ", ".join(sorted(self._sandbox.vendors))
            raise UnknownTarget(f"unknown vendor {vendor!r}; known: {known}", "vendor")
        return backend

    @staticmethod
    def _status(backend: VendorBackend, status: str) -> str:
        word = backend.canonical_status(status) if isinstance(status, str) else None
        if word is None:
            allowed = ", ".join(backend.scripted_statuses())
            raise InvalidSchedule(
                f"status {status!r} is not a {backend.name} status; allowed: {allowed}", "status"
            )
        return word

    def _add(self, vendor: str, kind: str, after_seconds: float, **fields: Any) -> ScheduledAction:
        delay = check_after_seconds(after_seconds)
        now = self._sandbox.clock.timestamp()
        self._count += 1
        action = ScheduledAction(f"sch_{self._count}", vendor, kind, now + delay, now, **fields)
        self._actions.append(action)
        self.apply_due()  # a zero delay takes effect before the caller hears back
        return action

    # ------------------------------------------------------------ applying

    def apply_due(self) -> list[ScheduledAction]:
        """Apply every pending action whose time has come, in due order; never raises for one that fails."""
        now = self._sandbox.clock.timestamp()
        due = sorted(
            (a for a in self._actions if a.applied_at is None and a.due <= now),
            key=lambda action: (action.due, int(action.id.removeprefix("sch_"))),
        )
        for action in due:
            self._apply(action)
        return due

    def _apply(self, action: ScheduledAction) -> None:
        at = datetime.fromtimestamp(action.due, tz=UTC)
        action.applied_at = action.due
        try:
            backend = self._backend(action.vendor)
            if action.kind == TRANSITION:
                assert action.ref is not None
                assert action.status is not None
                action.ref = backend.apply_status(action.ref, action.status, at)
            else:
                assert action.title is not None
                action.ref = backend.spawn_incident(action.title, action.status, at)
        except Exception as exc:  # recorded on the action: a refused change must not fail the request
            action.error = describe_error(exc)

    # ------------------------------------------------------------ listing

    def actions(self) -> list[ScheduledAction]:
        """Every action, in the order they were scheduled."""
        return list(self._actions)

    def cancel_pending(self) -> int:
        """Drop the actions not applied yet; applied and failed ones stay listed. Returns how many."""
        kept = [a for a in self._actions if a.applied_at is not None]
        cancelled = len(self._actions) - len(kept)
        self._actions = kept
        return cancelled

    def clear(self) -> None:
        """Forget everything and number from ``sch_1`` again (a sandbox reset)."""
        self._actions = []
        self._count = 0


def check_after_seconds(value: object) -> float:
    """A delay in sandbox seconds: a finite number from 0 to a year."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSchedule(f"after_seconds must be a number of seconds (got {value!r})", "after_seconds")
    delay = float(value)
    if not math.isfinite(delay) or delay < 0:
        raise InvalidSchedule(f"after_seconds must be >= 0 (got {value!r})", "after_seconds")
    if delay > MAX_AFTER_SECONDS:
        raise InvalidSchedule(
            f"after_seconds must be at most {MAX_AFTER_SECONDS:.0f} (a year; got {value!r})", "after_seconds"
        )
    return delay


def iso_time(timestamp: float) -> str:
    """UTC ISO 8601 with milliseconds: scheduled times are often seconds or less apart."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def describe_error(exc: BaseException) -> str:
    """A one-line account of why a change failed, from the vendor's own error body when there is one."""
    if isinstance(exc, SandboxHTTPError):
        texts = list(dict.fromkeys(_error_texts(exc.body)))
        return f"HTTP {exc.status_code}: {'; '.join(texts) if texts else 'no error message'}"
    return f"{type(exc).__name__}: {exc}"


def _error_texts(value: Any, keep: bool = False) -> list[str]:
    """The human-readable strings of a vendor error body (messages, titles, details), in order."""
    if isinstance(value, str):
        return [value] if keep and value.strip() else []
    if isinstance(value, list):
        return [text for item in value for text in _error_texts(item, keep)]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in _error_texts(item, key in _ERROR_TEXT_KEYS)]
    return []
