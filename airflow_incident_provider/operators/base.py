"""What every incident operator shares: the connection, the incident reference, results and links.

Operators stay vendor-agnostic: the hook comes from the connection's ``conn_type``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, XComArg

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.idempotency import key_from_context
from airflow_incident_provider.links import IncidentLink
from airflow_incident_provider.models import WriteOptions
from airflow_incident_provider.vendors import known_status_words

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_incident_provider.hooks.base import IncidentHook
    from airflow_incident_provider.models import OperationResult

IncidentRef = str | Mapping[str, Any] | XComArg
"""An incident id, an ``Incident.ref``, or the incident dict (or XComArg) of an upstream operator."""


def is_template(value: object) -> bool:
    """Whether a value still holds Jinja (it can only be checked once rendered)."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def check_status_word(value: object, field_name: str) -> None:
    """Reject, at DAG parse time, a status that no vendor knows and no phase names ("resovled")."""
    if value is None or is_template(value):
        return
    if not isinstance(value, str):
        raise IncidentValidationError(field_name, f"must be a status word, got {type(value).__name__}")
    words = known_status_words()
    if value.strip().lower() in words:
        return
    close = difflib.get_close_matches(value.strip().lower(), sorted(words), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise IncidentValidationError(
        field_name,
        f"{value!r} is no vendor's status and no phase; "
        f"phases are open, acknowledged, mitigated, resolved.{hint}",
    )


def resolve_ref(value: object, field_name: str = "incident_id") -> str:
    """The vendor reference from an id, a ref string or an incident dict (its ``ref``)."""
    if isinstance(value, Mapping):
        value = value.get("ref") or value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise IncidentValidationError(
            field_name, "must be an incident id, a ref, or an incident dict with 'ref'"
        )
    return value.strip()


def as_tuple(value: object, field_name: str) -> tuple[str, ...] | None:
    """A list argument that may arrive as a list or, from a template, as a comma-separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise IncidentValidationError(field_name, "must be a list of strings or a comma-separated string")


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
