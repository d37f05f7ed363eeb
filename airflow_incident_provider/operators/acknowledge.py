"""AcknowledgeIncidentOperator: say a responder (or a DAG) has it, without ever going backwards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_incident_provider.arguments import IncidentRef
from airflow_incident_provider.operators.base import BaseIncidentOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class AcknowledgeIncidentOperator(BaseIncidentOperator):
    """Acknowledge an incident; idempotent: at or past acknowledged it is ``changed: false``.

    Never reopens a resolved incident. Status pages (DevHelm, UptimeIO, Statuspage) have no
    acknowledgement: there it fails before any request, naming what to use instead
    (``UpdateIncidentOperator`` with the vendor's "identified" status and ``public=True``).

    :param note: a note to add as well, posted at most once across task retries.
    :param public: Rootly: make the note an external timeline event.
    """

    template_fields: Sequence[str] = (*BaseIncidentOperator.template_fields, "note")
    template_fields_renderers = {"note": "md"}

    def __init__(
        self,
        *,
        conn_id: str,
        incident_id: IncidentRef,
        note: str | None = None,
        public: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, **kwargs)
        self.note = note
        self.public = public

    def execute(self, context: Context) -> dict[str, Any]:
        hook = self.get_hook()
        options = self.write_options(context, public=self.public)
        return self.finish(hook.acknowledge_incident(self.ref, self.note, options))
