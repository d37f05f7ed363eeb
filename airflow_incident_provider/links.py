"""The extra link on every incident operator: opens the incident in the vendor's own UI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey


class IncidentLink(BaseOperatorLink):
    """Link to the incident an operator worked on, as the vendor reported its URL."""

    name = "Incident"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        # Called by the worker when the task finishes; the value is stored under ``xcom_key``.
        return str(getattr(operator, "incident_url", None) or "")
