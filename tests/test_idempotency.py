"""Idempotency keys and markers: stable per task instance, distinct across tasks, matched whole."""

from __future__ import annotations

from types import SimpleNamespace

from airflow_incident_provider.idempotency import (
    idempotency_key,
    is_marked,
    key_from_context,
    mark,
    mark_hidden,
)


def test_keys_are_stable_per_task_instance_and_differ_across_tasks() -> None:
    key = idempotency_key("dag", "run", "task", 2, "note")
    assert key == idempotency_key("dag", "run", "task", 2, "note")
    assert len(key) == 16
    others = {
        idempotency_key("dag", "run", "other", 2, "note"),
        idempotency_key("dag", "run", "task", 3, "note"),
        idempotency_key("dag", "run2", "task", 2, "note"),
        idempotency_key("dag", "run", "task", 2, "create"),
    }
    assert key not in others
    context = {"ti": SimpleNamespace(dag_id="dag", run_id="run", task_id="task", map_index=2)}
    assert key_from_context(context, "note") == key
    assert key_from_context({}, "note") is None


def test_markers_are_found_in_both_forms_and_only_whole() -> None:
    assert is_marked(mark("Restarted", "alert-10"), "alert-10")
    assert is_marked(mark_hidden("Restarted", "alert-10"), "alert-10")
    assert not is_marked(mark("Restarted", "alert-10"), "alert-1")
    assert not is_marked(mark_hidden("Restarted", "alert-10"), "alert-1")
    assert not is_marked("Restarted", "alert-1")
