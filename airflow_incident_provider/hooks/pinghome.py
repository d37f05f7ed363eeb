"""Pinghome hook (experimental): three services, bearer or sign-in auth, read-merge-write on a full PUT.

Pinghome has no GET for one incident, no status field in its documented update, and no notes, so
reading lists the team's incidents and filters by id, every write sends the whole incident (as read,
with the change applied) and is read back, and a note is appended to the description.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from airflow_incident_provider.exceptions import (
    ConnectionConfigError,
    IncidentNotFoundError,
    IncidentValidationError,
    UnsupportedOperationError,
)
from airflow_incident_provider.hooks.base import IncidentHook
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.paging import read_pages
from airflow_incident_provider.hooks.pinghome_access import (
    SignIn,
    forget_sessions,
    read_settings,
    session_key,
)
from airflow_incident_provider.hooks.settings import ConnectionSettings
from airflow_incident_provider.hooks.snapshot_feed import group_watched, snapshot_flow
from airflow_incident_provider.hooks.write_once import write_at_most_once
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
from airflow_incident_provider.vendors import pinghome as ph
from airflow_incident_provider.vendors.base import Request, Response, aware
from airflow_incident_provider.vendors.pinghome import changes as pinghome_changes

if TYPE_CHECKING:
    from airflow.sdk import Connection

T = TypeVar("T")

__all__ = ["PinghomeIncidentHook", "forget_sessions", "session_key"]


class PinghomeIncidentHook(IncidentHook):
    """Incidents at Pinghome (EXPERIMENTAL: Pinghome publishes no API spec).

    Connection: a bearer token in the password, or an account email as login with its password
    (exchanged for a token at sign-in, cached per process, renewed once on a 401); extras
    ``team_id`` (the team of incidents given by id alone), ``cmd_url``, ``query_url``, ``auth_url``,
    ``path_prefix`` (``/v1``), timeouts, proxy, CA bundle and rate-limit override. A host with a
    scheme is a gateway serving ``/incident-cmd``, ``/incident-query`` and ``/auth`` under it.
    """

    conn_name_attr: ClassVar[str] = "pinghome_incidents_conn_id"
    default_conn_name: ClassVar[str] = "pinghome_incidents_default"
    conn_type: ClassVar[str] = "pinghome_incidents"
    hook_name: ClassVar[str] = "Pinghome Incidents"
    vendor_name: ClassVar[str] = ph.NAME

    def __init__(self, pinghome_incidents_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(pinghome_incidents_conn_id, **kwargs)

    @classmethod
    def settings_from_connection(
        cls, connection: Connection, extras: Mapping[str, Any]
    ) -> ConnectionSettings:
        return read_settings(connection, extras)

    def base_url_for(self, service: str) -> str:
        settings = self.settings
        if service == ph.AUTH:
            return str(settings.extra("auth_url"))
        if service in (ph.CMD, ph.QUERY):
            return f"{settings.extra(f'{service}_url')}{settings.extra('path_prefix')}"
        raise ValueError(f"Pinghome has no service {service!r}")

    # --- authentication -----------------------------------------------------------------------------

    @property
    def signs_in(self) -> bool:
        """True when the connection holds an email and password rather than a token."""
        return self.settings.extra("email") is not None

    def _sign_in(self) -> SignIn:
        settings = self.settings
        return SignIn(self.base_url_for(ph.AUTH), str(settings.extra("email")), settings.token)

    def _cached_token(self) -> str | None:
        return self._sign_in().token()

    def credentials(self) -> tuple[str, ...]:
        """The token or password, and the session token signed in with it."""
        session = self._cached_token() if self.signs_in else None
        return (*super().credentials(), *((session,) if session else ()))

    def credential_hint(self) -> str:
        if self.signs_in:
            return "the account email in the login and its password in the password"
        return "the API token in the password"

    def request_headers(self, request: Request) -> dict[str, str]:
        headers = ph.headers(has_body=request.json is not None)
        if request.service == ph.AUTH:
            return headers
        token = self._cached_token() if self.signs_in else self.settings.token
        if token:
            headers["Authorization"] = ph.authorization(token)
        return headers

    def _authenticated(self, flow: Flow[T], masks: list[asyncio.Task[None]] | None) -> Flow[T]:
        """``flow`` signed in when the connection signs in (see :meth:`.SignIn.authenticated`)."""
        return self._sign_in().authenticated(flow, masks) if self.signs_in else flow

    def run(self, flow: Flow[T]) -> T:
        return super().run(self._authenticated(flow, None))

    async def arun(self, flow: Flow[T]) -> T:
        masks: list[asyncio.Task[None]] = []
        try:
            return await super().arun(self._authenticated(flow, masks))
        finally:
            if masks:
                await asyncio.gather(*masks, return_exceptions=True)

    # --- reading --------------------------------------------------------------------------------------

    def _incident(self, raw: Mapping[str, Any], team: str, include_raw: bool = False) -> Incident:
        template = self.settings.extra("incident_url_template")
        return ph.incident_from_json(raw, team, include_raw=include_raw, url_template=template)

    def _locate(self, ref: str) -> tuple[str, str]:
        return ph.split_ref(ref, self.settings.extra("team_id"))

    def _search_flow(
        self, team: str, wanted: Callable[[Mapping[str, Any]], bool]
    ) -> Flow[tuple[Mapping[str, Any] | None, int, str]]:
        """The first of the team's incidents (newest first) that is ``wanted``, page by page.

        Returns it (None when no page holds one), the number of pages read and the list path.
        """
        cursor: str | None = None
        pages = 0
        seen: set[str] = set()
        while True:
            request = ph.build_list(team, limit=ph.LIST_PAGE_SIZE, cursor=cursor)
            items, cursor = ph.parse_list((yield request), ph.LIST_PAGE_SIZE)
            pages += 1
            found = next((item for item in items if wanted(item)), None)
            if found is not None or cursor is None or cursor in seen:
                return found, pages, request.path
            seen.add(cursor)

    def _find_flow(self, team: str, incident_id: str) -> Flow[Mapping[str, Any]]:
        """The raw incident, found by listing the team's incidents page by page (no GET for one)."""
        found, pages, path = yield from self._search_flow(
            team, lambda item: ph.find([item], incident_id) is not None
        )
        if found is not None:
            return found
        raise IncidentNotFoundError(
            ph.NAME,
            method="GET",
            path=path,
            status_code=404,
            message=f"incident {incident_id!r} is not among the incidents of team {team!r} "
            f"({pages} page(s) searched; Pinghome has no GET for one incident)",
        )

    def get_flow(self, ref: str, *, include_raw: bool = False) -> Flow[Incident]:
        team, incident_id = self._locate(ref)
        raw = yield from self._find_flow(team, incident_id)
        return self._incident(raw, team, include_raw)

    def _connection_team(self, purpose: str) -> str:
        """The connection's ``team_id``, needed where no ref names a team (listing, creating)."""
        team = self.settings.extra("team_id")
        if not team:
            raise ConnectionConfigError(
                f"connection {self.conn_id!r}: {purpose} Pinghome incidents needs team_id in the extra"
            )
        return str(team)

    def list_flow(self, query: ListQuery) -> Flow[list[Incident]]:
        """The incidents of one team: the one id in ``query.teams``, else the connection's ``team_id``."""
        wanted = ph.filter_statuses(query.statuses)
        team = ph.list_team(query.services, query.teams) or self._connection_team("listing")
        since, until = aware(query.since), aware(query.until)

        def page(response: Response) -> tuple[list[Incident], str | None]:
            items, cursor = ph.parse_list(response, ph.LIST_PAGE_SIZE)
            return [self._incident(item, team, query.include_raw) for item in items], cursor

        def kept(incident: Incident) -> bool:
            created = incident.created_at
            if wanted and incident.status not in wanted:
                return False
            return created is None or not (
                (since is not None and created < since) or (until is not None and created > until)
            )

        def build(cursor: str | None) -> Request:
            return ph.build_list(team, limit=ph.LIST_PAGE_SIZE, cursor=cursor)

        return (yield from read_pages(build, page, query.limit, kept))

    supports_change_feed: ClassVar[bool] = True

    def changes_flow(self, since: datetime, watched: Collection[str] = ()) -> Flow[ChangeFeed]:
        """The incidents of each team waited on, as they are now (a snapshot, see
        :mod:`..vendors.pinghome.changes`); ``since`` plays no part."""
        default_team = self.settings.extra("team_id")
        grouped = group_watched(watched, lambda ref: pinghome_changes.feed_scope(ref, default_team))
        return (yield from snapshot_flow(grouped, self._feed_page_flow))

    def _feed_page_flow(self, team: str, cursor: str | None) -> Flow[tuple[list[Incident], str | None]]:
        response = yield pinghome_changes.build_feed_page(team, cursor)
        return pinghome_changes.parse_feed_page(response, team, self.settings.extra("incident_url_template"))

    def check_connection_flow(self) -> Flow[str]:
        team = self.settings.extra("team_id")
        yield ph.build_connection_check(team)
        where = self.base_url_for(ph.QUERY)
        if team:
            return f"Connected to Pinghome at {where}: team {team} is readable"
        checked = "signed in" if self.signs_in else "the token was not checked (set team_id to check it)"
        return f"Reached Pinghome at {where}; {checked}"

    # --- writing --------------------------------------------------------------------------------------

    def _read_back_flow(
        self, team: str, incident_id: str, sent: Mapping[str, Any]
    ) -> Flow[Mapping[str, Any]]:
        """The incident after a write, once it shows every sent field; reads may lag, so a few tries.

        A new incident may not be listed yet on the first reads; on the last it is not found.
        """
        raw: Mapping[str, Any] = {}
        missing: list[str] = []
        for attempt in range(1, ph.READ_BACK_ATTEMPTS + 1):
            try:
                raw = yield from self._find_flow(team, incident_id)
            except IncidentNotFoundError:
                if attempt == ph.READ_BACK_ATTEMPTS:
                    raise
                continue
            missing = ph.not_taken(sent, raw)
            if not missing:
                return raw
        raise UnsupportedOperationError(ph.describe_not_taken(missing, sent, raw))

    def _write_flow(
        self,
        team: str,
        current: Mapping[str, Any],
        changes: Mapping[str, Any],
        notes: list[str],
        options: WriteOptions,
        step: tuple[str, str] | None,
    ) -> Flow[OperationResult]:
        """Read-merge-write: the incident as read, ``changes`` over it and ``notes`` appended, in one PUT.

        ``step`` names the field step and its detail when nothing changes (None: a note alone). A
        note whose idempotency marker is already in the description is not appended again.
        """
        incident_id = str(current["id"])
        key = options.idempotency_key
        steps: list[Step] = []
        changed = ph.changed_fields(current, ph.merged_body(current, changes, []))
        if step is not None:
            name, unchanged = step
            steps.append(Step(name=name, applied=bool(changed), detail=", ".join(changed) or unchanged))
        appended: list[str] = []
        if notes and ph.has_note(str(current.get("description") or ""), key):
            steps.append(Step(name="note", applied=False, detail="already posted"))
        elif notes:
            appended.append(ph.note_text("\n\n".join(notes), key))
            steps.append(Step(name="note", applied=True))
        if changed or appended:
            body = ph.merged_body(current, changes, appended)
            yield ph.build_replace(incident_id, body)
            current = yield from self._read_back_flow(team, incident_id, body)
        incident = self._incident(current, team, options.include_raw)
        return OperationResult.from_steps(incident, steps)

    def update_flow(self, ref: str, update: IncidentUpdate, options: WriteOptions) -> Flow[OperationResult]:
        changes = ph.validate_update(update)
        team, incident_id = self._locate(ref)
        update.require_changes(ph.NAME)
        current = yield from self._find_flow(team, incident_id)
        if "status" in changes:
            self.check_reopen(self._incident(current, team), changes["status"], options.allow_reopen)
            if changes["status"] == ph.status_of(current):
                changes.pop("status")
        notes = [update.note] if update.note is not None else []
        if update.resolution is not None and "status" in changes:  # resolving now, as resolve_flow does
            notes.append(ph.RESOLUTION_PREFIX + update.resolution)
        step = ("update", "already as requested")
        return (yield from self._write_flow(team, current, changes, notes, options, step))

    def _transition_flow(
        self, ref: str, target: Phase, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Move forward to ``target`` unless the incident is already there or past it (never reopens)."""
        team, incident_id = self._locate(ref)
        if note is not None:
            ph.validate_note(note)
        if resolution is not None:
            ph.validate_note(resolution, "resolution")
        current = yield from self._find_flow(team, incident_id)
        status = ph.PHASE_STATUSES[target]
        phase = ph.STATUS_PHASES.get(ph.status_of(current), Phase.OPEN)
        notes = [note] if note is not None else []
        if phase.at_or_past(target):
            changes: dict[str, Any] = {}
        else:
            changes = {"status": status}
            if resolution:
                notes.append(ph.RESOLUTION_PREFIX + resolution)
        step = (status, f"already {ph.status_of(current)}")
        return (yield from self._write_flow(team, current, changes, notes, options, step))

    def resolve_flow(
        self, ref: str, resolution: str | None, note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        return (yield from self._transition_flow(ref, Phase.RESOLVED, resolution, note, options))

    def acknowledge_flow(self, ref: str, note: str | None, options: WriteOptions) -> Flow[OperationResult]:
        return (yield from self._transition_flow(ref, Phase.ACKNOWLEDGED, None, note, options))

    def add_note_flow(self, ref: str, note: str, options: WriteOptions) -> Flow[OperationResult]:
        ph.validate_note(note)
        team, incident_id = self._locate(ref)
        current = yield from self._find_flow(team, incident_id)
        return (yield from self._write_flow(team, current, {}, [note], options, None))

    def _dedup_flow(self, team: str, dedup_key: str) -> Flow[Mapping[str, Any] | None]:
        """The team's incident created with ``dedup_key`` (its marker in the description), if any."""
        found, _pages, _path = yield from self._search_flow(
            team, lambda item: ph.carries_dedup_key(item, dedup_key)
        )
        return found

    def _created(
        self, raw: Mapping[str, Any], team: str, options: WriteOptions, *, applied: bool
    ) -> OperationResult:
        step = Step(name="create", applied=applied, detail=None if applied else "already created")
        return OperationResult.from_steps(self._incident(raw, team, options.include_raw), [step])

    def create_flow(self, create: IncidentCreate, options: WriteOptions) -> Flow[OperationResult]:
        """Create an incident in the connection's team, at most once per ``create.dedup_key``.

        The key is stored as a visible marker line ending the description. The team's incidents are
        searched for it first (found: ``changed: false``), and again after a lost answer before the
        create is posted again, because ``POST`` is not idempotent. The new incident is read back.
        """
        body = ph.validate_create(create)
        team = self._connection_team("creating")
        key = create.dedup_key
        body["description"] = ph.created_description(body["description"], key)
        if key:
            existing = yield from self._dedup_flow(team, key)
            if existing is not None:
                return self._created(existing, team, options, applied=False)
        find = (lambda: self._dedup_flow(team, key)) if key else None
        request = ph.build_create(team, body)
        written = yield from write_at_most_once(request, find, attempts=ph.CREATE_ATTEMPTS)
        if written.response is None:
            assert written.found is not None
            return self._created(written.found, team, options, applied=True)
        raw = yield from self._read_back_flow(team, ph.parse_created(written.response), body)
        return self._created(raw, team, options, applied=True)

    def escalate_flow(self, ref: str, escalation: Escalation, options: WriteOptions) -> Flow[OperationResult]:
        """Raise the urgency to ``severity``, or one step up ``URGENCIES`` from the incident as read.

        One step is computed once, here, into an absolute urgency: the ``PUT`` carries that word, so
        resending it after a lost answer cannot escalate twice. At the top nothing is written for the
        urgency. ``assignees`` are replaced in the same write and a note is appended as notes are. A
        resolved incident is refused unless ``allow_reopen``, which reopens it (status ``open``).
        """
        changes = ph.validate_escalation(escalation)
        team, incident_id = self._locate(ref)
        current = yield from self._find_flow(team, incident_id)
        if ph.STATUS_PHASES.get(ph.status_of(current)) is Phase.RESOLVED:
            if not options.allow_reopen:
                raise IncidentValidationError(
                    "status",
                    f"incident {ph.make_ref(team, incident_id)} is {ph.status_of(current)}: escalating it "
                    "makes no sense; pass allow_reopen=True to reopen and escalate it on purpose",
                    vendor=ph.NAME,
                )
            changes["status"] = ph.PHASE_STATUSES[Phase.OPEN]
        unchanged = "already as requested"
        if escalation.one_step:
            target = ph.next_urgency(current)
            if target is None:
                unchanged = "already at the top"
            else:
                changes["urgency"] = target
        elif "urgency" in changes and ph.lowers_urgency(changes["urgency"], current):
            unchanged = f"already {current.get('urgency')}, above {changes.pop('urgency')}"
        if "assignees" in changes and ph.same_assignees(current, changes["assignees"]):
            del changes["assignees"]
        notes = [escalation.note] if escalation.note is not None else []
        return (yield from self._write_flow(team, current, changes, notes, options, ("escalate", unchanged)))

    def reassign_flow(
        self, ref: str, assignees: tuple[str, ...], note: str | None, options: WriteOptions
    ) -> Flow[OperationResult]:
        """Assign the incident to exactly ``assignees`` (users, ``team:<id>``) by read-merge-write.

        Already exactly those, in any order, is ``changed: false`` with no write for them.
        """
        wanted = ph.validate_assignees(assignees)
        if note is not None:
            ph.validate_note(note)
        team, incident_id = self._locate(ref)
        current = yield from self._find_flow(team, incident_id)
        changes = {} if ph.same_assignees(current, wanted) else {"assignees": wanted}
        notes = [note] if note is not None else []
        step = ("reassign", "already assigned to exactly those")
        return (yield from self._write_flow(team, current, changes, notes, options, step))
