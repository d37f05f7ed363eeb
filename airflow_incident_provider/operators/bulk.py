"""BulkUpdateIncidentsOperator: one change to many incidents in one task, bounded and rate limited."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

from airflow_incident_provider.arguments import (
    as_tuple,
    check_status_word,
    is_template,
    rendered_update,
    resolve_ref,
)
from airflow_incident_provider.exceptions import IncidentError, IncidentValidationError
from airflow_incident_provider.idempotency import key_from_context
from airflow_incident_provider.models import IncidentUpdate, OperationResult, Phase, WriteOptions
from airflow_incident_provider.operators.base import IncidentConnectionOperator
from airflow_incident_provider.pool import POOL_SIZE

if TYPE_CHECKING:
    from airflow.sdk import Context, XComArg

    from airflow_incident_provider.hooks.base import IncidentHook

BulkAction = Literal["resolve", "acknowledge"]
DEFAULT_CONCURRENCY = POOL_SIZE
"""The connection pool's size: more in flight would only queue for a socket."""
MAX_CONCURRENCY = 100
RESULTS_XCOM_KEY = "bulk_results"
"""Every incident's outcome is pushed under this key, also when the task fails."""
_PHASES = {"resolve": Phase.RESOLVED, "acknowledge": Phase.ACKNOWLEDGED}


class BulkUpdateIncidentsOperator(IncidentConnectionOperator):
    """Apply one update, or ``action="resolve"``/``"acknowledge"``, to many incidents in one task.

    Incidents are processed concurrently with the async hook, at most ``max_concurrency`` at a time,
    all through the credential's one client-side rate limiter, so a thousand incidents never trip the
    vendor's limit. Where the vendor has a native bulk endpoint for the action (PagerDuty's
    ``PUT /incidents``, 250 per call) it is used, falling back to one request per incident when the
    bulk call is refused, so one bad id never hides the others. Every incident is tried; the outcome
    of each (changed,
    status, or the vendor's error) is returned and pushed under ``bulk_results``, and the task fails
    after all were tried if any failed.

    :param incident_ids: ids, refs or upstream incident dicts (e.g. a ``ListIncidentsOperator`` output).
    :param action: ``"resolve"`` or ``"acknowledge"``, instead of update fields.
    :param max_concurrency: incidents in flight at once (1 to 100).
    """

    template_fields: Sequence[str] = (
        *IncidentConnectionOperator.template_fields,
        "incident_ids",
        "title",
        "description",
        "status",
        "severity",
        "assignees",
        "note",
        "vendor_fields",
        "resolution",
    )

    def __init__(
        self,
        *,
        conn_id: str,
        incident_ids: Sequence[Any] | str | XComArg,
        action: BulkAction | None = None,
        title: str | None = None,
        description: str | None = None,
        status: str | None = None,
        severity: str | None = None,
        assignees: Sequence[str] | str | None = None,
        note: str | None = None,
        vendor_fields: dict[str, Any] | str | None = None,
        resolution: str | None = None,
        allow_reopen: bool = False,
        public: bool = False,
        notify_subscribers: bool = False,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        if action is not None and action not in get_args(BulkAction):
            raise IncidentValidationError("action", f"{action!r} is not one of resolve, acknowledge")
        fields = {
            "title": title,
            "description": description,
            "status": status,
            "severity": severity,
            "assignees": assignees,
            "vendor_fields": vendor_fields,
        }
        given = [name for name, value in fields.items() if value is not None]
        if action is not None and given:
            raise IncidentValidationError(given[0], f"action={action!r} takes only note (and resolution)")
        if action is None and not given and note is None:
            raise IncidentValidationError("update", "give an action or at least one field to update")
        if resolution is not None and action != "resolve":
            raise IncidentValidationError("resolution", "is used only with action='resolve'")
        if (
            not isinstance(max_concurrency, int)
            or isinstance(max_concurrency, bool)
            or not (1 <= max_concurrency <= MAX_CONCURRENCY)
        ):
            raise IncidentValidationError(
                "max_concurrency", f"must be a whole number from 1 to {MAX_CONCURRENCY}"
            )
        check_status_word(status, "status")
        self.incident_ids = incident_ids
        self.action = action
        self.title, self.description, self.status, self.severity = title, description, status, severity
        self.assignees, self.note, self.vendor_fields, self.resolution = (
            assignees,
            note,
            vendor_fields,
            resolution,
        )
        self.allow_reopen, self.public, self.notify_subscribers = allow_reopen, public, notify_subscribers
        self.max_concurrency = max_concurrency

    def refs(self) -> list[str]:
        """The rendered incident ids as refs (an empty list is allowed: nothing to do)."""
        if not isinstance(self.incident_ids, str | Sequence):
            raise IncidentValidationError(
                "incident_ids", "must render to a list of incident ids, refs or dicts"
            )
        if isinstance(self.incident_ids, str):
            if is_template(self.incident_ids):
                raise IncidentValidationError("incident_ids", "did not render to a list")
            return [
                resolve_ref(part, "incident_ids")
                for part in as_tuple(self.incident_ids, "incident_ids") or ()
            ]
        return [resolve_ref(item, "incident_ids") for item in self.incident_ids]

    def build_update(self) -> IncidentUpdate:
        """The normalized update from the rendered arguments (the same checks as UpdateIncidentOperator)."""
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
        refs = list(dict.fromkeys(self.refs()))  # the same incident twice would race itself
        update = self.build_update() if self.action is None else None
        hook = self.get_hook()
        outcomes = asyncio.run(self._apply_all(hook, refs, update, context))
        summary = {
            "results": outcomes,
            "succeeded": sum(1 for item in outcomes if item["ok"]),
            "failed": sum(1 for item in outcomes if not item["ok"]),
            "changed": sum(1 for item in outcomes if item.get("changed")),
        }
        self.log.info(
            "%d incident(s): %d succeeded (%d changed), %d failed",
            len(refs),
            summary["succeeded"],
            summary["changed"],
            summary["failed"],
        )
        ti = context.get("ti")
        if ti is not None:
            ti.xcom_push(key=RESULTS_XCOM_KEY, value=summary)
        if summary["failed"]:
            failures = [f"{item['ref']}: {item['error']}" for item in outcomes if not item["ok"]][:5]
            raise IncidentError(
                f"{summary['failed']} of {len(refs)} incidents failed: " + "; ".join(failures)
            )
        return summary

    def _options(self, context: Context, ref: str) -> WriteOptions:
        return WriteOptions(
            public=self.public,
            notify_subscribers=self.notify_subscribers,
            allow_reopen=self.allow_reopen,
            idempotency_key=key_from_context(context, f"note:{ref}"),
            include_raw=self.include_raw,
        )

    async def _apply_all(
        self, hook: IncidentHook, refs: list[str], update: IncidentUpdate | None, context: Context
    ) -> list[dict[str, Any]]:
        """Every incident's outcome, in input order; native bulk where the vendor and action allow it."""
        if self.action is not None and self.note is None and hook.supports_bulk_transition and refs:
            status = hook.vendor.PHASE_STATUSES[_PHASES[self.action]]
            try:
                results = await hook.abulk_transition(
                    refs, status, self.resolution, self._options(context, "")
                )
            except IncidentError as exc:  # one bad incident fails the whole call: try each on its own
                self.log.warning("Bulk %s failed (%s); applying it incident by incident", self.action, exc)
            else:
                return [_success(ref, result) for ref, result in zip(refs, results, strict=True)]
        slots = asyncio.Semaphore(self.max_concurrency)

        async def one(ref: str) -> dict[str, Any]:
            async with slots:
                options = self._options(context, ref)
                try:
                    if update is not None:
                        result = await hook.aupdate_incident(ref, update, options)
                    elif self.action == "resolve":
                        result = await hook.aresolve_incident(ref, self.resolution, self.note, options)
                    else:
                        result = await hook.aacknowledge_incident(ref, self.note, options)
                except IncidentError as exc:
                    return _failure(ref, exc)
                return _success(ref, result)

        return list(await asyncio.gather(*(one(ref) for ref in refs)))


def _success(ref: str, result: OperationResult) -> dict[str, Any]:
    return {
        "ref": ref,
        "ok": True,
        "changed": result.changed,
        "status": result.incident.status,
        "phase": result.incident.phase.value,
    }


def _failure(ref: str, exc: IncidentError) -> dict[str, Any]:
    return {"ref": ref, "ok": False, "error_type": type(exc).__name__, "error": str(exc)}
