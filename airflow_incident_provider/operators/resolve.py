"""ResolveIncidentOperator: resolve an incident, idempotently, at any vendor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, get_args

from airflow_incident_provider.arguments import IncidentRef
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import FromTriage
from airflow_incident_provider.operators.base import BaseIncidentOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class ResolveIncidentOperator(BaseIncidentOperator):
    """Resolve an incident; one already resolved succeeds with ``changed: false``.

    :param resolution: the resolution text, where the vendor stores one (PagerDuty adds it to the
        Resolve log entry).
    :param note: a note to add as well, posted at most once across task retries.
    :param public: status pages (DevHelm, UptimeIO, Statuspage) resolve with a message to customers;
        it is posted only when this is True. Rootly: the note's visibility.
    :param notify_subscribers: also notify the status page's subscribers.
    :param from_triage: Rootly refuses to resolve an incident still in triage: ``"start"`` starts it
        first (reported as a step), ``"cancel"`` cancels it instead, ``"fail"`` raises.
    """

    template_fields: Sequence[str] = (*BaseIncidentOperator.template_fields, "resolution", "note")
    template_fields_renderers = {"resolution": "md", "note": "md"}

    def __init__(
        self,
        *,
        conn_id: str,
        incident_id: IncidentRef,
        resolution: str | None = None,
        note: str | None = None,
        public: bool = False,
        notify_subscribers: bool = False,
        from_triage: FromTriage = "start",
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, **kwargs)
        if from_triage not in get_args(FromTriage):
            raise IncidentValidationError(
                "from_triage", f"{from_triage!r} is not one of {', '.join(get_args(FromTriage))}"
            )
        self.resolution = resolution
        self.note = note
        self.public = public
        self.notify_subscribers = notify_subscribers
        self.from_triage = from_triage

    def execute(self, context: Context) -> dict[str, Any]:
        hook = self.get_hook()
        options = self.write_options(
            context,
            public=self.public,
            notify_subscribers=self.notify_subscribers,
            from_triage=self.from_triage,
        )
        return self.finish(hook.resolve_incident(self.ref, self.resolution, self.note, options))
