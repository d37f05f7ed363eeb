"""PagerDuty hook: the PagerDuty flow of each operation (the connection's settings: ``pagerduty_access``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_incident_provider.exceptions import (
    ConflictError,
    IncidentValidationError,
    VendorError,
    VendorValidationError,
)
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.pagerduty_access import pagerduty_settings
from airflow_incident_provider.hooks.pagerduty_waiting import PagerDutyWaiting
from airflow_incident_provider.hooks.settings import ConnectionSettings
from airflow_incident_provider.hooks.write_once import write_at_most_once
from airflow_incident_provider.models import (
    Escalation,
    Incident,
    IncidentCreate,
    IncidentUpdate,
    ListQuery,
    OperationResult,
    Phase,
    Step,
    WriteOptions,
)
from airflow_incident_provider.vendors import pagerduty as pd
from airflow_incident_provider.vendors.base import Request

if TYPE_CHECKING:
    from airflow.sdk import Connection

MISSING_SHOWN = 20
"""Ids named in the error when a bulk response leaves incidents out (the count covers the rest)."""


class PagerDutyIncidentHook(PagerDutyWaiting, IncidentHook):
    """Incidents at PagerDuty through REST API v2 (not the Events API).

    Connection: the API token in the password; extras ``auth_scheme`` (``api_key`` sent as
    ``Token token=...``, or ``oauth`` sent as ``Bearer ...``; the older name ``token_kind`` is read
    too), ``from_email`` (required by PagerDuty on every write), ``region`` (``us`` or ``eu``),
    ``default_service_id`` (the service incidents are created on when ``vendor_fields`` names none),
    timeouts, proxy, CA bundle and rate-limit override; a host with a scheme replaces the base URL.
    """

    conn_name_attr: ClassVar[str] = "pagerduty_incidents_conn_id"
    default_conn_name: ClassVar[str] = "pagerduty_incidents_default"
    conn_type: ClassVar[str] = "pagerduty_incidents"
    hook_name: ClassVar[str] = "PagerDuty Incidents"
    vendor_name: ClassVar[str] = pd.NAME
    supports_bulk_transition: ClassVar[bool] = True

    def __init__(self, pagerduty_incidents_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(pagerduty_incidents_conn_id, **kwargs)
        self._priorities: list[dict[str, str]] | None = None

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        return pagerduty_settings(connection, extras)

    def request_headers(self, request: Request) -> dict[str, str]:
        settings = self.settings
        headers = pd.headers(from_email=settings.extra("from_email"), write=request.write)
        headers["Authorization"] = pd.authorization(settings.token, settings.extra("auth_scheme"))
        return headers

    def credential_hint(self) -> str:
        scheme = self.settings.extra("auth_scheme")
        schemes = " or ".join(pd.AUTH_SCHEMES)
        return f"the API token in the password and its auth_scheme {scheme!r} ({schemes})"

    def require_write_settings(self) -> None:
        pd.headers(from_email=self.settings.extra("from_email"), write=True)

    # --- flows ------------------------------------------------------------------------------------

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        response = yield pd.build_get(ref)
        return pd.parse_incident(response, include_raw=include_raw)

    def _priorities_flow(self) -> Flow[list[dict[str, str]]]:
        """PagerDuty's priorities, read once per hook (names are looked up in them)."""
        if self._priorities is None:
            self._priorities = pd.parse_priorities((yield pd.build_priorities()))
        return self._priorities

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        pd.validate_update(update)
        pd.incident_id_from_ref(ref)
        self.require_write_settings()
        update.require_changes(pd.NAME)
        raw = options.include_raw
        priorities = (yield from self._priorities_flow()) if pd.needs_priorities(update) else None
        current: Incident | None = None
        if update.status is not None:
            current = yield from self.get_flow(ref, include_raw=raw)
            self.check_reopen(current, pd.to_vendor_status(update.status), options.allow_reopen)
        fields = pd.update_fields(update, current=current, priorities=priorities)
        if current is not None and fields.get("title") == current.title:
            fields.pop("title")
        steps: list[Step] = []
        incident = current
        if fields:
            try:
                incident = pd.parse_incident((yield pd.build_update(ref, fields)), include_raw=raw)
                steps.append(Step(name="update", applied=True, detail=", ".join(sorted(fields))))
            except ConflictError as exc:
                if not (exc.code == str(pd.ALREADY_RESOLVED) and fields.get("status") == "resolved"):
                    raise
                incident = yield from self.get_flow(ref, include_raw=raw)
                steps.append(Step(name="update", applied=True, detail="resolved concurrently"))
        else:
            steps.append(Step(name="update", applied=False, detail="already as requested"))
        if update.note is not None:
            steps.append((yield from self._note_step(ref, update.note, options)))
        if incident is None:
            incident = yield from self.get_flow(ref, include_raw=raw)
        return OperationResult(
            incident=incident, changed=any(step.applied for step in steps), steps=tuple(steps)
        )

    def _note_step(self, ref: str, note: str, options: WriteOptions) -> Flow[Step]:
        posted = yield from self.note_flow(ref, note, options.idempotency_key)
        return Step(name="note", applied=posted, detail=None if posted else "already posted")

    def _transition_flow(
        self, ref: str, target: Phase, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Move forward to ``target`` unless the incident is already there or past it (never reopens)."""
        pd.incident_id_from_ref(ref)
        if note is not None:
            pd.validate_note(note)
        self.require_write_settings()
        raw = options.include_raw
        incident = yield from self.get_flow(ref, include_raw=raw)
        status = pd.PHASE_STATUSES[target]
        steps: list[Step] = []
        if incident.phase.at_or_past(target):
            steps.append(Step(name=status, applied=False, detail=f"already {incident.status}"))
        else:
            fields: dict[str, Any] = {"status": status}
            if resolution and target is Phase.RESOLVED:
                fields["resolution"] = resolution
            try:
                incident = pd.parse_incident((yield pd.build_update(ref, fields)), include_raw=raw)
                steps.append(Step(name=status, applied=True))
            except ConflictError as exc:
                if exc.code not in (str(pd.ALREADY_RESOLVED), "1002"):
                    raise
                incident = yield from self.get_flow(ref, include_raw=raw)
                steps.append(Step(name=status, applied=True, detail="applied concurrently"))
        if note is not None:
            steps.append((yield from self._note_step(ref, note, options)))
        return OperationResult(
            incident=incident, changed=any(step.applied for step in steps), steps=tuple(steps)
        )

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        return (yield from self._transition_flow(ref, Phase.RESOLVED, resolution, note, options))

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        return (yield from self._transition_flow(ref, Phase.ACKNOWLEDGED, None, note, options))

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        pd.validate_note(note)
        self.require_write_settings()
        incident = yield from self.get_flow(ref, include_raw=options.include_raw)
        step = yield from self._note_step(ref, note, options)
        return OperationResult(incident=incident, changed=step.applied, steps=(step,))

    def bulk_transition_flow(
        self, refs: Sequence[str], status: str, resolution: str | None, options: WriteOptions
    ) -> Flow[list[OperationResult]]:
        """Acknowledge or resolve many incidents with ``PUT /incidents``, :data:`pd.BULK_LIMIT` per call.

        Returns one result per ref, in input order (a ref given twice is sent once). Resolving reads
        nothing first: the target is absolute, so each returned incident counts as ``changed`` (the
        response cannot tell "resolved now" from "already resolved"). Acknowledging reads each incident
        first unless ``options.allow_reopen``, because PagerDuty reopens a resolved incident that is set
        to acknowledged; those at or past acknowledged are ``changed: false`` and left out of the call.
        """
        target = pd.validate_bulk_status(status)
        if resolution is not None and target != "resolved":
            raise IncidentValidationError(
                "resolution", "PagerDuty uses a resolution only when resolving", vendor=pd.NAME
            )
        ids = [self._bulk_id(ref) for ref in refs]
        self.require_write_settings()
        raw = options.include_raw
        results: dict[str, OperationResult] = {}
        pending = list(dict.fromkeys(ids))
        if target == "acknowledged" and not options.allow_reopen:
            unread, pending = pending, []
            for ref in unread:
                incident = yield from self.get_flow(ref, include_raw=raw)
                if incident.phase.at_or_past(Phase.ACKNOWLEDGED):
                    results[ref] = OperationResult.already(incident, target)
                else:
                    pending.append(ref)
        fields: dict[str, Any] = {"status": target}
        if resolution:
            fields["resolution"] = resolution
        for start in range(0, len(pending), pd.BULK_LIMIT):
            chunk = pending[start : start + pd.BULK_LIMIT]
            results.update((yield from self._bulk_chunk_flow(chunk, fields, raw, fall_back=True)))
        return [results[ref] for ref in ids]

    @staticmethod
    def _bulk_id(ref: str) -> str:
        pd.incident_id_from_ref(ref)
        return ref.strip()

    def _bulk_chunk_flow(
        self, chunk: list[str], fields: Mapping[str, Any], raw: bool, *, fall_back: bool
    ) -> Flow[dict[str, OperationResult]]:
        """One ``PUT /incidents``; each incident of ``chunk`` must come back at or past the target.

        Should PagerDuty refuse the whole call because one incident is already resolved (code 1001),
        each is read and the call is sent again without the resolved ones: never a failure for that.
        """
        target = str(fields["status"])
        request = pd.build_bulk_update([(ref, fields) for ref in chunk])
        try:
            incidents = pd.parse_bulk((yield request), include_raw=raw)
        except ConflictError as exc:
            if not (fall_back and target == "resolved" and exc.code == str(pd.ALREADY_RESOLVED)):
                raise
            results: dict[str, OperationResult] = {}
            remaining: list[str] = []
            for ref in chunk:
                incident = yield from self.get_flow(ref, include_raw=raw)
                if incident.phase is Phase.RESOLVED:
                    results[ref] = OperationResult.already(incident, target)
                else:
                    remaining.append(ref)
            if remaining:
                results.update((yield from self._bulk_chunk_flow(remaining, fields, raw, fall_back=False)))
            return results
        returned = {incident.id: incident for incident in incidents}
        missing = [ref for ref in chunk if ref not in returned]
        if missing:
            shown = ", ".join(missing[:MISSING_SHOWN])
            more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
            raise VendorError(
                pd.NAME,
                method=request.method,
                path=request.path,
                status_code=200,
                message=f"the bulk response leaves out {len(missing)} incident(s) sent: {shown}{more}",
            )
        results = {}
        wanted = pd.STATUS_PHASES[target]
        for ref in chunk:
            incident = returned[ref]
            if incident.status == target:
                results[ref] = OperationResult.from_steps(incident, [Step(name=target, applied=True)])
            elif incident.phase.at_or_past(wanted):
                results[ref] = OperationResult.already(incident, target)
            else:
                raise VendorError(
                    pd.NAME,
                    method=request.method,
                    path=request.path,
                    status_code=200,
                    message=f"incident {ref} came back {incident.status}, not {target}",
                )
        return results

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        incidents: list[Incident] = []
        limit = query.limit
        until = pd.local_until(query.since, query.until)
        offset = 0
        while limit is None or len(incidents) < limit:
            page_size = pd.LIST_PAGE_SIZE if limit is None else min(pd.LIST_PAGE_SIZE, limit - len(incidents))
            request = pd.build_list(
                statuses=query.statuses,
                since=query.since,
                until=query.until,
                offset=offset,
                limit=page_size,
                services=query.services,
                teams=query.teams,
            )
            page, more = pd.parse_list((yield request), include_raw=query.include_raw)
            offset += len(page)
            kept = [
                item for item in page if until is None or item.created_at is None or item.created_at < until
            ]
            incidents.extend(kept)
            if not more or not page or len(kept) < len(page):  # oldest first: the rest are later still
                break
        return incidents if limit is None else incidents[:limit]

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """``POST /incidents`` at most once per ``dedup_key`` (PagerDuty's ``incident_key``).

        With a key, the service's incidents are searched for it first (any status, any age); a lost
        response is followed by another search before posting again; PagerDuty's own refusal of a
        second open incident with the key (400, code 2001) is read as "already created".
        """
        fields = pd.validate_create(create, default_service=self.settings.extra("default_service_id"))
        self.require_write_settings()
        raw = options.include_raw
        priorities = (yield from self._priorities_flow()) if pd.needs_priorities(create) else None
        body = pd.create_body(create, fields, priorities)
        key: str | None = body.get("incident_key")
        service_id: str = body["service"]["id"]
        already = Step(name="create", applied=False, detail="already created")
        if key is not None:
            found = yield from self._found_flow(key, service_id, raw)
            if found is not None:
                return OperationResult.from_steps(found, [already])
        find = (lambda: self._found_flow(key, service_id, raw)) if key is not None else None
        try:
            written = yield from write_at_most_once(pd.build_create(body), find)
        except VendorValidationError as exc:
            if key is None or not pd.is_duplicate_key(exc):
                raise
            found = yield from self._found_flow(key, service_id, raw)
            if found is None:
                raise
            return OperationResult.from_steps(found, [already])
        if written.response is None:
            assert written.found is not None
            step = Step(name="create", applied=True, detail="created (response lost)")
            return OperationResult.from_steps(written.found, [step])
        incident = pd.parse_incident(written.response, include_raw=raw)
        return OperationResult.from_steps(incident, [Step(name="create", applied=True)])

    def _found_flow(self, key: str, service_id: str, raw: bool) -> Flow[Incident | None]:
        """The service's incident carrying ``key`` (any status, any age), if any."""
        return pd.parse_found((yield pd.build_find_by_key(key, service_id)), include_raw=raw)

    def _standing_flow(
        self, ref: str, options: WriteOptions, action: str
    ) -> Flow[tuple[Incident, pd.Standing]]:
        """Read the incident for an escalate or reassign; a resolved one only with ``allow_reopen``."""
        response = yield pd.build_get(ref)
        incident = pd.parse_incident(response, include_raw=options.include_raw)
        if incident.phase is Phase.RESOLVED and not options.allow_reopen:
            raise IncidentValidationError(
                "status",
                f"incident {incident.ref} is {incident.status}: {action} it only together with reopening "
                "it, by passing allow_reopen=True",
                vendor=pd.NAME,
            )
        return incident, pd.parse_standing(response)

    def _write_flow(
        self,
        ref: str,
        incident: Incident,
        fields: dict[str, Any],
        name: str,
        detail: str,
        note: str | None,
        options: WriteOptions,
    ) -> Flow[OperationResult]:
        """One ``PUT`` of absolute fields (reopening a resolved incident first), then the note."""
        steps: list[Step] = []
        if fields:
            if incident.phase is Phase.RESOLVED:  # only reached with allow_reopen
                fields = {"status": pd.PHASE_STATUSES[Phase.OPEN], **fields}
            incident = pd.parse_incident(
                (yield pd.build_update(ref, fields)), include_raw=options.include_raw
            )
            steps.append(Step(name=name, applied=True, detail=detail))
        else:
            steps.append(Step(name=name, applied=False, detail=detail))
        if note is not None:
            steps.append((yield from self._note_step(ref, note, options)))
        return OperationResult.from_steps(incident, steps)

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Escalate to the named targets, or one step up urgency then priority, as one absolute ``PUT``.

        The step is computed once from the incident as read; the ``PUT`` carries the target value, so
        a retried request can never climb a second step.
        """
        pd.incident_id_from_ref(ref)
        pd.validate_escalation(escalation)
        self.require_write_settings()
        incident, standing = yield from self._standing_flow(ref, options, "escalate")
        needs = pd.escalation_needs_priorities(escalation, standing)
        priorities = (yield from self._priorities_flow()) if needs else None
        fields = pd.escalation_fields(escalation, standing, priorities)
        if fields is None:
            detail = "already at the top"
        else:
            detail = pd.describe(fields, priorities) if fields else "already as requested"
        return (
            yield from self._write_flow(
                ref, incident, fields or {}, "escalate", detail, escalation.note, options
            )
        )

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Replace the assignments with exactly these users; ``changed: false`` when they already are."""
        pd.incident_id_from_ref(ref)
        pd.validate_assignees(assignees)
        if note is not None:
            pd.validate_note(note)
        self.require_write_settings()
        incident, standing = yield from self._standing_flow(ref, options, "reassign")
        fields = pd.without_current({"assignments": pd.assignments(assignees)}, standing)
        detail = pd.describe(fields, None) if fields else "already assigned"
        return (yield from self._write_flow(ref, incident, fields, "reassign", detail, note, options))

    def check_connection_flow(self) -> Flow[str]:
        yield pd.build_connection_check()
        return f"Connected to PagerDuty at {self.settings.base_url}"
