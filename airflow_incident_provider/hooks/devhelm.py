"""DevHelm hook: the connection's DevHelm settings and the status-page flow of each operation.

Status changes and notes are timeline updates (``POST .../updates``): customer messages, posted only
with ``public=True``. Everything else an update names goes in one ``PUT``. Creating posts a new public
incident (``POST .../incidents``); escalating raises its public impact with the PUT.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_incident_provider.exceptions import (
    ConflictError,
    IncidentNotFoundError,
    IncidentValidationError,
)
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.settings import (
    ConnectionSettings,
    api_key_settings,
    checked_extra,
    url_template,
)
from airflow_incident_provider.hooks.status_page import ConnectionPageHook
from airflow_incident_provider.hooks.write_once import post_unless_found, write_at_most_once
from airflow_incident_provider.idempotency import is_marked
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
from airflow_incident_provider.vendors import devhelm as dh
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.devhelm import changes as devhelm_changes

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from airflow_incident_provider.vendors.base import Request, Response

PUBLIC_HINT = (
    "on a DevHelm status page a status change or note is a public message to customers; pass "
    "public=True to post it (and notify_subscribers=True to also email subscribers)"
)


def _extra_text(extras: Mapping[str, Any], name: str, conn_id: str) -> str | None:
    return checked_extra(conn_id, extras.get(name), lambda value: dh.check_header_value(value, name))


class DevHelmIncidentHook(ConnectionPageHook[dh.IncidentRef]):
    """Incidents on DevHelm status pages (``/api/v1/status-pages/{pageId}/incidents``).

    Connection: the API key (``dh_live_...``) in the password; extras ``status_page_id`` (the page an
    incident id alone refers to, and the page listed), ``org_id`` and ``workspace_id`` (sent as
    ``x-phelm-org-id``/``x-phelm-workspace-id`` only when set: needed for multi-org tokens),
    ``incident_url_template`` (for the operators' link), timeouts, proxy, CA bundle and rate-limit
    override; a host with a scheme replaces ``https://api.devhelm.io``.
    """

    conn_name_attr: ClassVar[str] = "devhelm_incidents_conn_id"
    default_conn_name: ClassVar[str] = "devhelm_incidents_default"
    conn_type: ClassVar[str] = "devhelm_incidents"
    hook_name: ClassVar[str] = "DevHelm Incidents"
    vendor_name: ClassVar[str] = dh.NAME
    connection_page = devhelm_changes.CONNECTION_PAGE

    def __init__(self, devhelm_incidents_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(devhelm_incidents_conn_id, **kwargs)

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        def own(conn_id: str) -> dict[str, Any]:
            return {
                "status_page_id": checked_extra(
                    conn_id, extras.get("status_page_id"), lambda value: dh.uuid_id(value, "status_page_id")
                ),
                "org_id": _extra_text(extras, "org_id", conn_id),
                "workspace_id": _extra_text(extras, "workspace_id", conn_id),
                "incident_url_template": url_template(extras, conn_id, dh.URL_PLACEHOLDERS),
            }

        return api_key_settings(connection, extras, dh.DISPLAY_NAME, dh.BASE_URL, own)

    def request_headers(self, request: Request) -> dict[str, str]:
        settings = self.settings
        return dh.headers(
            settings.token,
            org_id=settings.extra("org_id"),
            workspace_id=settings.extra("workspace_id"),
            write=request.write,
        )

    # --- helpers --------------------------------------------------------------------------------------

    @property
    def _url_template(self) -> str | None:
        template: str | None = self.settings.extra("incident_url_template")
        return template

    def _parse(self, response: Response, raw: bool) -> Incident:
        return dh.parse_incident(response, include_raw=raw, url_template=self._url_template)

    def _find_created_flow(self, page_id: str, key: str, raw: bool) -> Flow[Incident | None]:
        """The unresolved incident on ``page_id`` whose timeline carries ``key``'s create marker, if any.

        Lists every page of the page's unresolved incidents; an entry that carries its timeline is
        checked at once, the others are read one GET each, newest first, until the marker is found (an
        incident deleted in between is skipped). Cost: one list request per 100 unresolved incidents,
        plus up to one GET per unresolved incident when the list leaves timelines out.
        """
        unread: list[dh.Listed] = []
        page = 0
        while True:
            listed, has_next = dh.parse_listed((yield dh.build_dedup_search(page_id, page)))
            for item in listed:
                if item.bodies is None:
                    unread.append(item)
                elif dh.carries_key(item.bodies, key):
                    incident, _ = yield from self._read_flow(dh.IncidentRef(page_id, item.incident_id), raw)
                    return incident
            if not has_next or not listed:
                break
            page += 1
        for item in dh.newest_first(unread):
            try:
                incident, bodies = yield from self._read_flow(dh.IncidentRef(page_id, item.incident_id), raw)
            except IncidentNotFoundError:
                continue
            if dh.carries_key(bodies, key):
                return incident
        return None

    def _read_flow(self, ref: dh.IncidentRef, raw: bool) -> Flow[tuple[Incident, list[str]]]:
        """The incident and the bodies of its timeline updates, in one GET."""
        response = yield dh.build_get(ref)
        return self._parse(response, raw), dh.parse_timeline(response)

    def _landed_flow(self, ref: dh.IncidentRef, key: str, raw: bool) -> Flow[Incident | None]:
        """The incident, read again, if its timeline carries ``key``'s marker (a lost update landed)."""
        incident, timeline = yield from self._read_flow(ref, raw)
        return incident if any(is_marked(body, key) for body in timeline) else None

    def _message_flow(
        self,
        ref: dh.IncidentRef,
        current: Incident,
        timeline: list[str],
        status: str,
        text: str,
        options: WriteOptions,
    ) -> Flow[tuple[Incident, Step]]:
        """Post one timeline update at most once per idempotency key, and make sure its status took.

        ``current`` is the latest known state of the incident (its status decides whether this is a
        status change or a note).

        A retry finds the marker of an earlier try in the timeline and posts nothing; a lost response
        is checked the same way before posting again. If DevHelm keeps the old status after a status
        change, the documented PUT ``status`` field sets it.
        """
        key = options.idempotency_key
        raw = options.include_raw
        name = status if status != current.status else "note"
        if key and any(is_marked(body, key) for body in timeline):
            return current, Step(name=name, applied=False, detail="already posted")
        request = dh.build_timeline_update(
            ref,
            status=status,
            body=dh.mark_message(text, key),
            notify_subscribers=options.notify_subscribers,
        )
        find = (lambda: self._landed_flow(ref, key, raw)) if key else None
        written = yield from write_at_most_once(request, find)
        incident = written.found if written.response is None else self._parse(written.response, raw)
        assert incident is not None
        detail = "notified subscribers" if options.notify_subscribers else None
        if name != "note" and incident.status != status:
            fix = dh.build_status(ref, status)
            incident = self._parse((yield fix), raw)
            if incident.status != status:
                raise ConflictError(
                    dh.NAME,
                    method=fix.method,
                    path=fix.path,
                    status_code=200,
                    message=f"DevHelm kept status {incident.status!r} after setting {status!r}",
                )
            detail = "status set with PUT after the timeline update"
        return incident, Step(name=name, applied=True, detail=detail)

    # --- flows ------------------------------------------------------------------------------------

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        target = self._ref(ref)
        return self._parse((yield dh.build_get(target)), include_raw)

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        plan = dh.plan_update(update)
        target = self._ref(ref)
        update.require_changes(dh.NAME)
        if plan.posts:
            pages.require_public(options, PUBLIC_HINT, dh.NAME)
        elif options.notify_subscribers:
            raise IncidentValidationError(
                "notify_subscribers",
                "only a status change or a note reaches subscribers, and this update has neither",
                vendor=dh.NAME,
            )
        raw = options.include_raw
        current: Incident | None = None
        timeline: list[str] = []
        if plan.posts:
            current, timeline = yield from self._read_flow(target, raw)
            self.check_reopen(current, plan.status, options.allow_reopen)
        fields = dict(plan.fields)
        for name in dh.unchanged_fields(fields, current) if current is not None else ():
            fields.pop(name)
        steps: list[Step] = []
        incident = current
        if fields:
            incident = self._parse((yield dh.build_update(target, fields)), raw)
            steps.append(Step(name="update", applied=True, detail=", ".join(sorted(fields))))
        elif plan.fields:
            steps.append(Step(name="update", applied=False, detail="already as requested"))
        if current is not None and incident is not None:
            status = plan.status or current.status
            text = plan.message(status != current.status)
            if text is not None:
                incident, step = yield from self._message_flow(
                    target, incident, timeline, status, text, options
                )
                steps.append(step)
            else:
                steps.append(Step(name=status, applied=False, detail=f"already {current.status}"))
        assert incident is not None
        return OperationResult.from_steps(incident, steps)

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """One RESOLVED timeline update whose body is the resolution and the note (or a default text)."""
        target = self._ref(ref)
        for field_name, text in (("resolution", resolution), ("note", note)):
            if text is not None:
                dh.validate_message(text, field_name)
        pages.require_public(options, PUBLIC_HINT, dh.NAME)
        current, timeline = yield from self._read_flow(target, options.include_raw)
        steps: list[Step] = []
        incident = current
        if current.phase is Phase.RESOLVED:
            steps.append(Step(name="resolved", applied=False, detail=f"already {current.status}"))
            if note is not None:
                incident, step = yield from self._message_flow(
                    target, current, timeline, current.status, note, options
                )
                steps.append(step)
        else:
            text = dh.join_message(resolution, note) or dh.STATUS_MESSAGES["resolved"]
            incident, step = yield from self._message_flow(
                target, current, timeline, "resolved", text, options
            )
            steps.append(step)
        return OperationResult.from_steps(incident, steps)

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        """A timeline update at the incident's current status."""
        dh.validate_message(note, "note")
        target = self._ref(ref)
        pages.require_public(options, PUBLIC_HINT, dh.NAME)
        current, timeline = yield from self._read_flow(target, options.include_raw)
        incident, step = yield from self._message_flow(
            target, current, timeline, current.status, note, options
        )
        return OperationResult.from_steps(incident, [step])

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """Post a new public incident on the connection's status page, at most once per dedup key.

        Everything is checked before the first request. With ``create.dedup_key`` the page's unresolved
        incidents are searched for its hidden marker first (a hit is returned, ``changed: false``), and
        again after a lost response before posting once more; without a key a lost response is raised
        as ``AmbiguousWriteError``, because nothing could tell whether the incident was created.
        """
        body = dh.plan_create(create, notify_subscribers=options.notify_subscribers)
        pages.require_public(options, PUBLIC_HINT, dh.NAME)
        page_id = self._page_id("create")
        key = create.dedup_key
        raw = options.include_raw
        request = dh.build_create(page_id, body, key)
        find = (lambda: self._find_created_flow(page_id, key, raw)) if key is not None else None
        written = yield from post_unless_found(request, find)
        incident = written.value(lambda response: self._parse(response, raw))
        step = written.step(
            "create",
            "notified subscribers" if options.notify_subscribers else None,
            earlier="already created",
            found="created; found by its dedup key after a lost response",
        )
        return OperationResult.from_steps(incident, [step])

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Raise the incident's public impact (``dh.IMPACTS``), then post the note, if any.

        An explicit severity is the absolute target; with no target the next impact up is computed
        once from the impact just read, and the PUT carries that absolute value, so retrying it can
        never escalate twice. At the top, or already at or above the target, nothing is written. The
        impact is public, so ``public=True`` is required; a resolved incident is refused unless
        ``allow_reopen=True`` (its impact changes, its status stays resolved).
        """
        pages.refuse_levels_and_assignees(escalation, dh.NAME, dh.IMPACTS, "impact")
        requested = dh.to_impact(escalation.severity).lower() if escalation.severity is not None else None
        if escalation.note is not None:
            dh.validate_message(escalation.note, "note")
        elif options.notify_subscribers:
            raise IncidentValidationError(
                "notify_subscribers",
                "only a note reaches subscribers (an impact change does not), and this escalation has none",
                vendor=dh.NAME,
            )
        target = self._ref(ref)
        pages.require_public(options, PUBLIC_HINT, dh.NAME)
        raw = options.include_raw
        current, timeline = yield from self._read_flow(target, raw)
        pages.refuse_resolved_escalation(current, options, dh.NAME)
        impact, detail = pages.escalation_target(
            dh.IMPACTS, current.severity, requested, what="impact", vendor=dh.NAME
        )
        incident = current
        if impact is None:
            steps = [Step(name="escalate", applied=False, detail=detail)]
        else:
            incident = self._parse((yield dh.build_escalation(target, impact)), raw)
            steps = [Step(name="escalate", applied=True, detail=detail)]
        if escalation.note is not None:
            incident, step = yield from self._message_flow(
                target, incident, timeline, incident.status, escalation.note, options
            )
            steps.append(step)
        return OperationResult.from_steps(incident, steps)

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        """Every page of the connection's status page; ``since``/``until`` filter ``createdAt`` here,
        because DevHelm's list takes no dates. Services and teams are refused (the page is the scope)."""
        dh.check_list_scope(query.services, query.teams)
        page_id = self._page_id("list")
        since, until = dh.aware(query.since), dh.aware(query.until)
        limit = query.limit
        size = dh.LIST_PAGE_SIZE if limit is None else min(dh.LIST_PAGE_SIZE, limit)
        incidents: list[Incident] = []
        page = 0
        while True:
            request = dh.build_list(page_id, statuses=query.statuses, page=page, size=size)
            batch, has_next = dh.parse_list(
                (yield request), include_raw=query.include_raw, url_template=self._url_template
            )
            incidents.extend(incident for incident in batch if _in_window(incident, since, until))
            if not has_next or not batch or (limit is not None and len(incidents) >= limit):
                break
            page += 1
        return incidents if limit is None else incidents[:limit]


def _in_window(incident: Incident, since: datetime | None, until: datetime | None) -> bool:
    if since is None and until is None:
        return True
    created = incident.created_at
    if created is None:
        return False
    return (since is None or created >= since) and (until is None or created < until)
