"""What an account configures for itself and the provider reads from its API (Rootly's and incident.io's
severities and incident roles, incident.io's statuses): entries found by any word that names them, and
severities as the scale a one-step escalation climbs. Reading them once per hook is the hooks' part."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError


class Entry(NamedTuple):
    """One configured severity, role or status: its id, name, order (a severity's rank or position, None
    when the account gives none), kind (a status's category, a role's type) and other names (a slug)."""

    id: str
    name: str
    rank: int | None = None
    kind: str = ""
    aliases: tuple[str, ...] = ()


def find(value: str, entries: Iterable[Entry]) -> Entry | None:
    """The entry ``value`` names by its id, name or an alias (case and surrounding spaces ignored)."""
    wanted = value.strip().lower()
    for entry in entries:
        if wanted in {
            entry.id.lower(),
            entry.name.lower(),
            *(alias.lower() for alias in entry.aliases if alias),
        }:
            return entry
    return None


def named(value: str, entries: Sequence[Entry], field_name: str, what: str, vendor: str, empty: str) -> Entry:
    """The entry ``value`` names (see :func:`find`), or an error before any write: ``value`` is not ``what``
    (e.g. "a Rootly severity id, slug or name; severities"), then the entries (``empty`` for none)."""
    found = find(value, entries)
    if found is None:
        raise IncidentValidationError(
            field_name, f"{value!r} is not {what}: {listing(entries, empty)}", vendor=vendor
        )
    return found


def listing(entries: Iterable[Entry], empty: str) -> str:
    """The entries as an error lists them: each name, with its aliases in brackets; ``empty`` for none."""
    names = [f"{e.name} ({', '.join(e.aliases)})" if any(e.aliases) else e.name for e in entries]
    return ", ".join(names) or empty


def step_up(current: str | None, scale: Sequence[Entry], *, vendor: str, display: str) -> Entry | None:
    """One step up ``scale`` (least severe first) from the entry whose id is ``current``: the least severe
    when the incident has none (or one no longer defined), None at the top."""
    if not scale:
        raise IncidentValidationError(
            "severity", f"the {display} account defines no severities to escalate through", vendor=vendor
        )
    ids = [entry.id for entry in scale]
    if current not in ids:
        return scale[0]
    index = ids.index(current) + 1
    return scale[index] if index < len(scale) else None


def no_escalation_levels(display: str) -> UnsupportedOperationError:
    """An account-defined severity scale is what escalation climbs; levels are PagerDuty's policies'."""
    return UnsupportedOperationError(
        f"{display} has no escalation levels (escalation_level is PagerDuty's): pass severity=... to set "
        "one of the account's severities, or no target to raise the incident one step up its severities"
    )
