"""What a wait is waiting for: status words or phases, resolved against one vendor's statuses.

Pure and shared by the sensor, the status trigger and the event trigger, so "resolved" means the same
thing in poke, reschedule and deferrable mode. A word that names a phase matches every status in that
phase (on Rootly "resolved" also matches closed and cancelled); any other word must be one of the
vendor's own statuses and matches only it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Incident, Phase

if TYPE_CHECKING:
    from airflow_incident_provider.vendors.protocol import VendorModule

PHASE_WORDS = frozenset(phase.value for phase in Phase)


def normalized_words(words: Iterable[str]) -> tuple[str, ...]:
    """Lower-cased, stripped, de-duplicated words in their first order."""
    return tuple(dict.fromkeys(word.strip().lower() for word in words if word.strip()))


def vendor_statuses(words: Sequence[str], vendor: VendorModule, field_name: str) -> frozenset[str]:
    """The vendor's own status words that ``words`` cover, or an error naming the allowed words.

    A phase the vendor does not have (PagerDuty has no "mitigated") is refused: waiting for it would
    never end.
    """
    statuses: dict[str, Phase] = dict(vendor.STATUS_PHASES)
    covered: set[str] = set()
    for word in normalized_words(words):
        if word in PHASE_WORDS:
            phase = Phase(word)
            in_phase = {status for status, status_phase in statuses.items() if status_phase is phase}
            if in_phase:
                covered |= in_phase
                continue
        elif word in statuses:
            covered.add(word)
            continue
        phases = sorted({phase.value for phase in statuses.values()}, key=lambda p: Phase(p).order)
        raise IncidentValidationError(
            field_name,
            f"{word!r} is not a {vendor.NAME} status; allowed: {', '.join(statuses)} "
            f"(or the phases {', '.join(phases)})",
            vendor=vendor.NAME,
        )
    return frozenset(covered)


class Outcome(StrEnum):
    """How a check of the incident ended: the wait is over, or the incident is in a failure status."""

    MET = "met"
    FAILED = "failed"


@dataclass(frozen=True)
class StatusCondition:
    """The vendor-independent description: target, failure and left-behind words, lower-cased.

    Empty ``targets`` means any status; ``changed_from`` is met once the incident is in none of them.
    """

    targets: tuple[str, ...] = ("resolved",)
    failures: tuple[str, ...] = ()
    changed_from: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        target_statuses: Sequence[str] | None,
        failure_statuses: Sequence[str] = (),
        changed_from: Sequence[str] = (),
    ) -> StatusCondition:
        """The condition a sensor was given; without targets or ``changed_from`` it waits for resolved."""
        if target_statuses is None:
            target_statuses = () if changed_from else ("resolved",)
        condition = cls(
            normalized_words(target_statuses),
            normalized_words(failure_statuses),
            normalized_words(changed_from),
        )
        if not condition.targets and not condition.changed_from:
            raise IncidentValidationError(
                "target_statuses", "is empty and changed_from is not set: there is nothing to wait for"
            )
        overlap = sorted(set(condition.targets) & set(condition.failures))
        if overlap:
            raise IncidentValidationError(
                "failure_statuses", f"{', '.join(overlap)} cannot be both a target and a failure status"
            )
        return condition

    def for_vendor(self, vendor: VendorModule) -> VendorCondition:
        """Resolved against the vendor's statuses; raises before any request when a word does not fit."""
        targets = vendor_statuses(self.targets, vendor, "target_statuses") if self.targets else None
        failures = vendor_statuses(self.failures, vendor, "failure_statuses")
        left = vendor_statuses(self.changed_from, vendor, "changed_from")
        if targets is not None and left and targets <= left:
            raise IncidentValidationError(
                "changed_from",
                "every target status is also a status to leave: the wait could never end",
                vendor=vendor.NAME,
            )
        return VendorCondition(targets, failures, left, self)

    def describe(self) -> str:
        """For log lines and timeout messages: what the wait is for."""
        parts = []
        if self.targets:
            parts.append(f"status in {', '.join(self.targets)}")
        if self.changed_from:
            parts.append(f"status no longer {', '.join(self.changed_from)}")
        return " and ".join(parts) or "any status"


@dataclass(frozen=True)
class VendorCondition:
    """A condition in one vendor's status words; ``targets`` None means any status."""

    targets: frozenset[str] | None
    failures: frozenset[str]
    left: frozenset[str]
    source: StatusCondition

    def evaluate(self, incident: Incident) -> Outcome | None:
        """``FAILED`` for a failure status (checked first), ``MET`` when the wait is over, else None."""
        status = incident.status.strip().lower()
        if status in self.failures:
            return Outcome.FAILED
        if status in self.left:
            return None
        if self.targets is None or status in self.targets:
            return Outcome.MET
        return None
