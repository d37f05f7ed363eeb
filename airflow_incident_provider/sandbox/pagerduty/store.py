"""PagerDuty account state and the incident lifecycle rules (create, update, reopen, escalate, notes)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from .errors import PagerDutyError, already_resolved, invalid_input, not_found, short
from .model import EscalationPolicy, IdFactory, Incident, LogEntry, Note, Priority, Service, User
from .validation import CreateIncident, ListQuery, PriorityInput, Unset, UpdateIncident

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

MAX_NOTES = 2000
_URGENCY_RANK = {"high": 0, "low": 1}
_API_CHANNEL = {"type": "api", "summary": "The PagerDuty website or APIs"}
_WEB_CHANNEL = {"type": "website", "summary": "The PagerDuty website"}


class PagerDutyStore:
    """One fake PagerDuty account: its directory and its incidents."""

    def __init__(
        self,
        users: Iterable[User],
        services: Iterable[Service],
        policies: Iterable[EscalationPolicy],
        priorities: Iterable[Priority],
    ) -> None:
        self.users = {u.id: u for u in users}
        self.services = {s.id: s for s in services}
        self.policies = {p.id: p for p in policies}
        self.priorities = list(priorities)  # most severe first, as PagerDuty lists them
        self.incidents: dict[str, Incident] = {}
        self.ids = IdFactory()
        self._next_number = 1

    # ------------------------------------------------------------ lookups

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def get(self, incident_id: str) -> Incident:
        """Find by id, or by incident number as PagerDuty also allows."""
        incident = self.incidents.get(incident_id)
        if incident is None and incident_id.isdigit():
            number = int(incident_id)
            incident = next((i for i in self.incidents.values() if i.number == number), None)
        if incident is None:
            raise not_found()
        return incident

    def priority(self, chosen: PriorityInput, where: str) -> Priority:
        for priority in self.priorities:  # first match is the highest priority, as documented
            if (chosen.id is not None and priority.id == chosen.id) or (
                chosen.name is not None and priority.name == chosen.name
            ):
                return priority
        wanted = chosen.id if chosen.id is not None else chosen.name
        raise PagerDutyError(400, 1020, "Invalid Priority", [f"{where} {short(wanted)} does not exist."])

    def _service(self, service_id: str, where: str) -> Service:
        service = self.services.get(service_id)
        if service is None:
            raise invalid_input(f"{where} {short(service_id)} is not a service on this account.")
        return service

    def _policy(self, policy_id: str, where: str) -> EscalationPolicy:
        policy = self.policies.get(policy_id)
        if policy is None:
            raise PagerDutyError(
                400, 1014, "Escalation Policy Not Found", [f"{where} {short(policy_id)} does not exist."]
            )
        return policy

    def _users(self, user_ids: list[str], where: str) -> list[str]:
        for index, user_id in enumerate(user_ids):
            if user_id not in self.users:
                raise invalid_input(
                    f"{where}[{index}].assignee.id {short(user_id)} is not a user on this account."
                )
        return user_ids

    # ------------------------------------------------------------ helpers

    def _log(
        self,
        incident: Incident,
        entry_type: str,
        at: datetime,
        summary: str,
        actor: User | None,
        *,
        note: str | None = None,
        assignees: Iterable[str] | None = None,
        channel: dict[str, str] | None = None,
    ) -> LogEntry:
        entry = LogEntry(
            id=self.ids.log_entry(),
            type=entry_type,
            created_at=at,
            summary=summary,
            agent_user_id=actor.id if actor else None,
            channel=dict(channel or _API_CHANNEL),
            note=note,
            assignee_ids=tuple(assignees) if assignees is not None else None,
        )
        incident.log.append(entry)
        return entry

    def _names(self, user_ids: Iterable[str]) -> str:
        return ", ".join(self.users[u].name for u in user_ids)

    @staticmethod
    def _set_status(incident: Incident, status: str, actor: User, at: datetime) -> None:
        if incident.status != status:
            incident.status = status
            incident.last_status_change_at = at
            incident.last_status_change_by = actor.id

    @staticmethod
    def _assign(incident: Incident, user_ids: Iterable[str], at: datetime, via: str) -> None:
        incident.assignments = [(u, at) for u in user_ids]
        incident.assigned_via = via

    def _acknowledge(self, incident: Incident, actor: User, at: datetime) -> None:
        incident.acknowledgements = [a for a in incident.acknowledgements if a[0] != actor.id]
        incident.acknowledgements.append((actor.id, at))
        self._set_status(incident, "acknowledged", actor, at)
        self._log(incident, "acknowledge_log_entry", at, f"Acknowledged by {actor.name}", actor)

    def _retrigger(self, incident: Incident, actor: User, at: datetime, summary: str) -> None:
        """Escalating or reassigning an acknowledged incident puts it back to triggered."""
        if incident.status == "acknowledged":
            incident.acknowledgements = []
            self._set_status(incident, "triggered", actor, at)
            self._log(incident, "unacknowledge_log_entry", at, summary, actor)

    # ------------------------------------------------------------ operations

    def create(self, request: CreateIncident, actor: User, at: datetime) -> Incident:
        service = self._service(request.service_id, "incident.service.id")
        if request.incident_key is not None:
            clash = next(
                (
                    i
                    for i in self.incidents.values()
                    if i.is_open and i.service_id == service.id and i.incident_key == request.incident_key
                ),
                None,
            )
            if clash is not None:
                raise invalid_input(
                    f"Open incident with key {short(request.incident_key)} already exists on this service "
                    f"(incident {clash.id})."
                )
        chosen = request.escalation_policy_id
        policy = self._policy(
            service.escalation_policy_id if chosen is None else chosen, "incident.escalation_policy.id"
        )
        priority = self.priority(request.priority, "incident.priority") if request.priority else None
        assignees = (
            self._users(request.assignee_ids, "incident.assignments") if request.assignee_ids else None
        )

        incident = Incident(
            id=self.ids.incident(),
            number=self._next_number,
            title=request.title,
            service_id=service.id,
            escalation_policy_id=policy.id,
            urgency=request.urgency or service.default_urgency,
            incident_key=request.incident_key or self.ids.incident_key(),
            created_at=at,
            updated_at=at,
            last_status_change_at=at,
            last_status_change_by=actor.id,
            priority_id=priority.id if priority else None,
            incident_type=request.incident_type or "incident_default",
            conference_bridge=request.conference_bridge,
            body_details=request.body_details,
        )
        self._next_number += 1
        if assignees:
            self._assign(incident, assignees, at, "direct_assignment")
        else:
            self._assign(incident, policy.levels[0], at, "escalation_policy")
        self._log(incident, "trigger_log_entry", at, "Triggered through the API", actor)
        self._log(
            incident, "assign_log_entry", at, f"Assigned to {self._names(incident.assignee_ids())}", actor,
            assignees=incident.assignee_ids(),
        )  # fmt: skip
        if assignees == [actor.id]:
            # Documented: an incident a user creates assigned to themselves starts acknowledged.
            self._acknowledge(incident, actor, at)
        self.incidents[incident.id] = incident
        return incident

    def update(self, incident: Incident, request: UpdateIncident, actor: User, at: datetime) -> Incident:
        # Validate everything before changing anything, so a 400 never leaves a half-applied update.
        if request.status == "resolved" and incident.status == "resolved":
            raise already_resolved()
        reopening = incident.status == "resolved" and request.status in ("triggered", "acknowledged")
        stays_resolved = incident.status == "resolved" and not reopening
        priority: Priority | Unset | None = (
            self.priority(request.priority, "incident.priority")
            if isinstance(request.priority, PriorityInput)
            else request.priority
        )
        service = (
            self._service(request.service_id, "incident.service.id")
            if request.service_id is not None
            else None
        )
        policy = self.policies[incident.escalation_policy_id]
        if request.escalation_policy_id is not None:
            policy = self._policy(request.escalation_policy_id, "incident.escalation_policy.id")
        level = request.escalation_level
        if level is not None:
            if stays_resolved:
                raise PagerDutyError(400, 1006, "Cannot Escalate", ["The incident is resolved."])
            if not 1 <= level <= len(policy.levels):
                raise invalid_input(
                    f"incident.escalation_level must be between 1 and {len(policy.levels)} for escalation "
                    f"policy {policy.id} (got {level})."
                )
        assignees = None
        if request.assignee_ids is not None:
            if stays_resolved:
                raise PagerDutyError(
                    400, 1011, "Cannot process reassign action", ["The incident is resolved."]
                )
            assignees = self._users(request.assignee_ids, "incident.assignments")

        if request.title is not None:
            incident.title = request.title
        if not isinstance(priority, Unset):
            incident.priority_id = priority.id if priority else None
        if not isinstance(request.conference_bridge, Unset):
            incident.conference_bridge = request.conference_bridge
        if request.incident_type is not None:
            incident.incident_type = request.incident_type
        if service is not None:
            incident.service_id = service.id
        if request.urgency is not None and request.urgency != incident.urgency:
            incident.urgency = request.urgency
            self._log(
                incident, "urgency_change_log_entry", at, f"Urgency changed to {request.urgency}", actor
            )

        if reopening:
            incident.resolved_at = None
            incident.resolution = None
            incident.escalation_level = 1
            incident.escalation_policy_id = policy.id
            self._set_status(incident, "triggered", actor, at)
            summary = f"Reopened by {actor.name}"
            if assignees is None and level is None:
                # Documented: reopened to acknowledged goes to the caller, to triggered to the policy.
                if request.status == "acknowledged":
                    self._assign(incident, [actor.id], at, "direct_assignment")
                else:
                    self._assign(incident, policy.levels[0], at, "escalation_policy")
                summary += f" and assigned to {self._names(incident.assignee_ids())}"
            self._log(
                incident, "assign_log_entry", at, summary, actor, assignees=incident.assignee_ids() or None
            )
        if request.escalation_policy_id is not None and policy.id != incident.escalation_policy_id:
            incident.escalation_policy_id = policy.id
            if level is None and assignees is None and incident.is_open:
                incident.escalation_level = 1
                self._assign(incident, policy.levels[0], at, "escalation_policy")
                self._retrigger(incident, actor, at, f"Reassigned to {policy.name} by {actor.name}")
                self._log(
                    incident, "assign_log_entry", at, f"Assigned to {policy.name}", actor,
                    assignees=incident.assignee_ids(),
                )  # fmt: skip
        if level is not None:
            incident.escalation_level = level
            self._assign(incident, policy.levels[level - 1], at, "escalation_policy")
            self._retrigger(incident, actor, at, f"Escalated by {actor.name}")
            self._log(
                incident, "escalate_log_entry", at,
                f"Escalated to level {level} by {actor.name}", actor, assignees=incident.assignee_ids(),
            )  # fmt: skip
        if assignees is not None:
            self._assign(incident, assignees, at, "direct_assignment")
            self._retrigger(incident, actor, at, f"Reassigned by {actor.name}")
            summary = f"Assigned to {self._names(assignees)} by {actor.name}"
            self._log(incident, "assign_log_entry", at, summary, actor, assignees=assignees)

        if request.status == "acknowledged":
            self._acknowledge(incident, actor, at)
        elif request.status == "triggered" and incident.status == "acknowledged":
            incident.acknowledgements = []
            self._set_status(incident, "triggered", actor, at)
            self._log(incident, "unacknowledge_log_entry", at, f"Unacknowledged by {actor.name}", actor)
        elif request.status == "resolved":
            incident.resolved_at = at
            incident.resolution = request.resolution
            incident.assignments = []
            incident.acknowledgements = []
            self._set_status(incident, "resolved", actor, at)
            self._log(
                incident, "resolve_log_entry", at, f"Resolved by {actor.name}", actor, note=request.resolution
            )
        incident.updated_at = at
        return incident

    def change_status_in_ui(self, incident: Incident, status: str, actor: User, at: datetime) -> Incident:
        """A status change a user makes on the website: the API's rules, logged on the website channel."""
        first_new = len(incident.log)
        self.update(incident, UpdateIncident(status=status), actor, at)
        for entry in incident.log[first_new:]:
            entry.channel = dict(_WEB_CHANNEL)
        return incident

    def add_note(self, incident: Incident, content: str, actor: User, at: datetime) -> Note:
        if len(incident.notes) >= MAX_NOTES:
            raise invalid_input(f"An incident can have at most {MAX_NOTES} notes.")
        note = Note(id=self.ids.note(), user_id=actor.id, content=content, created_at=at)
        incident.notes.append(note)
        self._log(
            incident, "annotate_log_entry", at, f"{actor.name} added a note", actor, note=content,
            channel={"type": "note", "summary": content},
        )  # fmt: skip
        incident.updated_at = at
        return note

    def query(self, q: ListQuery) -> list[Incident]:
        def keep(i: Incident) -> bool:
            return (
                (not q.statuses or i.status in q.statuses)
                and (not q.urgencies or i.urgency in q.urgencies)
                and (not q.service_ids or i.service_id in q.service_ids)
                and (not q.user_ids or bool(q.user_ids.intersection(i.assignee_ids())))
                and (not q.team_ids or any(t.id in q.team_ids for t in self.services[i.service_id].teams))
                and (q.incident_key is None or i.incident_key == q.incident_key)
                and (q.since is None or i.created_at >= q.since)
                and (q.until is None or i.created_at < q.until)
            )

        found = sorted((i for i in self.incidents.values() if keep(i)), key=lambda i: i.number)
        for field, descending in reversed(q.sort):
            found.sort(key=partial(_sort_key, field=field), reverse=descending)
        return found


def _sort_key(incident: Incident, field: str) -> tuple[int, float]:
    if field == "incident_number":
        return (0, incident.number)
    if field == "urgency":
        return (0, _URGENCY_RANK[incident.urgency])
    if field == "resolved_at":
        moment = incident.resolved_at
        return (1, 0.0) if moment is None else (0, moment.timestamp())
    return (0, incident.created_at.timestamp())
