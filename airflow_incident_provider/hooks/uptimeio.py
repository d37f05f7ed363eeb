"""UptimeIO hook (experimental): the connection's status-page settings and the flow of each operation.

Every status, resolve and note on an UptimeIO status page is a message to customers, so those writes
need ``public=True``; acknowledge does not exist there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_incident_provider.exceptions import (
    ConflictError,
    IncidentValidationError,
    VendorValidationError,
)
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.settings import (
    ConnectionSettings,
    api_key_settings,
    url_template,
)
from airflow_incident_provider.hooks.snapshot_feed import group_watched, snapshot_flow
from airflow_incident_provider.hooks.status_page import StatusPageHook
from airflow_incident_provider.hooks.write_once import post_unless_found, read_back, write_at_most_once
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
from airflow_incident_provider.vendors import status_pages as pages
from airflow_incident_provider.vendors import uptimeio as uv
from airflow_incident_provider.vendors.base import Request, aware
from airflow_incident_provider.vendors.uptimeio import changes as uptimeio_changes

if TYPE_CHECKING:
    from airflow.sdk import Connection


class UptimeIOIncidentHook(StatusPageHook):
    """Incidents on an UptimeIO status page (experimental: UptimeIO publishes no API spec).

    Connection: the API key in the password (sent as ``X-API-Key``); extras ``project_id`` and
    ``status_page_id`` (the scope of bare incident ids), ``incident_url_template`` (the incident's page,
    for the extra link), ``note_marker`` (``hidden`` or ``none``), timeouts, proxy, CA bundle and
    rate-limit override; a host with a scheme replaces ``https://api.uptimeio.com``.
    """

    conn_name_attr: ClassVar[str] = "uptimeio_incidents_conn_id"
    default_conn_name: ClassVar[str] = "uptimeio_incidents_default"
    conn_type: ClassVar[str] = "uptimeio_incidents"
    hook_name: ClassVar[str] = "UptimeIO Incidents"
    vendor_name: ClassVar[str] = uv.NAME

    def __init__(self, uptimeio_incidents_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(uptimeio_incidents_conn_id, **kwargs)

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        def own(conn_id: str) -> dict[str, Any]:
            scope = {
                name: str(extras.get(name) or "").strip() or None for name in ("project_id", "status_page_id")
            }
            template = url_template(extras, conn_id, uv.URL_PLACEHOLDERS)
            return {**scope, "incident_url_template": template}

        choices = {"note_marker": (uv.MARKER_STYLES, uv.NOTE_MARKER)}
        return api_key_settings(connection, extras, uv.DISPLAY_NAME, uv.BASE_URL, own, choices)

    def request_headers(self, request: Request) -> dict[str, str]:
        return uv.headers(self.settings.token, has_body=request.json is not None)

    # --- helpers ------------------------------------------------------------------------------------

    def scope(self, ref: str) -> uv.Scope:
        """The incident's project, page and id: from a full ref, or the connection for a bare id."""
        settings = self.settings
        return uv.parse_ref(
            ref, project_id=settings.extra("project_id"), status_page_id=settings.extra("status_page_id")
        )

    @property
    def _url_template(self) -> str | None:
        template: str | None = self.settings.extra("incident_url_template")
        return template

    def _get(self, scope: uv.Scope, include_raw: bool) -> Flow[Incident]:
        response = yield uv.build_get(scope)
        return uv.parse_incident(response, scope, url_template=self._url_template, include_raw=include_raw)

    def _note_content(self, note: str, options: WriteOptions) -> str:
        return uv.note_content(
            note, options.idempotency_key, self.settings.extra("note_marker", uv.NOTE_MARKER)
        )

    def _find_marker(self, scope: uv.Scope, key: str) -> Flow[bool]:
        """Whether a timeline update already carries ``key``'s marker (newest pages first)."""
        for page in range(1, uv.MAX_UPDATE_PAGES + 1):
            messages = uv.parse_updates((yield uv.build_list_updates(scope, page)))
            if any(is_marked(message, key) for message in messages):
                return True
            if uv.page_is_last(messages, uv.LIST_PAGE_SIZE):
                break
        return False

    def _note_step(self, scope: uv.Scope, content: str, status: str, options: WriteOptions) -> Flow[Step]:
        """Post a timeline update at most once: with a marker, look for it first and after a lost response."""
        key = options.idempotency_key if self.settings.extra("note_marker") == "hidden" else None
        find = (lambda: self._find_marker(scope, key)) if key else None
        written = yield from post_unless_found(uv.build_add_update(scope, content, status), find)
        return written.step(
            "note", status, earlier="already posted", found=f"{status} (response lost, found posted)"
        )

    def _resolve_step(
        self, scope: uv.Scope, message: str | None, include_raw: bool
    ) -> Flow[tuple[Incident, Step]]:
        """``POST .../resolve``; a lost response or a refusal is settled by reading the incident again."""
        try:
            resolved = read_back(
                partial(self._get, scope, include_raw), lambda now: now.phase is Phase.RESOLVED
            )
            written = yield from write_at_most_once(uv.build_resolve(scope, message), resolved)
        except (ConflictError, VendorValidationError):
            incident = yield from self._get(scope, include_raw)
            if incident.phase is not Phase.RESOLVED:
                raise
            return incident, Step(name="resolve", applied=False, detail="resolved concurrently")
        if written.response is None:
            assert written.found is not None
            return written.found, Step(name="resolve", applied=True, detail="response lost, found resolved")
        incident = uv.parse_incident(
            written.response, scope, url_template=self._url_template, include_raw=include_raw
        )
        return incident, Step(name="resolve", applied=True)

    # --- flows ------------------------------------------------------------------------------------

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        return (yield from self._get(self.scope(ref), include_raw))

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        fields = uv.validate_update(update)
        update.require_changes(uv.NAME)
        facing = "a status change" if update.status is not None else None
        facing = facing or ("a note" if update.note is not None else None)
        uv.check_options(options, customer_facing=facing)
        scope = self.scope(ref)
        content = self._note_content(update.note, options) if update.note is not None else None
        raw = options.include_raw
        target = uv.to_vendor_status(update.status) if update.status is not None else None
        current: Incident | None = None
        if target is not None:
            current = yield from self._get(scope, raw)
            self.check_reopen(current, target, options.allow_reopen)
        body = uv.patch_body(update, fields, current=current)
        resolving = target == uv.RESOLVED and current is not None and current.phase is not Phase.RESOLVED
        steps: list[Step] = []
        incident = current
        if body:
            response = yield uv.build_update(scope, body)
            incident = uv.parse_incident(response, scope, url_template=self._url_template, include_raw=raw)
            steps.append(Step(name="update", applied=True, detail=", ".join(sorted(body))))
        elif not resolving:
            steps.append(Step(name="update", applied=False, detail="already as requested"))
        if resolving:
            incident, step = yield from self._resolve_step(scope, update.resolution, raw)
            steps.append(step)
        if incident is None:
            incident = yield from self._get(scope, raw)
        if content is not None:
            steps.append((yield from self._note_step(scope, content, incident.status, options)))
        return OperationResult.from_steps(incident, steps)

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        uv.check_options(options, customer_facing="resolving")
        scope = self.scope(ref)
        if resolution is not None:
            uv.validate_message(resolution, "resolution")
        content = self._note_content(note, options) if note is not None else None
        raw = options.include_raw
        incident = yield from self._get(scope, raw)
        steps: list[Step] = []
        if incident.phase is Phase.RESOLVED:
            steps.append(Step(name="resolve", applied=False, detail="already resolved"))
        else:
            incident, step = yield from self._resolve_step(scope, resolution, raw)
            steps.append(step)
        if content is not None:
            steps.append((yield from self._note_step(scope, content, incident.status, options)))
        return OperationResult.from_steps(incident, steps)

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """Unsupported: UptimeIO documents no create endpoint (raised before any request)."""
        raise uv.create_unsupported()
        yield  # pragma: no cover - makes this a generator, so the error is raised where flows start

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Raise the incident's severity: to ``escalation.severity``, or one step up ``uv.SEVERITIES``.

        Severity is the public impact shown on the page, so ``public=True`` is required. One step is
        computed once from the severity read now and written as that absolute value, so a retried
        ``PATCH`` can never climb twice. Never lowers the severity: a target at or below the current
        one is ``changed: false``. A resolved incident is refused unless ``allow_reopen``.
        """
        pages.refuse_levels_and_assignees(escalation, uv.NAME, uv.SEVERITIES, "severity")
        uv.check_options(options, customer_facing="an escalation")
        explicit = uv.severity(escalation.severity) if escalation.severity is not None else None
        scope = self.scope(ref)
        content = self._note_content(escalation.note, options) if escalation.note is not None else None
        raw = options.include_raw
        incident = yield from self._get(scope, raw)
        if incident.phase is Phase.RESOLVED and not options.allow_reopen:
            raise IncidentValidationError(
                "status",
                f"incident {incident.ref} is {incident.status!r}: escalating a resolved incident makes no "
                "sense; reopen it first (UpdateIncidentOperator(status='investigating', public=True, "
                "allow_reopen=True)) or pass allow_reopen=True",
                vendor=uv.NAME,
            )
        target, detail = uv.escalation_target(incident.severity, explicit)
        if target is not None:
            response = yield uv.build_update(scope, {"severity": target})
            incident = uv.parse_incident(response, scope, url_template=self._url_template, include_raw=raw)
        steps = [Step(name="escalate", applied=target is not None, detail=detail)]
        if content is not None:
            steps.append((yield from self._note_step(scope, content, incident.status, options)))
        return OperationResult.from_steps(incident, steps)

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        uv.check_options(options, customer_facing="a note")
        scope = self.scope(ref)
        content = self._note_content(note, options)
        incident = yield from self._get(scope, options.include_raw)
        step = yield from self._note_step(scope, content, incident.status, options)
        return OperationResult.from_steps(incident, [step])

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        """Every page, newest first; ``since``/``until`` and several statuses are filtered here.

        Services and teams are refused: the connection's status page is the scope.
        """
        uv.check_list_scope(query.services, query.teams)
        settings = self.settings
        project_id, page_id = settings.extra("project_id"), settings.extra("status_page_id")
        wanted = {uv.to_vendor_status(word, field_name="statuses") for word in query.statuses}
        server_status = next(iter(wanted)) if len(wanted) == 1 else None
        filtered = len(wanted) > 1 or query.since is not None or query.until is not None
        page_size = (
            uv.LIST_PAGE_SIZE if filtered or query.limit is None else min(uv.LIST_PAGE_SIZE, query.limit)
        )
        since, until = aware(query.since), aware(query.until)
        incidents: list[Incident] = []
        seen: set[str] = set()
        page = 1
        while query.limit is None or len(incidents) < query.limit:
            request = uv.build_list(project_id, page_id, page=page, limit=page_size, status=server_status)
            items = uv.parse_list(
                (yield request),
                project_id,
                page_id,
                url_template=self._url_template,
                include_raw=query.include_raw,
            )
            fresh = [item for item in items if item.id not in seen]
            seen.update(item.id for item in fresh)
            older_than_since = False
            for item in fresh:
                created = item.created_at
                if since is not None and created is not None and created < since:
                    older_than_since = True  # newest first: every later item is older still
                    continue
                if until is not None and created is not None and created >= until:
                    continue
                if wanted and item.status not in wanted:
                    continue
                incidents.append(item)
            if older_than_since or not fresh or uv.page_is_last(items, page_size):
                break
            page += 1
        return incidents if query.limit is None else incidents[: query.limit]

    supports_change_feed: ClassVar[bool] = True

    def changes_flow(self, since: datetime, watched: Collection[str] = ()) -> Flow[ChangeFeed]:
        """The incidents of each status page waited on, as they are now (a snapshot, see
        :mod:`..vendors.uptimeio.changes`); ``since`` plays no part."""
        project_id, page_id = self.settings.extra("project_id"), self.settings.extra("status_page_id")
        grouped = group_watched(watched, lambda ref: uptimeio_changes.feed_scope(ref, project_id, page_id))
        return (yield from snapshot_flow(grouped, self._feed_page_flow))

    def _feed_page_flow(self, page_scope: str, page: int | None) -> Flow[tuple[list[Incident], int | None]]:
        response = yield uptimeio_changes.build_feed_page(page_scope, page)
        return uptimeio_changes.parse_feed_page(response, page_scope, page, self._url_template)

    def check_connection_flow(self) -> Flow[str]:
        settings = self.settings
        yield uv.build_connection_check(settings.extra("project_id"), settings.extra("status_page_id"))
        return f"Connected to UptimeIO status page {settings.extra('status_page_id')} at {settings.base_url}"
