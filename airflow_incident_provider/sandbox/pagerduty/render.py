"""JSON rendering of PagerDuty entities in the shapes of the official OpenAPI schemas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core import utc_iso

if TYPE_CHECKING:
    from .model import EscalationPolicy, Incident, LogEntry, Note, Priority, Service, User
    from .store import PagerDutyStore

#: Web-UI links point at a reserved, never-resolving domain.
HTML_BASE = "https://sandbox.pagerduty.invalid"


class Renderer:
    """Renders store objects; ``api_base`` is the sandbox's PagerDuty base URL, used for ``self`` links."""

    def __init__(self, store: PagerDutyStore, api_base: str) -> None:
        self.store = store
        self.api = api_base.rstrip("/")

    # ------------------------------------------------------------ references

    def _ref(self, kind: str, obj_id: str, summary: str, path: str, html_path: str) -> dict[str, Any]:
        return {
            "id": obj_id,
            "type": f"{kind}_reference",
            "summary": summary,
            "self": f"{self.api}/{path}/{obj_id}",
            "html_url": f"{HTML_BASE}/{html_path}/{obj_id}",
        }

    def user_ref(self, user_id: str) -> dict[str, Any]:
        return self._ref("user", user_id, self.store.users[user_id].name, "users", "users")

    def service_ref(self, service_id: str) -> dict[str, Any]:
        name = self.store.services[service_id].name
        return self._ref("service", service_id, name, "services", "service-directory")

    def team_refs(self, service_id: str) -> list[dict[str, Any]]:
        """The teams of a service (an incident's are its service's)."""
        return [
            self._ref("team", team.id, team.name, "teams", "teams")
            for team in self.store.services[service_id].teams
        ]

    def policy_ref(self, policy_id: str) -> dict[str, Any]:
        name = self.store.policies[policy_id].name
        return self._ref("escalation_policy", policy_id, name, "escalation_policies", "escalation_policies")

    def incident_ref(self, incident: Incident) -> dict[str, Any]:
        ref = self._ref("incident", incident.id, _summary(incident), "incidents", "incidents")
        return ref

    # ------------------------------------------------------------ full objects

    def priority(self, priority: Priority) -> dict[str, Any]:
        return {
            "id": priority.id,
            "type": "priority",
            "summary": priority.name,
            "self": f"{self.api}/priorities/{priority.id}",
            "html_url": None,
            "name": priority.name,
            "description": priority.description,
        }

    def user(self, user: User) -> dict[str, Any]:
        return {
            **self._ref("user", user.id, user.name, "users", "users"),
            "type": "user",
            "name": user.name,
            "email": user.email,
            "time_zone": "Etc/UTC",
            "role": "user",
            "description": "Sandbox user",
            "teams": [],
        }

    def service(self, service: Service) -> dict[str, Any]:
        return {
            **self._ref("service", service.id, service.name, "services", "service-directory"),
            "type": "service",
            "name": service.name,
            "status": "active",
            "escalation_policy": self.policy_ref(service.escalation_policy_id),
            "incident_urgency_rule": {"type": "constant", "urgency": service.default_urgency},
            "teams": self.team_refs(service.id),
        }

    def escalation_policy(self, policy: EscalationPolicy) -> dict[str, Any]:
        return {
            **self._ref(
                "escalation_policy", policy.id, policy.name, "escalation_policies", "escalation_policies"
            ),
            "type": "escalation_policy",
            "name": policy.name,
            "num_loops": 0,
            "escalation_rules": [
                {
                    "id": f"{policy.id[:-1]}{level}",
                    "escalation_delay_in_minutes": 30,
                    "targets": [self.user_ref(u) for u in users],
                }
                for level, users in enumerate(policy.levels, start=1)
            ],
            "services": [
                self.service_ref(s.id)
                for s in self.store.services.values()
                if s.escalation_policy_id == policy.id
            ],
            "teams": [],
        }

    def incident(self, incident: Incident, include: set[str] | None = None) -> dict[str, Any]:
        include = include or set()
        first = incident.log[0]
        priority = next((p for p in self.store.priorities if p.id == incident.priority_id), None)
        data: dict[str, Any] = {
            "id": incident.id,
            "type": "incident",
            "summary": _summary(incident),
            "self": f"{self.api}/incidents/{incident.id}",
            "html_url": f"{HTML_BASE}/incidents/{incident.id}",
            "incident_number": incident.number,
            "title": incident.title,
            "created_at": utc_iso(incident.created_at),
            "updated_at": utc_iso(incident.updated_at or incident.created_at),
            "status": incident.status,
            "incident_key": incident.incident_key,
            "service": self.service_ref(incident.service_id),
            "assignments": [
                {"at": utc_iso(at), "assignee": self.user_ref(user_id)}
                for user_id, at in incident.assignments
            ],
            "assigned_via": incident.assigned_via,
            "acknowledgements": [
                {"at": utc_iso(at), "acknowledger": self.user_ref(user_id)}
                for user_id, at in incident.acknowledgements
            ],
            "last_status_change_at": utc_iso(incident.last_status_change_at or incident.created_at),
            "last_status_change_by": (
                self.user_ref(incident.last_status_change_by)
                if incident.last_status_change_by
                else self.service_ref(incident.service_id)
            ),
            "resolved_at": utc_iso(incident.resolved_at) if incident.resolved_at else None,
            "first_trigger_log_entry": {
                **self._ref("trigger_log_entry", first.id, first.summary, "log_entries", "log_entries"),
                "self": f"{self.api}/log_entries/{first.id}?incident_id={incident.id}",
                "html_url": f"{HTML_BASE}/incidents/{incident.id}/log_entries/{first.id}",
            },
            "alert_counts": {"all": 0, "triggered": 0, "resolved": 0},
            "pending_actions": [],
            "is_mergeable": True,
            "incident_type": {"name": incident.incident_type},
            "escalation_policy": self.policy_ref(incident.escalation_policy_id),
            "escalation_level": incident.escalation_level,
            "teams": self.team_refs(incident.service_id),
            "priority": self.priority(priority) if priority else None,
            "resolve_reason": None,
            "urgency": incident.urgency,
        }
        if incident.conference_bridge is not None:
            data["conference_bridge"] = dict(incident.conference_bridge)
        if "body" in include:
            data["body"] = {"type": "incident_body", "details": incident.body_details}
        return data

    def note(self, note: Note) -> dict[str, Any]:
        return {
            "id": note.id,
            "user": self.user_ref(note.user_id),
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": note.content,
            "created_at": utc_iso(note.created_at),
            "updated_at": utc_iso(note.created_at),
        }

    def log_entry(
        self, entry: LogEntry, incident: Incident, include: set[str] | None = None
    ) -> dict[str, Any]:
        """One entry; with ``incidents`` in ``include``, its incident in full (as it is now)."""
        data: dict[str, Any] = {
            "id": entry.id,
            "type": entry.type,
            "summary": entry.summary,
            "self": f"{self.api}/log_entries/{entry.id}?incident_id={incident.id}",
            "html_url": f"{HTML_BASE}/incidents/{incident.id}/log_entries/{entry.id}",
            "created_at": utc_iso(entry.created_at),
            "agent": (
                self.user_ref(entry.agent_user_id)
                if entry.agent_user_id
                else self.service_ref(incident.service_id)
            ),
            "channel": dict(entry.channel),
            "service": self.service_ref(incident.service_id),
            "incident": (
                self.incident(incident) if "incidents" in (include or ()) else self.incident_ref(incident)
            ),
            "teams": [],
            "contexts": [],
        }
        if entry.note is not None:
            data["note"] = entry.note
        if entry.assignee_ids is not None:
            data["assignees"] = [self.user_ref(u) for u in entry.assignee_ids]
        return data


def _summary(incident: Incident) -> str:
    return f"[#{incident.number}] {incident.title}"
