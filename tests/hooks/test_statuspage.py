"""StatuspageIncidentHook against the sandbox over real HTTP on 127.0.0.1 (a lost answer injected by the
sandbox's fault rules, so every retry is seen in its request log)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    ConnectionConfigError,
    IncidentValidationError,
    RateLimitedError,
    UnsupportedOperationError,
    VendorValidationError,
)
from airflow_incident_provider.get_provider_info import get_provider_info
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.statuspage import StatuspageIncidentHook
from airflow_incident_provider.models import Escalation, IncidentCreate, IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.operators import UpdateIncidentOperator
from airflow_incident_provider.sandbox.statuspage import COMPONENTS, FORBIDDEN_PAGE_ID, OTHER_PAGE_ID, PAGE_ID
from tests.fixtures_statuspage import STATUSPAGE_CONN_ID, StatuspageSandbox
from tests.operators.test_bulk import context

PUBLIC = WriteOptions(public=True)
API = next(iter(COMPONENTS))


def hook() -> StatuspageIncidentHook:
    result = get_incident_hook(STATUSPAGE_CONN_ID)
    assert isinstance(result, StatuspageIncidentHook)
    return result


def keyed(key: str = "k-1", **options: Any) -> WriteOptions:
    return WriteOptions(public=True, idempotency_key=key, **options)


def sent(statuspage: StatuspageSandbox, method: str = "PATCH") -> list[dict[str, Any]]:
    """The bodies of the ``method`` requests the code under test sent."""
    return [record["body"] for record in statuspage.requests() if record["method"] == method]


def lose_next_answer(statuspage: StatuspageSandbox, method: str) -> None:
    fault = {"vendor": "statuspage", "method": method, "kind": "reset_after_body", "times": 1}
    statuspage.admin.post("/_sandbox/faults", json=fault).raise_for_status()


# ---------------------------------------------------------------- reading and the connection


def test_get_by_id_or_ref_with_the_oauth_key(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.with_status("identified")
    incident = hook().get_incident(incident_id)
    assert (incident.ref, incident.status, incident.phase) == (
        f"{PAGE_ID}/{incident_id}",
        "identified",
        Phase.ACKNOWLEDGED,
    )
    assert incident.severity == "critical", "the impact the components give"
    assert incident.url is not None
    assert incident.url.startswith("https://stspg.io/")
    assert hook().get_incident(incident.ref) == incident
    records = statuspage.requests()
    assert [r["path"] for r in records] == [f"/incidents/{incident_id}"] * 2
    assert statuspage.key not in json.dumps(records), "the sandbox took the OAuth key and never logs it"


def test_another_page_needs_its_ref_and_a_bare_id_without_page_fails_first(
    statuspage: StatuspageSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = next(i for i in statuspage.api.get(f"/pages/{OTHER_PAGE_ID}/incidents").json())["id"]
    assert hook().get_incident(f"{OTHER_PAGE_ID}/{other}").title == "Delayed batch exports"
    statuspage.use_connection(monkeypatch, page_id=None)
    statuspage.clear_requests()
    with pytest.raises(IncidentValidationError, match="'pageId/incidentId'"):
        hook().get_incident(other)
    assert statuspage.requests() == []


def test_connection_test_reads_the_page_and_names_a_forbidden_one(
    statuspage: StatuspageSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hook().test_connection() == (True, f"Connected to Statuspage at {statuspage.url}, page {PAGE_ID}")
    statuspage.use_connection(monkeypatch, page_id=FORBIDDEN_PAGE_ID)
    ok, message = hook().test_connection()
    assert not ok
    assert "You are not authorized to access this resource." in message
    statuspage.use_connection(monkeypatch, page_id="..")
    with pytest.raises(ConnectionConfigError, match="page_id"):
        hook().settings  # noqa: B018


def test_the_connection_form_and_its_defaults() -> None:
    info = get_provider_info()
    (entry,) = [c for c in info["connection-types"] if c["connection-type"] == "statuspage_incidents"]
    assert entry["hook-class-name"] == "airflow_incident_provider.hooks.statuspage.StatuspageIncidentHook"
    assert set(entry["conn-fields"]) >= {"page_id", "rate_limit_per_minute"}
    assert StatuspageIncidentHook.default_conn_name == "statuspage_incidents_default"


def test_rate_limit_defaults_to_one_request_a_second(
    statuspage: StatuspageSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuspage.use_connection(monkeypatch, rate_limit_per_minute=None)
    assert hook().rate_limit() == 60


def test_the_sandbox_420_is_read_as_a_rate_limit(
    statuspage: StatuspageSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = statuspage.with_status("identified")
    statuspage.use_connection(monkeypatch, total_timeout=1)
    statuspage.configure(rate_limit_per_minute=1)
    statuspage.clear_requests()
    with pytest.raises(RateLimitedError, match="Rate limit exceeded") as info:
        hook().get_incident(incident_id)
    assert info.value.retry_after is not None
    assert [r["status"] for r in statuspage.requests()] == [420]


# ---------------------------------------------------------------- writing


def test_every_customer_message_needs_public_and_nothing_is_sent_without_it(
    statuspage: StatuspageSandbox,
) -> None:
    incident_id = statuspage.with_status("investigating")
    calls: list[Callable[[], object]] = [
        lambda: hook().update_incident(incident_id, IncidentUpdate(title="Renamed", status="identified")),
        lambda: hook().add_note(incident_id, "Still on it"),
        lambda: hook().resolve_incident(incident_id),
        lambda: hook().escalate_incident(incident_id),
        lambda: hook().create_incident(IncidentCreate(title="New")),
    ]
    for call in calls:
        with pytest.raises(IncidentValidationError, match=r"invalid 'public'.*public=True"):
            call()
    assert statuspage.requests() == []
    renamed = hook().update_incident(incident_id, IncidentUpdate(title="Renamed", severity="minor"))
    assert (renamed.changed, renamed.incident.title) == (True, "Renamed"), "no message: no public needed"


def test_a_status_change_carries_the_note_as_its_body_without_notifying(
    statuspage: StatuspageSandbox,
) -> None:
    incident_id = statuspage.create()
    result = hook().update_incident(
        incident_id, IncidentUpdate(status="acknowledged", note="Found it."), keyed()
    )
    assert (result.changed, result.incident.status) == (True, "identified")
    (body,) = sent(statuspage)
    assert body["incident"]["status"] == "identified"
    assert body["incident"]["body"] == "Found it."
    assert body["incident"]["deliver_notifications"] is False
    newest = statuspage.incident(incident_id)["incident_updates"][0]
    assert (newest["status"], newest["body"], newest["deliver_notifications"]) == (
        "identified",
        "Found it.",
        False,
    )


def test_notify_subscribers_is_sent_only_when_asked(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    hook().add_note(incident_id, "Update for subscribers", keyed(notify_subscribers=True))
    assert statuspage.incident(incident_id)["incident_updates"][0]["deliver_notifications"] is True


def test_title_impact_and_components_in_one_patch_and_unchanged_fields_left_out(
    statuspage: StatuspageSandbox,
) -> None:
    incident_id = statuspage.create(title="Slow search")
    update = IncidentUpdate(
        title="Slow search", severity="major", vendor_fields={"components": {API: "partial_outage"}}
    )
    result = hook().update_incident(incident_id, update, PUBLIC)
    assert result.incident.severity == "major"
    (body,) = sent(statuspage)
    assert set(body["incident"]) == {"impact_override", "components", "deliver_notifications"}
    assert statuspage.incident(incident_id)["components"][0]["status"] == "partial_outage"
    again = hook().update_incident(incident_id, IncidentUpdate(severity="major"), PUBLIC)
    assert again.changed is False


def test_a_component_the_page_lacks_surfaces_statuspage_s_words(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    with pytest.raises(VendorValidationError, match="Component nosuchcomp01 not found"):
        hook().update_incident(
            incident_id, IncidentUpdate(vendor_fields={"component_ids": ["nosuchcomp01"]}), PUBLIC
        )


def test_bad_input_names_the_field_before_any_request(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    statuspage.clear_requests()
    cases = [
        (IncidentUpdate(status="resovled"), "'status'"),
        (IncidentUpdate(severity="sev1"), "'severity'.*none, minor, major, critical"),
        (IncidentUpdate(title="x" * 256), "'title'"),
        (IncidentUpdate(note="x" * 25001), "'note'"),
        (IncidentUpdate(resolution="Done"), "'resolution'"),
        (IncidentUpdate(vendor_fields={"components": {API: "down"}}), "components"),
        (IncidentUpdate(vendor_fields={"metadata": {}}), "metadata"),
    ]
    for update, match in cases:
        with pytest.raises(IncidentValidationError, match=match):
            hook().update_incident(incident_id, update, PUBLIC)
    with pytest.raises(UnsupportedOperationError, match="note="):
        hook().update_incident(incident_id, IncidentUpdate(description="More"), PUBLIC)
    assert statuspage.requests() == []


def test_maintenance_moves_in_its_own_words_and_refuses_the_others(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create(title="Database upgrade", status="scheduled")
    moved = hook().update_incident(incident_id, IncidentUpdate(status="acknowledged"), PUBLIC)
    assert (moved.incident.status, moved.incident.phase) == ("in_progress", Phase.ACKNOWLEDGED)
    with pytest.raises(IncidentValidationError, match=r"scheduled maintenance.*verifying"):
        hook().update_incident(incident_id, IncidentUpdate(status="monitoring"), PUBLIC)
    done = hook().resolve_incident(incident_id, resolution="Upgrade complete.", options=PUBLIC)
    assert (done.incident.status, done.incident.phase) == ("completed", Phase.RESOLVED)
    assert hook().list_incidents(statuses=["resolved"], limit=50)[0].id == incident_id


def test_reopening_needs_allow_reopen(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.with_status("resolved")
    with pytest.raises(IncidentValidationError, match="allow_reopen"):
        hook().update_incident(incident_id, IncidentUpdate(status="investigating"), PUBLIC)
    reopened = hook().update_incident(
        incident_id, IncidentUpdate(status="investigating"), WriteOptions(public=True, allow_reopen=True)
    )
    assert reopened.incident.status == "investigating"


def test_resolve_once_then_a_note_on_the_resolved_incident(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    first = hook().resolve_incident(
        incident_id, resolution="Fixed.", note="Details follow.", options=keyed("r")
    )
    assert (first.changed, first.incident.status) == (True, "resolved")
    assert sent(statuspage)[0]["incident"]["body"] == "Fixed.\n\nDetails follow."
    again = hook().resolve_incident(incident_id, note="Postmortem next week.", options=keyed("r2"))
    assert [(s.name, s.applied) for s in again.steps] == [("resolve", False), ("note", True)]
    assert statuspage.incident(incident_id)["incident_updates"][0]["status"] == "resolved"


def test_a_retried_note_is_found_by_its_key_and_not_posted_again(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    first = hook().add_note(incident_id, "Rolling back.", keyed("note-1"))
    again = hook().add_note(incident_id, "Rolling back.", keyed("note-1"))
    assert (first.changed, again.changed) == (True, False)
    assert len(sent(statuspage)) == 1
    metadata = statuspage.incident(incident_id)["metadata"]
    assert metadata["airflow_incident_provider"]["writes"] == ["note-1"]


def test_the_incident_s_own_metadata_is_kept(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    path = f"/pages/{PAGE_ID}/incidents/{incident_id}"
    body = {"incident": {"metadata": {"jira": {"issue": "OPS-1"}}}}
    statuspage.api.patch(path, json=body).raise_for_status()
    hook().add_note(incident_id, "Still on it", keyed("n"))
    assert statuspage.incident(incident_id)["metadata"]["jira"] == {"issue": "OPS-1"}


def test_a_note_whose_answer_was_lost_is_found_not_posted_twice(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    lose_next_answer(statuspage, "PATCH")
    result = hook().add_note(incident_id, "Failover done.", keyed("lost"))
    assert result.changed is True
    bodies = [u["body"] for u in statuspage.incident(incident_id)["incident_updates"]]
    assert bodies.count("Failover done.") == 1


def test_a_lost_note_without_a_key_is_reported_as_ambiguous(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    lose_next_answer(statuspage, "PATCH")
    with pytest.raises(AmbiguousWriteError):
        hook().add_note(incident_id, "No key", PUBLIC)


def test_acknowledge_and_reassign_say_what_to_use_instead(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    with pytest.raises(UnsupportedOperationError, match=r"status='identified', public=True"):
        hook().acknowledge_incident(incident_id)
    with pytest.raises(UnsupportedOperationError, match="no assignees"):
        hook().reassign_incident(incident_id, ("someone",))
    with pytest.raises(UnsupportedOperationError, match=r"escalation_level.*escalate the public impact"):
        hook().escalate_incident(incident_id, Escalation(escalation_level=2), PUBLIC)
    assert statuspage.writes() == []


# ---------------------------------------------------------------- escalating and creating


def test_one_step_is_computed_once_and_never_climbs_past_critical(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    impacts = [hook().escalate_incident(incident_id, options=PUBLIC).incident.severity for _ in range(4)]
    assert impacts == ["minor", "major", "critical", "critical"]
    assert [body["incident"]["impact_override"] for body in sent(statuspage)] == [
        "minor",
        "major",
        "critical",
    ]
    lower = hook().escalate_incident(incident_id, Escalation(severity="minor"), PUBLIC)
    assert (lower.changed, lower.steps[0].detail) == (False, "already critical, above minor")


def test_a_maintenance_cannot_be_escalated(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create(status="scheduled")
    with pytest.raises(IncidentValidationError, match="maintenance"):
        hook().escalate_incident(incident_id, options=PUBLIC)
    with pytest.raises(IncidentValidationError, match="maintenance") as named:
        hook().escalate_incident(incident_id, Escalation(severity="major"), PUBLIC)
    assert named.value.field == "severity"
    assert statuspage.writes() == []


def test_create_once_per_dedup_key_and_subscribers_only_when_asked(statuspage: StatuspageSandbox) -> None:
    create = IncidentCreate(
        title="Checkout errors",
        description="We are investigating.",
        severity="major",
        dedup_key="alert-7",
        vendor_fields={"components": {API: "major_outage"}},
    )
    first = hook().create_incident(create, PUBLIC)
    again = hook().create_incident(create, PUBLIC)
    assert (first.changed, again.changed, again.incident.id) == (True, False, first.incident.id)
    (body,) = sent(statuspage, "POST")
    assert body["incident"]["deliver_notifications"] is False
    assert body["incident"]["status"] == "investigating"
    assert first.incident.severity == "major"


def test_a_create_whose_answer_was_lost_is_found_by_its_dedup_key(statuspage: StatuspageSandbox) -> None:
    lose_next_answer(statuspage, "POST")
    result = hook().create_incident(IncidentCreate(title="Lost create", dedup_key="lost-1"), PUBLIC)
    assert result.changed is True
    statuspage.assert_created_once("Lost create")


def test_list_filters_by_word_or_phase_and_time(statuspage: StatuspageSandbox) -> None:
    statuspage.create(title="Maintenance window", status="scheduled")
    opened = {i.title for i in hook().list_incidents(statuses=["open"])}
    assert {"Intermittent login timeouts", "Maintenance window"} <= opened
    exact = {i.title for i in hook().list_incidents(statuses=["investigating"])}
    assert "Maintenance window" not in exact
    with pytest.raises(IncidentValidationError, match="'services'"):
        hook().list_incidents(services=["svc"])


def test_operators_take_it_unchanged(statuspage: StatuspageSandbox) -> None:
    incident_id = statuspage.create()
    result = UpdateIncidentOperator(
        task_id="mitigate",
        conn_id=STATUSPAGE_CONN_ID,
        incident_id=incident_id,
        status="mitigated",
        note="Fix deployed.",
        public=True,
    ).execute(context("mitigate"))
    assert (result["status"], result["phase"]) == ("monitoring", "mitigated")
    assert json.dumps(result)
