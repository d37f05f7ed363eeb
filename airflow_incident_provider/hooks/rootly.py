"""Rootly hook: the connection's Rootly settings and the Rootly flow of each operation."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_incident_provider.exceptions import (
    ConflictError,
    IncidentValidationError,
    VendorValidationError,
)
from airflow_incident_provider.hooks import rootly_roles as roles
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.catalogue import ReadOnce, every_page
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.settings import ConnectionSettings, api_key_settings
from airflow_incident_provider.hooks.updated_feed import updated_since_flow
from airflow_incident_provider.hooks.write_once import write_at_most_once
from airflow_incident_provider.idempotency import is_marked
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
from airflow_incident_provider.vendors import rootly as rl
from airflow_incident_provider.vendors.base import Request
from airflow_incident_provider.vendors.catalogue import no_escalation_levels
from airflow_incident_provider.vendors.rootly import changes as rootly_changes

if TYPE_CHECKING:
    from datetime import datetime

    from airflow.sdk import Connection


class RootlyIncidentHook(IncidentHook):
    """Incidents at Rootly through its REST API v1 (JSON:API).

    Connection: the API key in the password; a host with a scheme replaces ``https://api.rootly.com``;
    extras for timeouts, proxy, CA bundle and the rate-limit override. Incidents are addressed by id
    (or slug) alone, so an incident's ``ref`` is its id.
    """

    conn_name_attr: ClassVar[str] = "rootly_incidents_conn_id"
    default_conn_name: ClassVar[str] = "rootly_incidents_default"
    conn_type: ClassVar[str] = "rootly_incidents"
    hook_name: ClassVar[str] = "Rootly Incidents"
    vendor_name: ClassVar[str] = rl.NAME

    def __init__(self, rootly_incidents_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(rootly_incidents_conn_id, **kwargs)
        self._severities = ReadOnce(lambda: every_page(rl.build_severities, rl.parse_severities))
        self._roles = ReadOnce(lambda: every_page(rl.build_incident_roles, rl.parse_incident_roles))

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        return api_key_settings(connection, extras, rl.DISPLAY_NAME, rl.BASE_URL)

    def request_headers(self, request: Request) -> dict[str, str]:
        return rl.headers(self.settings.token)

    # --- extra operations ---------------------------------------------------------------------------

    def mitigate_incident(
        self,
        incident_id: str,
        message: str | None = None,
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        """Mitigate (``PUT /v1/incidents/{id}/mitigate``); at or past mitigated is ``changed: false``."""
        return self.run(self.mitigate_flow(incident_id, message, note, options or WriteOptions()))

    async def amitigate_incident(
        self,
        incident_id: str,
        message: str | None = None,
        note: str | None = None,
        options: WriteOptions | None = None,
    ) -> OperationResult:
        return await self.arun(self.mitigate_flow(incident_id, message, note, options or WriteOptions()))

    # --- flows ------------------------------------------------------------------------------------

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        response = yield rl.build_get(ref)
        return rl.parse_incident(response, include_raw=include_raw)

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        fields = rl.validate_update(update)
        rl.incident_id_from_ref(ref)
        update.require_changes(rl.NAME)
        raw = options.include_raw
        severity = None
        if update.severity is not None:
            severity = rl.severity_id(update.severity, (yield from self._severities.flow()))
        current: Incident | None = None
        plan: list[rl.Transition] = []
        if update.status is not None:
            current = yield from self.get_flow(ref, include_raw=raw)
            plan = rl.transition_plan(
                current.status,
                rl.to_vendor_status(update.status),
                allow_reopen=options.allow_reopen,
                from_triage=options.from_triage,
            )
        attributes = rl.update_attributes(update, fields, severity=severity, current=current)
        if len(plan) == 1 and plan[0].by_status_put:
            attributes["status"] = plan.pop().status  # one PUT carries the status and the attributes
        steps: list[Step] = []
        incident = current
        if attributes:
            incident = rl.parse_incident((yield rl.build_update(ref, attributes)), include_raw=raw)
            steps.append(Step(name="update", applied=True, detail=", ".join(sorted(attributes))))
        elif not plan:
            detail = f"already {current.status}" if current is not None else "already as requested"
            steps.append(Step(name="update", applied=False, detail=detail))
        before = current.status if current is not None else ""
        for transition in plan:
            incident, step = yield from self._transition_flow(ref, transition, update.resolution, raw, before)
            before = incident.status
            steps.append(step)
        if update.note is not None:
            steps.append((yield from self._note_step(ref, update.note, options)))
        if incident is None:
            incident = yield from self.get_flow(ref, include_raw=raw)
        return OperationResult.from_steps(incident, steps)

    def _transition_flow(
        self, ref: str, transition: rl.Transition, message: str | None, raw: bool, before: str
    ) -> Flow[tuple[Incident, Step]]:
        """One transition from status ``before``; refused because the incident got there meanwhile
        counts as applied."""
        try:
            response = yield rl.build_transition(ref, transition, message)
        except (ConflictError, VendorValidationError):
            incident = yield from self.get_flow(ref, include_raw=raw)
            reached = incident.status == transition.status or (
                transition.status in rl.TERMINAL_STATUSES and incident.phase is Phase.RESOLVED
            )
            if not reached:
                raise
            return incident, Step(name=transition.name, applied=True, detail="applied concurrently")
        incident = rl.parse_incident(response, include_raw=raw)
        return incident, Step(name=transition.name, applied=True, detail=f"{before} -> {incident.status}")

    def _phase_flow(
        self, ref: str, target: Phase, message: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Move forward to ``target`` unless the incident is already there or past it (never reopens)."""
        rl.incident_id_from_ref(ref)
        rl.validate_message(message, "resolution" if target is Phase.RESOLVED else "message")
        if note is not None:
            rl.validate_note(note)
        raw = options.include_raw
        incident = yield from self.get_flow(ref, include_raw=raw)
        status = rl.PHASE_STATUSES[target]
        steps: list[Step] = []
        if incident.phase.at_or_past(target):
            steps.append(Step(name=rl.STEP_NAMES[status], applied=False, detail=f"already {incident.status}"))
        else:
            plan = rl.transition_plan(
                incident.status, status, allow_reopen=False, from_triage=options.from_triage
            )
            for transition in plan:
                incident, step = yield from self._transition_flow(
                    ref, transition, message, raw, incident.status
                )
                steps.append(step)
        if note is not None:
            steps.append((yield from self._note_step(ref, note, options)))
        return OperationResult.from_steps(incident, steps)

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        return (yield from self._phase_flow(ref, Phase.RESOLVED, resolution, note, options))

    def mitigate_flow(
        self, ref: str, message: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        return (yield from self._phase_flow(ref, Phase.MITIGATED, message, note, options))

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        return (yield from self._phase_flow(ref, Phase.ACKNOWLEDGED, None, note, options))

    # --- notes as incident events --------------------------------------------------------------------

    def note_flow(
        self, ref: str, text: str, idempotency_key: str | None, *, public: bool = False
    ) -> Flow[bool]:
        """Post a timeline event at most once: with a key, its marker is looked for in every event first.

        Returns whether this call posted it; without a key an ambiguous failure is raised as is.
        """
        content = rl.event_text(text, idempotency_key, public=public)
        rl.validate_note(content)
        if idempotency_key and (yield from self._event_posted(ref, idempotency_key)):
            return False
        key = idempotency_key
        find = (lambda: self._event_posted(ref, key)) if key else None
        yield from write_at_most_once(rl.build_event(ref, content, public=public), find)
        return True

    def _event_posted(self, ref: str, key: str) -> Flow[bool]:
        """Whether any event of the incident, on any page, carries the marker of ``key``."""
        page: int | None = 1
        while page is not None:
            events, next_page = rl.parse_events((yield rl.build_list_events(ref, page)))
            if any(is_marked(event, key) for event in events):
                return True
            page = next_page if events else None
        return False

    def _note_step(self, ref: str, note: str, options: WriteOptions) -> Flow[Step]:
        posted = yield from self.note_flow(ref, note, options.idempotency_key, public=options.public)
        return Step(name="note", applied=posted, detail=None if posted else "already posted")

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        rl.validate_note(note)
        incident = yield from self.get_flow(ref, include_raw=options.include_raw)
        step = yield from self._note_step(ref, note, options)
        return OperationResult.from_steps(incident, [step])

    # --- create, escalate, reassign ---------------------------------------------------------------

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """``POST /v1/incidents`` at most once per dedup key, which is stored as the label ``airflow-dedup``.

        Everything is checked, and the severity and role looked up, before the first write. With
        assignees, the assignee role is filled afterwards (also when the incident already existed, so
        a retry completes what an earlier try left undone).
        """
        fields = rl.validate_create(create)
        raw = options.include_raw
        severity = None
        if create.severity is not None:
            severity = rl.severity_id(create.severity, (yield from self._severities.flow()))
        role = None
        if create.assignees is not None:
            role = yield from self._assignee_role_flow(rl.validate_assignees(create.assignees))
        key = create.dedup_key
        incident = (yield from self._find_dedup(key, raw)) if key else None
        steps: list[Step] = []
        if incident is not None:
            steps.append(Step(name="create", applied=False, detail="already created"))
        else:
            request = rl.build_create(rl.create_attributes(create, fields, severity=severity))
            incident = yield from self._post_create(request, key, raw)
            steps.append(Step(name="create", applied=True, detail=f"created {incident.id}"))
        if role is not None and create.assignees is not None:
            incident, step = yield from roles.fill_role_flow(incident.id, role, create.assignees, raw)
            steps.append(step)
        return OperationResult.from_steps(incident, steps)

    def _find_dedup(self, key: str, raw: bool) -> Flow[Incident | None]:
        """The newest incident labelled with ``key``, looked for on at most ``DEDUP_SCAN_PAGES`` pages."""
        page: int | None = 1
        for _ in range(rl.DEDUP_SCAN_PAGES):
            if page is None:
                break
            found, page = rl.parse_dedup_matches((yield rl.build_find_dedup(key, page)), key, include_raw=raw)
            if found:
                return found[0]
        return None

    def _post_create(self, request: Request, key: str | None, raw: bool) -> Flow[Incident]:
        """Send the create; a lost response is resolved by looking for the key before sending again."""
        find = (lambda: self._find_dedup(key, raw)) if key else None
        written = yield from write_at_most_once(request, find)
        if written.response is None:
            assert written.found is not None
            return written.found
        return rl.parse_incident(written.response, include_raw=raw)

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Set the named severity, or one step up ``rl.severity_scale``, computed once from the value
        read now and written as that absolute severity id (so a retried PUT cannot climb twice)."""
        if escalation.escalation_level is not None:
            raise no_escalation_levels(rl.DISPLAY_NAME)
        rl.incident_id_from_ref(ref)
        if escalation.severity is not None and not escalation.severity.strip():
            raise IncidentValidationError("severity", "must be a severity id, slug or name", vendor=rl.NAME)
        if escalation.note is not None:
            rl.validate_note(escalation.note)
        users = rl.validate_assignees(escalation.assignees) if escalation.assignees is not None else None
        raw = options.include_raw
        role = (yield from self._assignee_role_flow(users)) if users is not None else None
        wants_severity = escalation.severity is not None or escalation.one_step
        severities = (yield from self._severities.flow()) if wants_severity else []
        target = rl.severity_id(escalation.severity, severities) if escalation.severity is not None else None
        response = yield rl.build_get(ref)
        incident = rl.parse_incident(response, include_raw=raw)
        steps: list[Step] = []
        if incident.phase is Phase.RESOLVED:
            if not options.allow_reopen:
                raise IncidentValidationError(
                    "status",
                    f"incident {incident.ref} is {incident.status}: escalating it makes no sense; pass "
                    "allow_reopen=True to restart it (PUT /v1/incidents/{id}/restart) and escalate",
                    vendor=rl.NAME,
                )
            incident, step = yield from self._transition_flow(ref, rl.RESTART, None, raw, incident.status)
            steps.append(step)
        if wants_severity:
            current = rl.current_severity_id(response)
            if escalation.one_step:
                target = rl.next_severity(current, severities)
            before, after = rl.severity_label(current, severities), rl.severity_label(target, severities)
            if target is None:
                steps.append(Step(name="severity", applied=False, detail=f"already at the top ({before})"))
            elif target == current:
                steps.append(Step(name="severity", applied=False, detail=f"already {after}"))
            elif rl.is_lower(target, current, severities):
                steps.append(Step(name="severity", applied=False, detail=f"already {before}, above {after}"))
            else:
                put = rl.build_update(ref, {"severity_id": target})
                incident = rl.parse_incident((yield put), include_raw=raw)
                steps.append(Step(name="severity", applied=True, detail=f"{before} -> {after}"))
        if role is not None and users is not None:
            incident, step = yield from roles.fill_role_flow(ref, role, users, raw)
            steps.append(step)
        if escalation.note is not None:
            steps.append((yield from self._note_step(ref, escalation.note, options)))
        return OperationResult.from_steps(incident, steps)

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Make ``assignees`` exactly the holders of the connection's assignee role (an incident role)."""
        rl.incident_id_from_ref(ref)
        users = rl.validate_assignees(assignees)
        if note is not None:
            rl.validate_note(note)
        role = yield from self._assignee_role_flow(users)
        incident, step = yield from roles.fill_role_flow(ref, role, users, options.include_raw)
        steps = [step]
        if note is not None:
            steps.append((yield from self._note_step(ref, note, options)))
        return OperationResult.from_steps(incident, steps)

    def _assignee_role_flow(self, users: tuple[str, ...]) -> Flow[rl.IncidentRole]:
        """The role assignees fill (connection extra ``assignee_role``), checked to hold that many users."""
        role = rl.assignee_role(self.settings.extra(rl.ASSIGNEE_ROLE_EXTRA), (yield from self._roles.flow()))
        rl.check_role_capacity(role, users)
        return role

    # --- reading many -----------------------------------------------------------------------------

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        """Every page for the caller; several statuses are listed one ``filter[status]`` at a time."""
        limit = query.limit
        statuses: list[str | None] = list(rl.list_statuses(query.statuses)) or [None]
        page_size = rl.LIST_PAGE_SIZE if limit is None else min(rl.LIST_PAGE_SIZE, limit)
        found: dict[str, Incident] = {}
        for status in statuses:
            taken = 0
            page: int | None = 1
            while page is not None and (limit is None or taken < limit):
                request = rl.build_list(
                    status=status,
                    since=query.since,
                    until=query.until,
                    page=page,
                    page_size=page_size,
                    services=query.services,
                    teams=query.teams,
                )
                batch, page = rl.parse_list((yield request), include_raw=query.include_raw)
                for incident in batch:
                    found.setdefault(incident.id, incident)
                taken += len(batch)
                page = page if batch else None
        incidents = list(found.values())
        if len(statuses) > 1:
            incidents.sort(key=_creation_order)
        return incidents if limit is None else incidents[:limit]

    supports_change_feed: ClassVar[bool] = True

    def changes_flow(self, since: datetime, watched: Collection[str] = ()) -> Flow[ChangeFeed]:
        """Every page of the incidents updated since ``since`` (see :mod:`..vendors.rootly.changes`);
        the list is organization-wide, so ``watched`` plays no part."""
        build = partial(rootly_changes.build_list_changes, since)
        return (yield from updated_since_flow(build, rootly_changes.parse_changes, 1))

    def check_connection_flow(self) -> Flow[str]:
        yield rl.build_connection_check()
        return f"Connected to Rootly at {self.settings.base_url}"


def _creation_order(incident: Incident) -> tuple[bool, float, str]:
    created = incident.created_at
    return (created is None, created.timestamp() if created else 0.0, incident.id)
