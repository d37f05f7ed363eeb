"""incident.io hook: the connection's settings and the incident.io flow of each operation.

Statuses, severities and roles are each account's own, so they are read from the API (once per hook)
and every name is checked against them before the first write. The API edits an incident's name,
summary, severity, live status and role assignments; it offers no way to post a note or to move an
incident out of its live statuses, and those operations say so before any write.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_incident_provider.exceptions import (
    IncidentValidationError,
)
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.catalogue import ReadOnce
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.paging import read_pages
from airflow_incident_provider.hooks.settings import ConnectionSettings, api_key_settings
from airflow_incident_provider.hooks.updated_feed import updated_since_flow
from airflow_incident_provider.hooks.write_once import read_back, write_at_most_once
from airflow_incident_provider.models import (
    ChangeFeed,
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
from airflow_incident_provider.vendors.base import Request, created_between, parse_timestamp, refuse_scope
from airflow_incident_provider.vendors.catalogue import Entry, no_escalation_levels
from airflow_incident_provider.vendors.incidentio import api, catalog, changes, incidents, writes

if TYPE_CHECKING:
    from airflow.sdk import Connection

Raw = Mapping[str, Any]
CREATE_LOOKBACK = timedelta(seconds=5)
"""How far before the create was sent an incident found after a lost answer may have been created."""


def _read_catalog(name: str) -> Flow[list[Entry]]:
    return catalog.parse_catalog(name, (yield catalog.build_catalog(name)))


class IncidentIOIncidentHook(IncidentHook):
    """Incidents at incident.io through its public API (v1 for the account's catalog, v2 for incidents).

    Connection: the API key in the password (sent as Bearer); extras ``assignee_role`` (the incident
    role assignees fill, by default the lead role), ``visibility`` and ``default_severity`` of created
    incidents, timeouts, proxy, CA bundle and rate-limit override; a host with a scheme replaces
    ``https://api.incident.io``. An incident's ``ref`` is its id.
    """

    conn_name_attr: ClassVar[str] = "incidentio_incidents_conn_id"
    default_conn_name: ClassVar[str] = "incidentio_incidents_default"
    conn_type: ClassVar[str] = "incidentio_incidents"
    hook_name: ClassVar[str] = "incident.io Incidents"
    vendor_name: ClassVar[str] = api.NAME

    def __init__(self, incidentio_incidents_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(incidentio_incidents_conn_id, **kwargs)
        self._catalog = {name: ReadOnce(partial(_read_catalog, name)) for name in catalog.CATALOGS}

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        choices = {"visibility": (api.VISIBILITIES, api.VISIBILITY)}
        return api_key_settings(connection, extras, api.DISPLAY_NAME, api.BASE_URL, choices=choices)

    def request_headers(self, request: Request) -> dict[str, str]:
        return api.headers(self.settings.token, has_body=request.json is not None)

    # --- the account's catalog and the incident ---------------------------------------------------------

    def _severity(self, name: str) -> Flow[Entry]:
        """The account's severity ``name`` (its id, name or shortform)."""
        return catalog.find(name, (yield from self._catalog["severities"].flow()), "severity", "severity")

    def _read(self, ref: str) -> Flow[Raw]:
        return incidents.incident_json((yield incidents.build_get(ref)))

    def _assignment(self, assignees: tuple[str, ...]) -> Flow[tuple[Entry, dict[str, Any]]]:
        """The role assignees fill and its assignment (one person per role, checked before any read)."""
        writes.role_assignment("", assignees)
        role = catalog.assignee_role(
            self.settings.extra("assignee_role"), (yield from self._catalog["roles"].flow())
        )
        return role, writes.role_assignment(role.id, assignees)

    def _edit(self, ref: str, current: Raw, edit: dict[str, Any], options: WriteOptions) -> Flow[Raw]:
        """Send the values ``current`` does not show yet, at most once: a lost answer is settled by
        reading the incident back (so the incident channel is never notified twice)."""
        wanted = {key: value for key, value in edit.items() if not writes.edit_landed(current, {key: value})}
        if not wanted:
            return current

        request = writes.build_edit(ref, wanted, notify=options.notify_subscribers)
        landed = read_back(lambda: self._read(ref), lambda now: writes.edit_landed(now, wanted))
        return (yield from write_at_most_once(request, landed)).value(incidents.incident_json)

    def _incident(self, raw: Raw, options: WriteOptions, role: Entry | None) -> Incident:
        """The incident, its assignees the holders of ``role`` when one was assigned (else the lead's)."""
        assignees = incidents.holders(raw, role.id) if role is not None else None
        return incidents.incident_from_json(raw, include_raw=options.include_raw, assignees=assignees)

    def _result(
        self, raw: Raw, before: Raw, name: str, detail: str, options: WriteOptions, role: Entry | None
    ) -> OperationResult:
        applied = raw is not before
        step = Step(name=name, applied=applied, detail=detail if applied else "already as requested")
        return OperationResult.from_steps(self._incident(raw, options, role), [step])

    # --- flows ------------------------------------------------------------------------------------------

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        return incidents.incident_from_json((yield from self._read(ref)), include_raw=include_raw)

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        """One edit of every field named; a status must stay live (the API's only lifecycle move)."""
        edit = writes.validate_update(update)
        update.require_changes(api.NAME)
        api.incident_path(ref)
        target = catalog.to_vendor_status(update.status) if update.status is not None else None
        role = None
        if update.assignees is not None:
            role, assignment = yield from self._assignment(update.assignees)
            edit["incident_role_assignments"] = [assignment]
        if update.severity is not None:
            edit["severity_id"] = (yield from self._severity(update.severity)).id
        live = update.vendor_fields.get("incident_status_id")
        if live is not None:
            edit["incident_status_id"] = catalog.live_status(
                live, (yield from self._catalog["statuses"].flow())
            ).id
        current = yield from self._read(ref)
        incident = incidents.incident_from_json(current)
        if target is not None:
            self.check_reopen(incident, target, options.allow_reopen)
            if target != incident.status:
                raise writes.lifecycle_unsupported(f"move it to {target}")
        if live is not None and incident.status != catalog.WRITABLE_CATEGORY:
            raise writes.lifecycle_unsupported(f"move this {incident.status} incident")
        raw = yield from self._edit(ref, current, edit, options)
        return self._result(raw, current, "update", ", ".join(sorted(edit)), options, role)

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        """Live, paused or over is already acknowledged (``changed: false``); triage cannot be accepted
        through the API."""
        if note is not None:
            raise writes.notes_unsupported()
        incident = yield from self.get_flow(ref, include_raw=options.include_raw)
        if not incident.phase.at_or_past(Phase.ACKNOWLEDGED):
            raise writes.lifecycle_unsupported("accept (acknowledge)")
        return OperationResult.already(incident, "acknowledge")

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """An incident already over is ``changed: false``; any other cannot be resolved through the API
        (refused after one read, so a task resolving an incident a person closed in the app succeeds)."""
        incident = yield from self.get_flow(ref, include_raw=options.include_raw)
        if incident.phase is not Phase.RESOLVED:
            raise writes.lifecycle_unsupported("resolve")
        if note is not None or resolution is not None:
            raise writes.notes_unsupported()
        return OperationResult.already(incident, "resolve")

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        raise writes.notes_unsupported()
        yield  # pragma: no cover - makes this a generator, so the error is raised where flows start

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """``POST /v2/incidents`` with the API's ``idempotency_key`` (the dedup key, else the task's key):
        a retried task gets the incident its first try opened, and ``changed`` says which it was."""
        payload = writes.validate_create(create)
        role = None
        if create.assignees is not None:
            role, assignment = yield from self._assignment(create.assignees)
            payload["incident_role_assignments"] = [assignment]
        severity = create.severity or self.settings.extra("default_severity")
        if severity:
            payload["severity_id"] = (yield from self._severity(severity)).id
        if "incident_status_id" in payload:
            statuses = yield from self._catalog["statuses"].flow()
            payload["incident_status_id"] = catalog.find(
                payload["incident_status_id"], statuses, "vendor_fields.incident_status_id", "status"
            ).id
        key = create.dedup_key or options.idempotency_key or str(uuid.uuid4())
        started = datetime.now(UTC)
        request = writes.build_create(payload, key, self.settings.extra("visibility", api.VISIBILITY))
        written = yield from write_at_most_once(request, lambda: self._find_created(payload["name"], started))
        raw = written.value(incidents.incident_json)
        created = parse_timestamp(raw.get("created_at"))
        fresh = written.response is None or created is None or created >= started
        incident = self._incident(raw, options, role)
        detail = f"created {incident.id}" if fresh else "already created (same idempotency key)"
        return OperationResult.from_steps(incident, [Step(name="create", applied=fresh, detail=detail)])

    def _find_created(self, name: str, started: datetime) -> Flow[Raw | None]:
        """After a lost answer: the newest incident of that name created since the create was sent."""
        response = yield incidents.build_list((), None, page_size=25)
        return incidents.created_since(response, name, started - CREATE_LOOKBACK)

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Set the named severity, or the next higher rank, computed once from the severity read now and
        sent as that absolute id; never lowers a severity. Assignees fill the assignee role."""
        if escalation.escalation_level is not None:
            raise no_escalation_levels(api.DISPLAY_NAME)
        if escalation.note is not None:
            raise writes.notes_unsupported()
        api.incident_path(ref)
        edit: dict[str, Any] = {}
        role = None
        if escalation.assignees is not None:
            role, assignment = yield from self._assignment(escalation.assignees)
            edit["incident_role_assignments"] = [assignment]
        wants_severity = escalation.severity is not None or escalation.one_step
        severities = (yield from self._catalog["severities"].flow()) if wants_severity else []
        named = (yield from self._severity(escalation.severity)) if escalation.severity else None
        current = yield from self._read(ref)
        incident = incidents.incident_from_json(current)
        if incident.phase is Phase.RESOLVED:
            raise IncidentValidationError(
                "status",
                f"incident {incident.ref} is {incident.status}: escalating it makes no sense, and the API "
                "cannot reopen it (reopen it in the incident.io app first)",
                vendor=api.NAME,
            )
        now = incidents.severity_id(current)
        target = catalog.next_severity(now, severities) if escalation.one_step else named
        detail = "assignees"
        if target is not None and (catalog.rank_of(now, severities) or -1) < (target.rank or 0):
            edit["severity_id"] = target.id
            detail = f"{incident.severity or 'none'} -> {target.name}"
        elif wants_severity:
            detail = f"already {incident.severity} (at or above the target)"
        raw = yield from self._edit(ref, current, edit, options)
        return self._result(raw, current, "escalate", detail, options, role)

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Make the one assignee the holder of the connection's assignee role (an incident role)."""
        if note is not None:
            raise writes.notes_unsupported()
        api.incident_path(ref)
        role, assignment = yield from self._assignment(assignees)
        current = yield from self._read(ref)
        raw = yield from self._edit(ref, current, {"incident_role_assignments": [assignment]}, options)
        return self._result(raw, current, "reassign", f"{role.name}: {', '.join(assignees)}", options, role)

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        """Every page for the caller, newest first; statuses filter by category, dates here."""
        refuse_scope(
            query.services, query.teams, vendor=api.NAME, instead="an API key sees its whole account"
        )
        build = partial(incidents.build_list, catalog.categories(query.statuses))
        parse = partial(incidents.parse_list, include_raw=query.include_raw)
        window = partial(created_between, since=query.since, until=query.until)
        return (yield from read_pages(build, parse, query.limit, lambda item: window(item.created_at)))

    supports_change_feed: ClassVar[bool] = True

    def changes_flow(self, since: datetime, watched: Collection[str] = ()) -> Flow[ChangeFeed]:
        """Every page of the incidents updated since ``since`` (see :mod:`..vendors.incidentio.changes`);
        an API key sees its whole account, so ``watched`` plays no part."""
        build = partial(changes.build_list_changes, since)
        return (yield from updated_since_flow(build, changes.parse_changes, None))

    def check_connection_flow(self) -> Flow[str]:
        yield incidents.build_connection_check()
        return f"Connected to incident.io at {self.settings.base_url}"
