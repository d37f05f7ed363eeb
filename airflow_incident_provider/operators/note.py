"""AddIncidentNoteOperator: annotate an incident, at most once per task instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_incident_provider.arguments import IncidentRef, is_template
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.operators.base import BaseIncidentOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class AddIncidentNoteOperator(BaseIncidentOperator):
    """Add a note: a PagerDuty note, a Rootly timeline event, a status-page update, a Pinghome
    description addition (each vendor's page says how).

    The note carries an idempotency marker derived from dag, run, task and map index, looked for before
    posting, so a retry after a lost response never posts twice while two different tasks posting the
    same text both land.

    :param note: the text (templated).
    :param public: required on status pages (DevHelm, UptimeIO, Statuspage), where a note is a
        message to customers; on Rootly it makes the event external instead of internal.
    :param notify_subscribers: status pages: also notify the page's subscribers.
    """

    template_fields: Sequence[str] = (*BaseIncidentOperator.template_fields, "note")
    template_fields_renderers = {"note": "md"}

    def __init__(
        self,
        *,
        conn_id: str,
        incident_id: IncidentRef,
        note: str,
        public: bool = False,
        notify_subscribers: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, **kwargs)
        if not isinstance(note, str) or (not note.strip() and not is_template(note)):
            raise IncidentValidationError("note", "must be non-empty text")
        self.note = note
        self.public = public
        self.notify_subscribers = notify_subscribers

    def execute(self, context: Context) -> dict[str, Any]:
        hook = self.get_hook()
        options = self.write_options(context, public=self.public, notify_subscribers=self.notify_subscribers)
        return self.finish(hook.add_note(self.ref, self.note, options))
