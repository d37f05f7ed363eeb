"""Statuspage hook: the connection's page and key, and the flow of each operation.

A status change, a note, a resolution, an escalation or a new incident is a message to customers, so it
needs ``public=True``, as on the other status pages (a title, impact or components alone do not). A write
is one ``PATCH`` (or the create ``POST``) carrying the customer message as ``incident[body]``,
``deliver_notifications`` only when asked, and the write's idempotency key in the incident's metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_incident_provider.exceptions import IncidentValidationError, VendorError
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.settings import ConnectionSettings, api_key_settings, checked_extra
from airflow_incident_provider.hooks.status_page import ConnectionPageHook
from airflow_incident_provider.hooks.write_once import post_unless_found, read_back, write_at_most_once
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
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors.base import Request, Response, created_between
from airflow_incident_provider.vendors.statuspage import api, incidents, updates

if TYPE_CHECKING:
    from airflow.sdk import Connection

PUBLIC_HINT = (
    "on a Statuspage page a status change, a note, a resolution, an escalation or a new incident is a "
    "message to customers; pass public=True to post it (and notify_subscribers=True to also notify "
    "subscribers)"
)


def _note(sent: bool) -> Step:
    return Step(name="note", applied=sent, detail=None if sent else "already posted")


class StatuspageIncidentHook(ConnectionPageHook[api.IncidentRef]):
    """Incidents on an Atlassian Statuspage page (``/v1/pages/{page_id}/incidents``).

    Connection: the API key in the password (sent as ``Authorization: OAuth <key>``); extra ``page_id``
    (the page of bare incident ids, listing, creating and the connection test), timeouts, proxy, CA
    bundle and rate-limit override; a host with a scheme replaces ``https://api.statuspage.io/v1``.
    """

    conn_name_attr: ClassVar[str] = "statuspage_incidents_conn_id"
    default_conn_name: ClassVar[str] = "statuspage_incidents_default"
    conn_type: ClassVar[str] = "statuspage_incidents"
    hook_name: ClassVar[str] = "Statuspage Incidents"
    vendor_name: ClassVar[str] = api.NAME
    connection_page = incidents.CONNECTION_PAGE

    def __init__(self, statuspage_incidents_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(statuspage_incidents_conn_id, **kwargs)

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        def own(conn_id: str) -> dict[str, Any]:
            return {"page_id": checked_extra(conn_id, extras.get("page_id"), api.checked_page_id)}

        return api_key_settings(connection, extras, api.DISPLAY_NAME, api.BASE_URL, own)

    def request_headers(self, request: Request) -> dict[str, str]:
        return api.headers(self.settings.token, has_body=request.json is not None)

    def error_for(self, request: Request, response: Response) -> VendorError:
        return super().error_for(request, api.normalized(response))

    # --- helpers --------------------------------------------------------------------------------------

    def _read(self, ref: api.IncidentRef, raw: bool) -> Flow[incidents.Read]:
        return incidents.parse_read((yield incidents.build_get(ref)), raw)

    def _public(self, ref: str, options: WriteOptions) -> Flow[tuple[api.IncidentRef, incidents.Read]]:
        """The incident a customer message goes to, read now (once the caller said ``public=True``)."""
        pages.require_public(options, PUBLIC_HINT, api.NAME)
        target = self._ref(ref)
        return target, (yield from self._read(target, options.include_raw))

    def _write(
        self,
        ref: api.IncidentRef,
        current: incidents.Read,
        fields: Mapping[str, Any],
        options: WriteOptions,
        *,
        status: str | None = None,
        text: str | None = None,
    ) -> Flow[tuple[Incident, bool]]:
        """One ``PATCH`` and whether it was sent. A status change or a body posts an incident update, so it
        is sent at most once: its key (stored with it) is looked for first and after a lost answer; without
        a key, a lost status change is settled by reading the status back."""
        raw, posts = options.include_raw, status is not None or text is not None
        key = options.idempotency_key if posts else None
        if key is not None and key in current.keys:
            return current.incident, False
        body = {**fields, **({"status": status} if status else {}), **({"body": text} if text else {})}
        body |= updates.with_key(current, key)
        request = updates.build_update(ref, body, notify=options.notify_subscribers, idempotent=not posts)
        reread = partial(self._read, ref, raw)
        find: Callable[[], Flow[incidents.Read | None]] | None = None
        if key is not None:
            find = read_back(reread, lambda read: key in read.keys)
        elif status is not None and text is None:
            find = read_back(reread, lambda read: read.incident.status == status)
        written = yield from write_at_most_once(request, find)
        return written.value(lambda response: incidents.parse_read(response, raw)).incident, True

    # --- flows ------------------------------------------------------------------------------------------

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        return (yield from self._read(self._ref(ref), include_raw)).incident

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        fields = updates.validate_update(update)
        update.require_changes(api.NAME)
        if update.status is not None or update.note is not None:
            pages.require_public(options, PUBLIC_HINT, api.NAME)
        target = self._ref(ref)
        current = yield from self._read(target, options.include_raw)
        status = incidents.status_for(update.status, current) if update.status is not None else None
        self.check_reopen(current.incident, status, options.allow_reopen)
        if status == current.incident.status:
            status = None
        shown = {"name": current.incident.title, "impact_override": current.incident.severity}
        fields = {key: value for key, value in fields.items() if key not in shown or shown[key] != value}
        resolution = update.resolution if status is not None else None
        text = updates.message(resolution=resolution, note=update.note)
        if not (fields or status or text):
            step = Step(name="update", applied=False, detail="already as requested")
            return OperationResult.from_steps(current.incident, [step])
        incident, sent = yield from self._write(target, current, fields, options, status=status, text=text)
        detail = ", ".join(sorted([*fields, *(["status"] if status else []), *(["body"] if text else [])]))
        return OperationResult.from_steps(incident, [Step(name="update", applied=sent, detail=detail)])

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """One ``PATCH`` to resolved (``completed`` for a maintenance), the resolution and note its body."""
        text = updates.message(resolution=resolution, note=note)
        target, current = yield from self._public(ref, options)
        if current.incident.phase is Phase.RESOLVED:
            steps = [Step(name="resolve", applied=False, detail=f"already {current.incident.status}")]
            incident = current.incident
            if note is not None:
                incident, sent = yield from self._write(
                    target, current, {}, options, text=updates.message(note=note)
                )
                steps.append(_note(sent))
            return OperationResult.from_steps(incident, steps)
        status = incidents.status_for("resolved", current)
        incident, sent = yield from self._write(target, current, {}, options, status=status, text=text)
        return OperationResult.from_steps(incident, [Step(name="resolve", applied=sent, detail=status)])

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        """An incident update at the incident's current status, its body the note."""
        text = updates.message(note=note)
        target, current = yield from self._public(ref, options)
        incident, sent = yield from self._write(target, current, {}, options, text=text)
        return OperationResult.from_steps(incident, [_note(sent)])

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Raise the impact (``impact_override``) to ``escalation.severity`` or one step up, as an absolute
        value computed from the impact read now, with the note as body; never lowers it."""
        pages.refuse_levels_and_assignees(escalation, api.NAME, updates.IMPACTS, "impact")
        requested = updates.impact(escalation.severity) if escalation.severity is not None else None
        text = updates.message(note=escalation.note)
        target, current = yield from self._public(ref, options)
        incident = current.incident
        pages.refuse_resolved_escalation(incident, options, api.NAME)
        if current.maintenance:
            raise IncidentValidationError(
                "severity",
                f"{incident.ref} is a scheduled maintenance, whose impact is not escalated: escalate a "
                "realtime incident",
                vendor=api.NAME,
            )
        impact, detail = pages.escalation_target(
            updates.IMPACTS, incident.severity, requested, what="impact", vendor=api.NAME
        )
        fields = {"impact_override": impact} if impact is not None else {}
        sent = False
        if fields or text:
            incident, sent = yield from self._write(target, current, fields, options, text=text)
        steps = [Step(name="escalate", applied=impact is not None and sent, detail=detail)]
        return OperationResult.from_steps(incident, steps + ([_note(sent)] if text is not None else []))

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """A realtime incident on the connection's page, at most once per ``create.dedup_key`` (kept in its
        metadata, looked for among the page's unresolved incidents first and after a lost answer)."""
        pages.require_public(options, PUBLIC_HINT, api.NAME)
        page_id = self._page_id("create")
        key, raw = create.dedup_key, options.include_raw
        request = updates.build_create(page_id, create, key, notify=options.notify_subscribers)
        find = (lambda: self._find_created(page_id, key, raw)) if key is not None else None
        written = yield from post_unless_found(request, find)
        incident = written.value(lambda response: incidents.parse_incident(response, include_raw=raw))
        step = written.step("create", earlier="already created", found="found after a lost answer")
        return OperationResult.from_steps(incident, [step])

    def _find_created(self, page_id: str, key: str, raw: bool) -> Flow[Incident | None]:
        """The unresolved incident of ``page_id`` whose metadata carries ``key``, if any."""
        page = 1
        while True:
            batch = incidents.parse_list((yield incidents.build_list(page_id, page, unresolved=True)), raw)
            for item in batch:
                if key in item.keys:
                    return item.incident
            if len(batch) < incidents.LIST_PAGE_SIZE:
                return None
            page += 1

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        """Every page, newest first, filtered here by status (a phase matches both kinds of incident) and
        ``since``/``until`` (Statuspage's list takes neither). Services and teams are refused."""
        incidents.check_list_scope(query.services, query.teams)
        words, phases = incidents.status_filter(query.statuses)
        page_id = self._page_id("list")
        found: list[Incident] = []
        page = 1
        while query.limit is None or len(found) < query.limit:
            response = yield incidents.build_list(page_id, page)
            batch = [read.incident for read in incidents.parse_list(response, query.include_raw)]
            found += [
                item
                for item in batch
                if (not query.statuses or item.status in words or item.phase in phases)
                and created_between(item.created_at, query.since, query.until)
            ]
            oldest = batch[-1].created_at if batch else None
            if len(batch) < incidents.LIST_PAGE_SIZE or not created_between(oldest, query.since, None):
                break
            page += 1
        return found if query.limit is None else found[: query.limit]
