"""UpdateIncidentOperator: change any field of an incident, at any vendor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_incident_provider.arguments import (
    IncidentRef,
    as_tuple,
    check_status_word,
    is_template,
    rendered_update,
)
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import IncidentUpdate
from airflow_incident_provider.operators.base import BaseIncidentOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class UpdateIncidentOperator(BaseIncidentOperator):
    """Update an incident's title, description, status, severity, assignees; optionally add a note.

    Every argument is optional but one must be given. ``status`` is the vendor's word or a phase
    (``open``, ``acknowledged``, ``mitigated``, ``resolved``), checked at parse time against every
    vendor and at run time against the connection's vendor, before any request. A status that would
    reopen a resolved incident fails unless ``allow_reopen=True``. ``vendor_fields`` reaches the
    vendor's other body fields, validated before sending. The note carries an idempotency marker, so
    a task retry never posts it twice. On status pages (DevHelm, UptimeIO, Statuspage) a status change
    or note is a message to customers: it is sent only with ``public=True``, and reaches subscribers only with
    ``notify_subscribers=True``. Returns the incident as a JSON dict with ``changed`` and ``steps``.
    """

    template_fields: Sequence[str] = (
        *BaseIncidentOperator.template_fields,
        "title",
        "description",
        "status",
        "severity",
        "assignees",
        "note",
        "vendor_fields",
    )
    template_fields_renderers = {"vendor_fields": "json", "description": "md", "note": "md"}

    def __init__(
        self,
        *,
        conn_id: str,
        incident_id: IncidentRef,
        title: str | None = None,
        description: str | None = None,
        status: str | None = None,
        severity: str | None = None,
        assignees: Sequence[str] | str | None = None,
        note: str | None = None,
        vendor_fields: dict[str, Any] | str | None = None,
        allow_reopen: bool = False,
        public: bool = False,
        notify_subscribers: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, **kwargs)
        check_status_word(status, "status")
        if (
            vendor_fields is not None
            and not isinstance(vendor_fields, dict)
            and not is_template(vendor_fields)
        ):
            raise IncidentValidationError("vendor_fields", "must be a dict of vendor body fields")
        if assignees is not None and not isinstance(assignees, str):
            as_tuple(assignees, "assignees")
        if all(
            value is None for value in (title, description, status, severity, assignees, note, vendor_fields)
        ):
            raise IncidentValidationError(
                "update",
                "give at least one of title, description, status, severity, assignees, note, vendor_fields",
            )
        self.title = title
        self.description = description
        self.status = status
        self.severity = severity
        self.assignees = assignees
        self.note = note
        self.vendor_fields = vendor_fields
        self.allow_reopen = allow_reopen
        self.public = public
        self.notify_subscribers = notify_subscribers

    def build_update(self) -> IncidentUpdate:
        """The normalized update from the rendered arguments."""
        return rendered_update(
            title=self.title,
            description=self.description,
            status=self.status,
            severity=self.severity,
            assignees=self.assignees,
            note=self.note,
            vendor_fields=self.vendor_fields,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        update = self.build_update()
        hook = self.get_hook()
        options = self.write_options(
            context,
            allow_reopen=self.allow_reopen,
            public=self.public,
            notify_subscribers=self.notify_subscribers,
        )
        result = hook.update_incident(self.ref, update, options)
        return self.finish(result)
