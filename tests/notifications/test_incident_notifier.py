"""IncidentNotifier: default notes, parse-time validation, status-page refusal, idempotency, and
real callbacks (a failing task under ``dag.test()``, a deadline alert's ``async_notify``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentNotFoundError, IncidentValidationError
from airflow_incident_provider.notifications import IncidentNotifier
from airflow_incident_provider.notifications.incident import CallbackOrigin
from tests.fixtures import PD_CONN_ID, Sandbox
from tests.fixtures_devhelm import DEVHELM_CONN_ID, DevHelmSandbox
from tests.test_dag_run import load_dag

LOG_URL = (
    "http://localhost:8080/dags/nightly_billing/runs/scheduled__2026-03-01/tasks/load_invoices?try_number=2"
)
DEADLINE_TIME = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)


def task_context(try_number: int = 2, map_index: int = -1, **extra: Any) -> Any:
    """A task callback's context: the notifier reads only these attributes of the task instance."""
    ti = SimpleNamespace(
        dag_id="nightly_billing",
        run_id="scheduled__2026-03-01",
        task_id="load_invoices",
        map_index=map_index,
        try_number=try_number,
        state="failed",
        log_url=LOG_URL,
    )
    return {"ti": ti, "exception": RuntimeError("warehouse unavailable"), **extra}


def deadline_context() -> Any:
    """A deadline alert's context: only ``dag_run`` and ``deadline``.

    ``dag_run`` is a stand-in with the three fields the notifier reads: a real ``DagRun`` needs a
    metadata DB row, and the triggerer does not get one anyway (it gets the run as a JSON dict, see
    ``test_deadline_note_from_the_json_run_the_triggerer_gets``).
    """
    dag_run = SimpleNamespace(
        dag_id="nightly_billing",
        run_id="scheduled__2026-03-01",
        logical_date=datetime(2026, 3, 1, tzinfo=UTC),
    )
    return {"dag_run": dag_run, "deadline": {"id": "0195f1c2-deadline", "deadline_time": DEADLINE_TIME}}


def test_the_provider_declares_the_notifier() -> None:
    from airflow.providers_manager import ProvidersManager

    from airflow_incident_provider.get_provider_info import get_provider_info

    path = "airflow_incident_provider.notifications.incident.IncidentNotifier"
    assert get_provider_info()["notifications"] == [path]
    # Airflow stores the class paths themselves, though it annotates them as NotificationInfo.
    discovered: list[object] = list(ProvidersManager().notification)  # type: ignore[no-untyped-call]
    assert path in discovered


# --- unit: default notes ------------------------------------------------------------------------


def test_default_note_names_dag_task_run_try_and_log() -> None:
    note = CallbackOrigin(task_context()).default_note()
    assert note.splitlines()[0] == (
        "Airflow task failed: DAG nightly_billing, task load_invoices, run scheduled__2026-03-01, try 2."
    )
    assert "Error: RuntimeError." in note
    assert "warehouse unavailable" not in note  # exception text may carry data: only its type is sent
    assert note.endswith(f"Log: {LOG_URL}")


def test_default_note_of_a_mapped_task_names_its_map_index() -> None:
    note = CallbackOrigin(task_context(map_index=3)).default_note()
    assert "task load_invoices (map index 3)" in note


def test_default_note_of_a_deadline_alert() -> None:
    origin = CallbackOrigin(deadline_context())
    assert origin.task_id is None
    assert origin.try_number is None
    assert origin.log_url is None
    assert origin.default_note() == (
        "Airflow DAG run missed its deadline: DAG nightly_billing, run scheduled__2026-03-01.\n"
        "Logical date: 2026-03-01T00:00:00+00:00.\n"
        "Deadline: 2026-03-01T06:30:00+00:00."
    )
    assert origin.idempotency_key("note") is not None


def test_deadline_note_from_the_json_run_the_triggerer_gets() -> None:
    context = {
        "dag_run": {"dag_run_id": "manual__1", "dag_id": "nightly_billing", "logical_date": None},
        "deadline": {"id": "d-1", "deadline_time": "2026-03-01T06:30:00Z"},
    }
    note = CallbackOrigin(context).default_note()
    assert note.startswith("Airflow DAG run missed its deadline: DAG nightly_billing, run manual__1.")
    assert "Deadline: 2026-03-01T06:30:00Z." in note


def test_default_note_of_a_dag_callback_with_the_minimal_context() -> None:
    context = {
        "dag": SimpleNamespace(dag_id="nightly_billing"),
        "run_id": "manual__1",
        "reason": "task_failure",
    }
    note = CallbackOrigin(context).default_note()
    assert note == "Airflow DAG run failed: DAG nightly_billing, run manual__1.\nReason: task_failure."


def test_each_try_and_each_action_gets_its_own_key() -> None:
    first, second = CallbackOrigin(task_context(try_number=1)), CallbackOrigin(task_context(try_number=2))
    assert first.idempotency_key("note") == CallbackOrigin(task_context(try_number=1)).idempotency_key("note")
    assert first.idempotency_key("note") != second.idempotency_key("note")
    assert first.idempotency_key("note") != first.idempotency_key("escalate")


# --- unit: parse-time validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "match"),
    [
        ({"action": "page"}, "action", "not one of note, escalate, update, resolve"),
        ({"action": "update", "status": "resovled"}, "status", "Did you mean 'resolved'"),
        ({"action": "update"}, "update", "at least one of status, severity, note"),
        ({"action": "note", "resolution": "fixed"}, "resolution", "does not use resolution"),
        ({"action": "resolve", "status": "resolved"}, "status", "does not use status"),
        ({"note": "  "}, "note", "non-empty"),
        ({"conn_id": ""}, "conn_id", "connection"),
    ],
)
def test_bad_arguments_fail_at_parse_time(kwargs: dict[str, Any], field: str, match: str) -> None:
    arguments: dict[str, Any] = {"conn_id": PD_CONN_ID, "incident_id": "Q1", **kwargs}
    with pytest.raises(IncidentValidationError, match=match) as caught:
        IncidentNotifier(**arguments)
    assert caught.value.field == field


def test_templated_status_is_checked_once_rendered() -> None:
    notifier = IncidentNotifier(
        conn_id=PD_CONN_ID, incident_id="Q1", action="update", status="{{ params.status }}"
    )
    assert notifier.template_fields == ("conn_id", "incident_id", "note", "status", "severity", "resolution")
    notifier.render_template_fields({"params": {"status": "resovled"}})
    assert notifier.status == "resovled"
    with pytest.raises(IncidentValidationError, match="Did you mean 'resolved'"):
        notifier.notify(task_context())


# --- against the sandbox ----------------------------------------------------------------------------


@pytest.mark.parametrize("public", [True, False])
def test_status_page_refuses_the_internal_failure_note(devhelm: DevHelmSandbox, public: bool) -> None:
    incident_id = devhelm.create()
    devhelm.clear_requests()
    notifier = IncidentNotifier(conn_id=DEVHELM_CONN_ID, incident_id=incident_id, public=public)
    with pytest.raises(IncidentValidationError, match=r"note=\.\.\. together with public=True") as caught:
        notifier.notify(task_context())
    assert caught.value.field == "note"
    assert caught.value.vendor == "devhelm"
    assert devhelm.requests() == []


def test_status_page_takes_an_explicit_public_note(devhelm: DevHelmSandbox) -> None:
    incident_id = devhelm.create()
    message = "Invoices are delayed; we are working on it."
    IncidentNotifier(conn_id=DEVHELM_CONN_ID, incident_id=incident_id, note=message, public=True).notify(
        task_context()
    )
    assert any(message in update["body"] for update in devhelm.timeline(incident_id))


def test_a_callback_run_twice_posts_one_note(pd: Sandbox) -> None:
    incident_id = pd.create()
    notifier = IncidentNotifier(conn_id="{{ params.conn_id }}", incident_id="{{ params.incident_id }}")
    context = task_context(params={"conn_id": PD_CONN_ID, "incident_id": incident_id})
    notifier(context)
    notifier(context)
    notes = pd.notes(incident_id)
    assert len(notes) == 1
    assert "task load_invoices" in notes[0]
    assert "try 2" in notes[0]


def test_update_and_resolve(pd: Sandbox) -> None:
    incident_id = pd.create(urgency="low")
    IncidentNotifier(
        conn_id=PD_CONN_ID, incident_id=incident_id, action="escalate", severity="high", note="Paging up."
    ).notify(task_context())
    assert pd.incident(incident_id)["urgency"] == "high"
    assert any("Paging up." in note for note in pd.notes(incident_id))
    IncidentNotifier(
        conn_id=PD_CONN_ID, incident_id=incident_id, action="resolve", resolution="Backfill completed."
    ).notify(task_context())
    assert pd.incident(incident_id)["status"] == "resolved"


def test_escalate_without_a_severity_is_one_step_up(pd: Sandbox) -> None:
    incident_id = pd.create(urgency="low")
    notifier = IncidentNotifier(conn_id=PD_CONN_ID, incident_id=incident_id, action="escalate")
    notifier.notify(task_context())
    assert pd.incident(incident_id)["urgency"] == "high"
    assert pd.incident(incident_id)["priority"] is None, "one step, not two"


def test_a_vendor_error_is_logged_and_raised(pd: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    notifier = IncidentNotifier(conn_id=PD_CONN_ID, incident_id="QNOSUCHINCIDENT")
    with pytest.raises(IncidentNotFoundError) as caught:
        notifier.notify(task_context())
    logged = capsys.readouterr().out  # the SDK's structured logger writes to the console
    assert "pagerduty notifier could not note incident QNOSUCHINCIDENT" in logged
    assert str(caught.value) in logged


def test_an_empty_rendered_conn_id_names_the_field(pd: Sandbox) -> None:
    # A deadline alert's context has no params: a bare unknown name renders empty.
    notifier = IncidentNotifier(conn_id="{{ conn_from_params }}", incident_id="Q1")
    with pytest.raises(IncidentValidationError, match="deadline alert") as caught:
        notifier(deadline_context())
    assert caught.value.field == "conn_id"
    assert pd.requests() == []


def test_async_notify_from_a_deadline_alert(pd: Sandbox) -> None:
    incident_id = pd.create()
    # What the triggerer really gets: the run as DAGRunResponse JSON, the deadline as id and time.
    json_context: Any = {
        "dag_run": {
            "dag_run_id": "scheduled__2026-03-01",
            "dag_id": "nightly_billing",
            "logical_date": "2026-03-01T00:00:00Z",
            "conf": {"incident_id": incident_id},
        },
        "deadline": {"id": "0195f1c2-deadline", "deadline_time": "2026-03-01T06:30:00Z"},
    }

    async def as_the_triggerer_does() -> None:
        # CallbackTrigger runs ``await callback(**kwargs, context=context)``: awaiting the notifier
        # renders its templates with that context, then runs async_notify.
        await IncidentNotifier(
            conn_id=PD_CONN_ID, incident_id="{{ dag_run.conf.incident_id }}", context=json_context
        )

    asyncio.run(as_the_triggerer_does())
    notes = pd.notes(incident_id)
    assert len(notes) == 1
    assert "missed its deadline: DAG nightly_billing, run scheduled__2026-03-01." in notes[0]
    assert "Deadline: 2026-03-01T06:30:00Z." in notes[0]

    # The same alert again (the stand-in run carries the same dag, run and deadline): no second note.
    notifier = IncidentNotifier(conn_id=PD_CONN_ID, incident_id=incident_id)
    asyncio.run(notifier.async_notify(deadline_context()))
    assert pd.notes(incident_id) == notes


# --- through a real failing task --------------------------------------------------------------------


@pytest.mark.usefixtures("metadata_db")
def test_failure_callback_of_a_real_task_notes_the_incident(pd: Sandbox) -> None:
    from airflow.utils.state import DagRunState

    incident_id = pd.create(title="Checkout cache stale")
    dag = load_dag("incident_notifier_on_failure")
    run = dag.test(run_conf={"conn_id": PD_CONN_ID, "incident_id": incident_id})
    assert run.state == DagRunState.FAILED
    notes = pd.notes(incident_id)
    assert len(notes) == 1
    assert notes[0].startswith(
        f"Airflow task failed: DAG incident_notifier_on_failure, task refresh_checkout_cache, "
        f"run {run.run_id}, try 1."
    )
    assert "Error: RuntimeError." in notes[0]
    assert "Log: " in notes[0]
