"""EscalateIncidentOperator and ReassignIncidentOperator: move an incident up, or to other people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_incident_provider.arguments import IncidentRef, as_tuple
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Escalation
from airflow_incident_provider.operators.base import BaseIncidentOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class EscalateIncidentOperator(BaseIncidentOperator):
    """Escalate an incident: to the named targets, or, with none, one step up the vendor's own scale.

    One step is computed once from the current value into an absolute target, so a retry can never
    escalate twice; at the top of the scale the task succeeds with ``changed: false``. Scales:
    PagerDuty urgency low -> high, then priority up in ``/priorities`` order; Rootly its severities
    in their order; DevHelm impact NONE -> MINOR -> MAJOR -> CRITICAL; UptimeIO minor -> major ->
    critical; Pinghome urgency. ``escalation_level`` is PagerDuty's (elsewhere a clear error). On
    status pages escalation changes the public impact, so it needs ``public=True``.
    """

    template_fields: Sequence[str] = (*BaseIncidentOperator.template_fields, "severity", "assignees", "note")
    template_fields_renderers = {"note": "md"}

    def __init__(
        self,
        *,
        conn_id: str,
        incident_id: IncidentRef,
        severity: str | None = None,
        escalation_level: int | None = None,
        assignees: Sequence[str] | str | None = None,
        note: str | None = None,
        public: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, **kwargs)
        if escalation_level is not None and (
            not isinstance(escalation_level, int)
            or isinstance(escalation_level, bool)
            or escalation_level < 1
        ):
            raise IncidentValidationError("escalation_level", "must be a whole number, at least 1")
        self.severity = severity
        self.escalation_level = escalation_level
        self.assignees = assignees
        self.note = note
        self.public = public

    def execute(self, context: Context) -> dict[str, Any]:
        escalation = Escalation(
            severity=self.severity,
            escalation_level=self.escalation_level,
            assignees=as_tuple(self.assignees, "assignees"),
            note=self.note,
        )
        options = self.write_options(context, public=self.public)
        return self.finish(self.get_hook().escalate_incident(self.ref, escalation, options))


class ReassignIncidentOperator(BaseIncidentOperator):
    """Assign an incident to ``assignees`` (PagerDuty users, Pinghome users or ``team:<id>``, Rootly
    users through an incident role); status pages have no assignees (a clear error).
    """

    template_fields: Sequence[str] = (*BaseIncidentOperator.template_fields, "assignees", "note")
    template_fields_renderers = {"note": "md"}

    def __init__(
        self,
        *,
        conn_id: str,
        incident_id: IncidentRef,
        assignees: Sequence[str] | str,
        note: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, **kwargs)
        if not isinstance(assignees, str) and not as_tuple(assignees, "assignees"):
            raise IncidentValidationError("assignees", "must name at least one assignee")
        self.assignees = assignees
        self.note = note

    def execute(self, context: Context) -> dict[str, Any]:
        assignees = as_tuple(self.assignees, "assignees")
        if not assignees:
            raise IncidentValidationError("assignees", "must name at least one assignee")
        options = self.write_options(context)
        return self.finish(self.get_hook().reassign_incident(self.ref, assignees, self.note, options))
