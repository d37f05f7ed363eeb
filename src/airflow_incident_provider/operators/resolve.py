"""ResolveIncidentOperator: resolve an incident, idempotently, at any vendor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_incident_provider.idempotency import key_from_context
from airflow_incident_provider.operators.base import BaseIncidentOperator, IncidentRef

if TYPE_CHECKING:
    from airflow.sdk import Context


class ResolveIncidentOperator(BaseIncidentOperator):
    """Resolve an incident; one already resolved succeeds with ``changed: false``.

    :param resolution: the resolution text, where the vendor stores one (PagerDuty adds it to the
        Resolve log entry).
    :param note: a note to add as well, posted at most once across task retries.
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
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, **kwargs)
        self.resolution = resolution
        self.note = note

    def execute(self, context: Context) -> dict[str, Any]:
        hook = self.get_hook()
        result = hook.resolve_incident(
            self.ref,
            resolution=self.resolution,
            note=self.note,
            idempotency_key=key_from_context(context, "note"),
            include_raw=self.include_raw,
        )
        return self.finish(result)
