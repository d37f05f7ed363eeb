"""CreateIncidentOperator: open an incident once, however often the task is retried."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_incident_provider.arguments import as_tuple, is_template
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.idempotency import key_from_context
from airflow_incident_provider.links import IncidentLink
from airflow_incident_provider.models import IncidentCreate
from airflow_incident_provider.operators.base import IncidentConnectionOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class CreateIncidentOperator(IncidentConnectionOperator):
    """Create an incident where the vendor documents a create endpoint (UptimeIO: a clear error).

    A task retry never creates a second incident: ``dedup_key`` (by default derived from dag, run, task
    and map index) is stored with the incident, where the vendor keeps it (PagerDuty's
    ``incident_key``, a marker elsewhere; each vendor's page says where), and looked for first; a
    found incident is returned with ``changed: false``. Pass your own ``dedup_key`` to make one
    incident per alert across runs.

    :param title: the incident's title (templated).
    :param description: its description where the vendor has one.
    :param severity: the vendor's severity scale (as for ``UpdateIncidentOperator``).
    :param assignees: user ids (where the vendor assigns on create).
    :param vendor_fields: other create-body fields, validated (PagerDuty needs ``service``).
    :param public: status pages: creating posts a message to customers, so it must be True.
    :param notify_subscribers: status pages: also notify subscribers.
    """

    template_fields: Sequence[str] = (
        *IncidentConnectionOperator.template_fields,
        "title",
        "description",
        "severity",
        "assignees",
        "vendor_fields",
        "dedup_key",
    )
    template_fields_renderers = {"description": "md", "vendor_fields": "json"}
    operator_extra_links = (IncidentLink(),)

    def __init__(
        self,
        *,
        conn_id: str,
        title: str,
        description: str | None = None,
        severity: str | None = None,
        assignees: Sequence[str] | str | None = None,
        vendor_fields: dict[str, Any] | str | None = None,
        dedup_key: str | None = None,
        public: bool = False,
        notify_subscribers: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        if not isinstance(title, str) or (not title.strip() and not is_template(title)):
            raise IncidentValidationError("title", "must be non-empty text")
        if (
            vendor_fields is not None
            and not isinstance(vendor_fields, dict)
            and not is_template(vendor_fields)
        ):
            raise IncidentValidationError("vendor_fields", "must be a dict of vendor body fields")
        self.title = title
        self.description = description
        self.severity = severity
        self.assignees = assignees
        self.vendor_fields = vendor_fields
        self.dedup_key = dedup_key
        self.public = public
        self.notify_subscribers = notify_subscribers
        self.incident_url: str | None = None

    def execute(self, context: Context) -> dict[str, Any]:
        if self.vendor_fields is not None and not isinstance(self.vendor_fields, dict):
            raise IncidentValidationError("vendor_fields", "must render to a dict of vendor body fields")
        create = IncidentCreate(
            title=self.title,
            description=self.description,
            severity=self.severity,
            assignees=as_tuple(self.assignees, "assignees"),
            vendor_fields=self.vendor_fields or {},
            dedup_key=self.dedup_key or key_from_context(context, "create"),
        )
        options = self.write_options(context, public=self.public, notify_subscribers=self.notify_subscribers)
        result = self.get_hook().create_incident(create, options)
        self.incident_url = result.incident.url
        self.log.info(
            "%s incident %s: created=%s", result.incident.vendor, result.incident.ref, result.changed
        )
        return result.to_xcom()
