"""The normalized vocabulary every layer speaks: phases, updates, incidents and operation results."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .exceptions import IncidentValidationError


class Phase(StrEnum):
    """Where an incident is in its life, comparable across vendors (the order matters)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"

    @property
    def order(self) -> int:
        """1 for open up to 4 for resolved: phases compare by this number."""
        return _PHASE_ORDER[self]

    def at_or_past(self, other: Phase) -> bool:
        """True when this phase is the same as ``other`` or later in the life of an incident."""
        return self.order >= other.order


_PHASE_ORDER = {phase: index for index, phase in enumerate(Phase, start=1)}


class InputModel(BaseModel):
    """A model built from a caller's arguments: a value of the wrong type or range is an
    :class:`IncidentValidationError` naming the field, like every other bad input, not pydantic's own."""

    if not TYPE_CHECKING:  # type checkers keep seeing pydantic's typed constructor

        def __init__(self, **data: Any) -> None:
            try:
                super().__init__(**data)
            except ValidationError as exc:
                raise input_error(exc) from None


def input_error(exc: ValidationError) -> IncidentValidationError:
    """The first problem pydantic found, as the provider's error (the value itself is not repeated: it
    may be large, or a secret pasted into the wrong field)."""
    first = exc.errors(include_url=False, include_input=True)[0]
    where = ".".join(str(part) for part in first["loc"]) or "input"
    got = type(first.get("input")).__name__
    return IncidentValidationError(where, f"{first['msg'][:1].lower()}{first['msg'][1:]} (got {got})")


class IncidentUpdate(InputModel):
    """What a caller wants changed on an incident; ``None`` means "leave as it is"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str | None = None
    description: str | None = None
    status: str | None = None
    severity: str | None = None
    assignees: tuple[str, ...] | None = None
    note: str | None = None
    resolution: str | None = None
    vendor_fields: dict[str, Any] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when the update names nothing to change (read field by field: every update asks)."""
        return not self.vendor_fields and all(
            getattr(self, name) is None for name in type(self).model_fields if name != "vendor_fields"
        )

    def require_changes(self, vendor: str) -> None:
        """Refuse an update that names nothing to change, before any request (every vendor's rule)."""
        if self.is_empty():
            raise IncidentValidationError("update", "names nothing to change", vendor=vendor)


FromTriage = Literal["start", "cancel", "fail"]
"""What resolving an incident still in triage does first (Rootly refuses triage -> resolved)."""


class WriteOptions(InputModel):
    """How a write is made: who may see it, whether it may reopen, and how a retry recognises it.

    On status pages every status change and note is a message to customers, so it is posted only with
    ``public=True`` and reaches subscribers only with ``notify_subscribers=True``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    public: bool = False
    notify_subscribers: bool = False
    allow_reopen: bool = False
    from_triage: FromTriage = "start"
    idempotency_key: str | None = None
    include_raw: bool = False


class ListQuery(InputModel):
    """Filters for listing incidents; ``statuses`` are vendor words or phases.

    ``services`` and ``teams`` scope the list to the vendor's own service and team ids: any id of a
    field matches, and with both given an incident must match both; empty means no such scope (the
    whole scope of the connection). PagerDuty (``service_ids[]``, ``team_ids[]``) and Rootly
    (``filter[service_ids]``, ``filter[team_ids]``) filter by them. DevHelm and UptimeIO list the
    connection's status page and refuse both; Pinghome lists one team, the connection's ``team_id``
    unless ``teams`` names exactly one other, and refuses ``services``. A refusal is an
    ``IncidentValidationError`` raised before any request.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    statuses: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = Field(default=None, ge=1)
    include_raw: bool = False


class IncidentCreate(InputModel):
    """A new incident; ``dedup_key`` makes creating it idempotent (stored with it, looked for first)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    description: str | None = None
    severity: str | None = None
    assignees: tuple[str, ...] | None = None
    vendor_fields: dict[str, Any] = Field(default_factory=dict)
    dedup_key: str | None = None


class Escalation(InputModel):
    """Where to escalate to: explicit targets, or none of them for one step up the vendor's own scale."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: str | None = None
    escalation_level: int | None = Field(default=None, ge=1)
    assignees: tuple[str, ...] | None = None
    note: str | None = None

    @property
    def one_step(self) -> bool:
        """True when no target is named: raise the incident one step on the vendor's scale."""
        return self.severity is None and self.escalation_level is None and self.assignees is None


class Incident(BaseModel):
    """An incident as any vendor reports it, in one shape; what operators push to XCom."""

    model_config = ConfigDict(frozen=True)

    vendor: str
    id: str
    ref: str
    title: str | None = None
    status: str
    phase: Phase
    severity: str | None = None
    assignees: tuple[str, ...] = ()
    url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    raw: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain JSON-serializable dict (what XCom stores); ``raw`` only when it was asked for."""
        return self.model_dump(mode="json", exclude_none=False, exclude={"raw"} if self.raw is None else None)


class Step(BaseModel):
    """One request of a multi-request operation and whether it changed anything at the vendor."""

    model_config = ConfigDict(frozen=True)

    name: str
    applied: bool
    detail: str | None = None


class IncidentChange(NamedTuple):
    """One change a vendor's change feed reports: its own id (the same on every read, so overlapping
    reads can be deduplicated), the incident's ref, when the vendor stamped it (its clock, not ours), and
    the incident as it is now when the feed carries it (else ``None``: read it)."""

    id: str
    ref: str
    at: datetime | None
    incident: Incident | None


class ChangeFeed(NamedTuple):
    """One read of a vendor's change feed: the changes, and the vendor's clock when it answered the
    first page (its HTTP ``Date``; ``None`` without one), where the next read may start.

    A feed read from a list that only says how things are now (a status page's incidents) is a
    ``snapshot``: its changes are the watched incidents as they are, each with an id that names its
    state, so only a state not handed over before is; ``unseen`` are watched refs such a read could
    not find (off the list), each then read on its own."""

    changes: list[IncidentChange]
    as_of: datetime | None
    snapshot: bool = False
    unseen: tuple[str, ...] = ()


class OperationResult(BaseModel):
    """The outcome of a write: the incident afterwards, whether anything changed, and each sub-step."""

    model_config = ConfigDict(frozen=True)

    incident: Incident
    changed: bool
    steps: tuple[Step, ...] = ()

    @classmethod
    def from_steps(cls, incident: Incident, steps: list[Step]) -> OperationResult:
        """The result of an operation: ``changed`` when any step applied."""
        return cls(incident=incident, changed=any(step.applied for step in steps), steps=tuple(steps))

    @classmethod
    def already(cls, incident: Incident, name: str) -> OperationResult:
        """Nothing done: the incident already is as step ``name`` would make it (``changed: false``)."""
        return cls.from_steps(incident, [Step(name=name, applied=False, detail=f"already {incident.status}")])

    def to_xcom(self) -> dict[str, Any]:
        """The incident's JSON dict plus ``changed`` and ``steps``: the value operators return."""
        value = self.incident.to_json()
        value["changed"] = self.changed
        value["steps"] = [step.model_dump(mode="json") for step in self.steps]
        return value
