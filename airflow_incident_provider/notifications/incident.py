"""IncidentNotifier: change an incident from a task or DAG callback, or from a deadline alert.

The notifier is vendor-agnostic like the operators: the connection's type picks the hook. ``notify``
uses the sync hook (task and DAG callbacks, executor deadline callbacks); ``async_notify`` uses the
async hook (deadline alerts run in the triggerer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from airflow.sdk import BaseNotifier

from airflow_incident_provider.arguments import check_status_word, is_template, resolve_ref
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.idempotency import idempotency_key
from airflow_incident_provider.models import Escalation, IncidentUpdate, WriteOptions

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_incident_provider.hooks.base import IncidentHook
    from airflow_incident_provider.models import OperationResult

NotifierAction = Literal["note", "escalate", "update", "resolve"]
ACTIONS: tuple[str, ...] = get_args(NotifierAction)

_FIELDS_BY_ACTION: Mapping[str, frozenset[str]] = {
    "note": frozenset({"note"}),
    "escalate": frozenset({"severity", "note"}),
    "update": frozenset({"status", "severity", "note"}),
    "resolve": frozenset({"resolution", "note"}),
}
"""Which optional arguments each action uses; any other one given is an error, never ignored."""

_STATE_WORDS = {
    "failed": "failed",
    "up_for_retry": "failed (it will be retried)",
    "success": "succeeded",
    "skipped": "was skipped",
}


def _read(source: object, *names: str) -> Any:
    """The first of ``names`` found on ``source``, as a key (JSON dicts) or an attribute (objects)."""
    if source is None:
        return None
    for name in names:
        value = source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)
        if value is not None:
            return value
    return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value).strip()
    return text or None


class CallbackOrigin:
    """What a callback context says about where it comes from; every part may be missing.

    Task callbacks carry a task instance (``ti``); DAG callbacks carry ``dag`` and ``run_id`` (and a
    task instance when the server knows the last one); deadline alerts carry only ``dag_run`` (a JSON
    dict in the triggerer) and ``deadline``.
    """

    def __init__(self, context: Mapping[str, Any]) -> None:
        ti = context.get("ti") or context.get("task_instance")
        dag_run = context.get("dag_run")
        self.dag_id = _text(
            _read(ti, "dag_id") or _read(dag_run, "dag_id") or _read(context.get("dag"), "dag_id")
        )
        self.run_id = _text(
            _read(ti, "run_id") or _read(dag_run, "run_id", "dag_run_id") or context.get("run_id")
        )
        self.logical_date = _text(_read(dag_run, "logical_date") or context.get("logical_date"))
        self.task_id = _text(_read(ti, "task_id"))
        map_index = _read(ti, "map_index")
        self.map_index = int(map_index) if isinstance(map_index, int) else -1
        try_number = _read(ti, "try_number")
        self.try_number = int(try_number) if isinstance(try_number, int) and try_number > 0 else None
        self.state = _text(_read(ti, "state"))
        self.log_url = _text(_read(ti, "log_url")) if ti is not None else None
        deadline = context.get("deadline")
        self.is_deadline = deadline is not None
        self.deadline_id = _text(_read(deadline, "id"))
        self.deadline_time = _text(_read(deadline, "deadline_time", "deadline"))
        exception = context.get("exception")
        self.exception_type = type(exception).__name__ if isinstance(exception, BaseException) else None
        self.reason = _text(context.get("reason"))

    def idempotency_key(self, action: str) -> str | None:
        """The key of this notification: the same callback context always gives the same key.

        Besides dag, run, task (``"dag"`` without one) and map index, the purpose names the action,
        the try and the deadline, so a retry callback and the final failure callback of the same task
        instance (or a DAG callback and a deadline alert of the same run) each post their own note.
        """
        if self.dag_id is None or self.run_id is None:
            return None
        purpose = f"notifier:{action}"
        if self.try_number is not None:
            purpose += f":try{self.try_number}"
        if self.is_deadline:
            purpose += f":deadline:{self.deadline_id or self.deadline_time or ''}"
        return idempotency_key(self.dag_id, self.run_id, self.task_id or "dag", self.map_index, purpose)

    def default_note(self) -> str:
        """A note for responders: what failed (or missed its deadline), where, and the log link."""
        dag = self.dag_id or "unknown"
        run = self.run_id or "unknown"
        if self.is_deadline:
            lines = [f"Airflow DAG run missed its deadline: DAG {dag}, run {run}."]
            if self.logical_date:
                lines.append(f"Logical date: {self.logical_date}.")
            lines.append(f"Deadline: {self.deadline_time or 'unknown'}.")
            return "\n".join(lines)
        if self.task_id is None:
            lines = [f"Airflow DAG run {self._event()}: DAG {dag}, run {run}."]
        else:
            task = self.task_id if self.map_index < 0 else f"{self.task_id} (map index {self.map_index})"
            try_part = f", try {self.try_number}" if self.try_number is not None else ""
            lines = [f"Airflow task {self._event()}: DAG {dag}, task {task}, run {run}{try_part}."]
        if self.exception_type:
            lines.append(f"Error: {self.exception_type}.")
        if self.reason:
            lines.append(f"Reason: {self.reason}.")
        if self.log_url:
            lines.append(f"Log: {self.log_url}")
        return "\n".join(lines)

    def _event(self) -> str:
        """What happened, from the task instance's state; a failure unless the state says otherwise."""
        if self.exception_type is None and self.state in _STATE_WORDS:
            return _STATE_WORDS[self.state]
        if self.exception_type is None and self.state is None and self.reason == "success":
            return _STATE_WORDS["success"]  # a DAG success callback with the minimal context
        return _STATE_WORDS["up_for_retry"] if self.state == "up_for_retry" else "failed"


class IncidentNotifier(BaseNotifier):
    """Change an incident when a task or DAG fails (or succeeds), or when a deadline is missed.

    Use it as ``on_failure_callback``/``on_success_callback`` of a task or DAG, or as a deadline
    alert callback (``AsyncCallback(IncidentNotifier, kwargs={...})``)::

        BashOperator(
            task_id="load",
            bash_command="...",
            on_failure_callback=IncidentNotifier(conn_id="pagerduty_incidents_default", incident_id="Q1ABC"),
        )

    Actions:

    - ``"note"`` (default): add ``note``, or when it is None a note saying which DAG, task, run and
      try failed, with a link to the task log (in a deadline alert: the DAG, the run and the
      deadline). The note carries an idempotency marker derived from the callback's dag, run, task,
      map index, try and deadline, so the same callback run again never posts twice.
    - ``"update"``: set ``status``, ``severity`` and/or add ``note``.
    - ``"resolve"``: resolve with ``resolution`` (and ``note``).
    - ``"escalate"``: escalate to ``severity``, or with none one step up the vendor's own scale,
      computed once into an absolute target (never lowers; at the top nothing changes).

    On status pages (DevHelm, UptimeIO, Statuspage) a note is a message to customers: the notifier never posts
    its internal failure note there; give a customer-facing ``note`` and ``public=True``.

    Errors are logged with the vendor's message and raised again, so Airflow records the failed
    callback. The notifier's arguments hold no secret: a deadline alert's callback trigger logs them
    when it fails.

    :param conn_id: a connection of one of the provider's types (templated).
    :param incident_id: the incident's id or ``ref`` (templated).
    :param action: ``"note"``, ``"update"``, ``"resolve"`` or ``"escalate"``.
    :param note: the note's text (templated); for ``"note"``, None means the default failure note.
    :param status: the vendor's status word or a phase, for ``"update"`` (templated).
    :param severity: the vendor's severity, for ``"update"`` and ``"escalate"`` (templated).
    :param public: allow a customer-facing message (status pages) / an external event (Rootly).
    :param notify_subscribers: status pages: also notify the page's subscribers.
    :param resolution: the resolution text, for ``"resolve"`` (templated).
    """

    template_fields: Sequence[str] = ("conn_id", "incident_id", "note", "status", "severity", "resolution")

    def __init__(
        self,
        conn_id: str,
        incident_id: str | Mapping[str, Any],
        action: NotifierAction = "note",
        note: str | None = None,
        status: str | None = None,
        severity: str | None = None,
        public: bool = False,
        notify_subscribers: bool = False,
        resolution: str | None = None,
        *,
        context: Context | None = None,
    ) -> None:
        super().__init__(context=context)
        if action not in ACTIONS:
            raise IncidentValidationError("action", f"{action!r} is not one of {', '.join(ACTIONS)}")
        if not isinstance(conn_id, str) or not conn_id.strip():
            raise IncidentValidationError("conn_id", "must name an incident connection")
        check_status_word(status, "status")
        given = {
            name
            for name, value in (
                ("note", note),
                ("status", status),
                ("severity", severity),
                ("resolution", resolution),
            )
            if value is not None
        }
        unused = sorted(given - _FIELDS_BY_ACTION[action])
        if unused:
            raise IncidentValidationError(
                unused[0],
                f"action {action!r} does not use {', '.join(unused)}; it takes "
                f"{', '.join(sorted(_FIELDS_BY_ACTION[action]))}",
            )
        if action == "update" and not given:
            raise IncidentValidationError("update", "give at least one of status, severity, note")
        if note is not None and (not isinstance(note, str) or (not note.strip() and not is_template(note))):
            raise IncidentValidationError("note", "must be non-empty text")
        self.conn_id = conn_id
        self.incident_id = incident_id
        self.action: NotifierAction = action
        self.note = note
        self.status = status
        self.severity = severity
        self.public = public
        self.notify_subscribers = notify_subscribers
        self.resolution = resolution

    # --- sending ------------------------------------------------------------------------------------

    def notify(self, context: Context) -> None:
        """Apply the action with the sync hook (task and DAG callbacks)."""
        from airflow_incident_provider.hooks import get_incident_hook

        hook: IncidentHook | None = None
        try:
            conn_id, ref = self._checked_arguments()
            hook = get_incident_hook(conn_id)
            result = self._send_sync(hook, ref, CallbackOrigin(_as_mapping(context)))
        except Exception as exc:
            self._log_failure(hook, exc)
            raise
        self._log_result(result)

    async def async_notify(self, context: Context) -> None:
        """Apply the action with the async hook (deadline alerts, in the triggerer)."""
        from airflow_incident_provider.hooks import aget_incident_hook

        hook: IncidentHook | None = None
        try:
            conn_id, ref = self._checked_arguments()
            hook = await aget_incident_hook(conn_id)
            origin = CallbackOrigin(_as_mapping(context))
            note, options = self._prepare(hook, origin)
            if self.action == "note":
                assert note is not None
                result = await hook.aadd_note(ref, note, options)
            elif self.action == "resolve":
                result = await hook.aresolve_incident(ref, self.resolution, note, options)
            elif self.action == "escalate":
                result = await hook.aescalate_incident(ref, self._escalation(note), options)
            else:
                result = await hook.aupdate_incident(ref, self._update(note), options)
        except Exception as exc:
            self._log_failure(hook, exc)
            raise
        self._log_result(result)

    def _send_sync(self, hook: IncidentHook, ref: str, origin: CallbackOrigin) -> OperationResult:
        note, options = self._prepare(hook, origin)
        if self.action == "note":
            assert note is not None
            return hook.add_note(ref, note, options)
        if self.action == "resolve":
            return hook.resolve_incident(ref, self.resolution, note, options)
        if self.action == "escalate":
            return hook.escalate_incident(ref, self._escalation(note), options)
        return hook.update_incident(ref, self._update(note), options)

    # --- shared pieces ------------------------------------------------------------------------------

    def _checked_arguments(self) -> tuple[str, str]:
        """The rendered connection id and incident ref, checked (with the status) before any I/O."""
        empty = "rendered to an empty value (in a deadline alert only dag_run and deadline reach templates)"
        if not isinstance(self.conn_id, str) or not self.conn_id.strip():
            raise IncidentValidationError("conn_id", empty)
        if isinstance(self.incident_id, str) and not self.incident_id.strip():
            raise IncidentValidationError("incident_id", empty)
        check_status_word(self.status, "status")
        return self.conn_id.strip(), resolve_ref(self.incident_id)

    def _prepare(self, hook: IncidentHook, origin: CallbackOrigin) -> tuple[str | None, WriteOptions]:
        """The note to post and the write options; refuses, before any request, what must not be sent."""
        note = self.note
        if self.action == "note" and note is None:
            if getattr(hook.vendor, "STATUS_PAGE", False):
                raise IncidentValidationError(
                    "note",
                    "the default note describes an internal Airflow failure (DAG, task, run, log link) "
                    "and a note on a status page is a public message to customers; pass a "
                    "customer-facing note=... together with public=True",
                    vendor=hook.vendor_name,
                )
            note = origin.default_note()
        options = WriteOptions(
            public=self.public,
            notify_subscribers=self.notify_subscribers,
            idempotency_key=origin.idempotency_key(self.action),
        )
        return note, options

    def _update(self, note: str | None) -> IncidentUpdate:
        return IncidentUpdate(status=self.status, severity=self.severity, note=note)

    def _escalation(self, note: str | None) -> Escalation:
        return Escalation(severity=self.severity, note=note)

    def _log_result(self, result: OperationResult) -> None:
        self.log.info(
            "%s incident %s: %s (action: %s, changed: %s)",
            result.incident.vendor,
            result.incident.ref,
            result.incident.status,
            self.action,
            result.changed,
        )

    def _log_failure(self, hook: IncidentHook | None, exc: Exception) -> None:
        vendor = hook.vendor_name if hook is not None else "incident"
        self.log.error(
            "%s notifier could not %s incident %s: %s: %s",
            vendor,
            self.action,
            self.incident_id,
            type(exc).__name__,
            exc,
        )


def _as_mapping(context: Context | Mapping[str, Any]) -> Mapping[str, Any]:
    """The callback context as a plain mapping (deadline alerts pass keys ``Context`` does not declare)."""
    return cast(Mapping[str, Any], context)
