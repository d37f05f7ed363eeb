"""What every incident operator shares: the connection, the incident reference, results and links.

Operators stay vendor-agnostic: the hook comes from the connection's ``conn_type``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_incident_provider.arguments import IncidentRef, resolve_ref
from airflow_incident_provider.idempotency import key_from_context
from airflow_incident_provider.links import IncidentLink
from airflow_incident_provider.models import WriteOptions

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_incident_provider.hooks.base import IncidentHook
    from airflow_incident_provider.models import OperationResult


class IncidentConnectionOperator(BaseOperator):
    """Base of every operator of this provider: a connection whose type picks the vendor.

    :param conn_id: an Airflow connection of one of the provider's types (``pagerduty_incidents``...).
    :param include_raw: also return the vendor's own incident object (sensitive fields redacted).
    """

    template_fields: Sequence[str] = ("conn_id",)
    ui_color = "#f4d6d6"

    def __init__(self, *, conn_id: str, include_raw: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.include_raw = include_raw

    def get_hook(self) -> IncidentHook:
        """The vendor's hook for ``conn_id`` (reads the connection; only call from ``execute``)."""
        from airflow_incident_provider.hooks import get_incident_hook

        return get_incident_hook(self.conn_id)

    def write_options(self, context: Context, **options: Any) -> WriteOptions:
        """Options for a write by this task instance, with its idempotency key."""
        return WriteOptions(
            idempotency_key=key_from_context(context, "note"), include_raw=self.include_raw, **options
        )


class BaseIncidentOperator(IncidentConnectionOperator):
    """Base of the operators that work on one incident.

    :param incident_id: the incident's id or ``ref``, or the incident dict an upstream operator returned.
    """

    template_fields: Sequence[str] = ("conn_id", "incident_id")
    operator_extra_links = (IncidentLink(),)

    def __init__(self, *, conn_id: str, incident_id: IncidentRef, **kwargs: Any) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        self.incident_id = incident_id
        self.incident_url: str | None = None

    @property
    def ref(self) -> str:
        return resolve_ref(self.incident_id)

    def finish(self, result: OperationResult) -> dict[str, Any]:
        """Record the incident's URL for the extra link and return the JSON value for XCom."""
        self.incident_url = result.incident.url
        steps = ", ".join(f"{step.name}={'applied' if step.applied else 'skipped'}" for step in result.steps)
        self.log.info(
            "%s incident %s: %s (changed: %s; %s)",
            result.incident.vendor,
            result.incident.ref,
            result.incident.status,
            result.changed,
            steps,
        )
        return result.to_xcom()

    def execute(self, context: Context) -> Any:
        raise NotImplementedError
