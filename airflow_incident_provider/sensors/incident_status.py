"""IncidentStatusSensor: wait until an incident reaches a status (or leaves one), in any sensor mode."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue, conf
from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

from airflow_incident_provider.arguments import (
    IncidentRef,
    as_tuple,
    check_status_word,
    has_template,
    resolve_ref,
)
from airflow_incident_provider.conditions import Outcome, StatusCondition, VendorCondition
from airflow_incident_provider.exceptions import IncidentError, RateLimitedError, VendorError
from airflow_incident_provider.links import IncidentLink

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_incident_provider.hooks.base import IncidentHook
    from airflow_incident_provider.models import Incident

DEFERRAL_GRACE_SECONDS = 60.0
"""The triggerer's own deferral timeout trails the trigger's deadline by this much: a backstop only."""


class IncidentStatusSensor(BaseSensorOperator):
    """Wait until an incident is in one of ``target_statuses``, or no longer in ``changed_from``.

    Status words are the vendor's own or phases (open, acknowledged, mitigated, resolved), any case; a
    phase matches every status in it. A word no vendor knows fails when the DAG is parsed; a word the
    connection's vendor does not have fails before the first request.

    :param conn_id: an incident connection (its type picks the vendor).
    :param incident_id: the incident's id or ``ref``, or an upstream incident dict (templated).
    :param target_statuses: statuses or phases to wait for (default ``("resolved",)``; any status when
        only ``changed_from`` is given).
    :param failure_statuses: statuses or phases that fail the task at once (checked first).
    :param changed_from: wait until the incident is no longer in this status (or these statuses).
    :param deferrable: poke once, then wait in the triggerer instead of a worker slot (default:
        ``[operators] default_deferrable``).
    :param poke_interval: seconds between checks (stretched by the vendor's rate limit, never shortened).
    :param timeout: seconds before giving up (``soft_fail=True`` skips instead of failing), in every mode.

    Returns (XCom) the normalized incident at the moment the condition held.
    """

    template_fields: Sequence[str] = (
        "conn_id",
        "incident_id",
        "target_statuses",
        "failure_statuses",
        "changed_from",
    )
    operator_extra_links = (IncidentLink(),)
    ui_color = "#f4d6d6"

    def __init__(
        self,
        *,
        conn_id: str,
        incident_id: IncidentRef,
        target_statuses: Sequence[str] | str | None = None,
        failure_statuses: Sequence[str] | str = (),
        changed_from: Sequence[str] | str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: timedelta | float = 60,
        timeout: timedelta | float = timedelta(days=7),
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.conn_id = conn_id
        self.incident_id = incident_id
        self.target_statuses = target_statuses
        self.failure_statuses = failure_statuses
        self.changed_from = changed_from
        self.deferrable = deferrable
        self.incident_url: str | None = None
        for name in ("target_statuses", "failure_statuses", "changed_from"):
            for word in as_tuple(getattr(self, name), name) or ():
                check_status_word(word, name)
        if not any(has_template(getattr(self, name)) for name in ("target_statuses", "failure_statuses")):
            self.condition()

    def condition(self) -> StatusCondition:
        """The (rendered) arguments as a vendor-independent condition; raises on contradictions."""
        return StatusCondition.of(
            as_tuple(self.target_statuses, "target_statuses"),
            as_tuple(self.failure_statuses, "failure_statuses") or (),
            as_tuple(self.changed_from, "changed_from") or (),
        )

    @property
    def ref(self) -> str:
        return resolve_ref(self.incident_id)

    def get_hook(self) -> IncidentHook:
        from airflow_incident_provider.hooks import get_incident_hook

        return get_incident_hook(self.conn_id)

    def _vendor_condition(self) -> VendorCondition:
        cached: VendorCondition | None = getattr(self, "_checked_condition", None)
        if cached is None:
            cached = self.condition().for_vendor(self.get_hook().vendor)
            self._checked_condition = cached
        return cached

    # --- poke and reschedule mode -------------------------------------------------------------------

    def poke(self, context: Context) -> bool | PokeReturnValue:
        condition = self._vendor_condition()
        try:
            incident = self.get_hook().get_incident(self.ref)
        except RateLimitedError as exc:
            self.log.warning("Rate limited reading %s; waiting for the next poke: %s", self.ref, exc)
            return False
        except VendorError as exc:
            if not exc.retryable:
                raise
            self.log.warning("Reading %s failed; waiting for the next poke: %s", self.ref, exc)
            return False
        return self._judge(incident, condition)

    def _judge(self, incident: Incident, condition: VendorCondition) -> bool | PokeReturnValue:
        self.incident_url = incident.url
        outcome = condition.evaluate(incident)
        if outcome is Outcome.FAILED:
            raise AirflowFailException(
                f"incident {incident.ref} is {incident.status}, one of the failure statuses "
                f"({', '.join(condition.source.failures)})"
            )
        if outcome is Outcome.MET:
            self.log.info("Incident %s is %s: %s", incident.ref, incident.status, condition.source.describe())
            return PokeReturnValue(is_done=True, xcom_value=incident.to_json())
        self.log.info(
            "Incident %s is %s; waiting for %s", incident.ref, incident.status, condition.source.describe()
        )
        return False

    # --- deferrable mode ----------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        self._vendor_condition()  # bad words fail here, before the first request
        done = self.poke(context)
        if isinstance(done, PokeReturnValue):
            return done.xcom_value
        from airflow_incident_provider.triggers.incident_status import IncidentStatusTrigger

        condition = self.condition()
        self.defer(
            trigger=IncidentStatusTrigger(
                conn_id=self.conn_id,
                incident_ref=self.ref,
                target_statuses=condition.targets,
                failure_statuses=condition.failures,
                changed_from=condition.changed_from,
                poll_interval=self.poke_interval,
                deadline=time.time() + self.timeout,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout + DEFERRAL_GRACE_SECONDS),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Back from the triggerer: the incident, or the failure, timeout or error it reported."""
        status = event.get("status")
        incident = event.get("incident") or {}
        self.incident_url = incident.get("url")
        message = str(event.get("message") or status)
        if status == "success":
            self.log.info("%s", message)
            return incident
        if status == "timeout":
            raise AirflowSensorTimeout(f"Sensor has timed out: {message} (timeout {self.timeout:.0f} s)")
        if status == "failure":
            raise AirflowFailException(message)
        raise IncidentError(message)  # a missing incident, refused credentials: as in poke mode
