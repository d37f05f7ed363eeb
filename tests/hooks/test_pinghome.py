"""PinghomeIncidentHook against the sandbox over real HTTP on 127.0.0.1 (respx only where noted)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx
from airflow.sdk import Connection
from airflow.sdk.log import redact  # type: ignore[attr-defined]  # re-exported by the SDK

from airflow_incident_provider.exceptions import (
    AmbiguousWriteError,
    AuthenticationError,
    ConnectionConfigError,
    IncidentNotFoundError,
    IncidentValidationError,
    UnsupportedOperationError,
    VendorValidationError,
)
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.pinghome import PinghomeIncidentHook, forget_sessions
from airflow_incident_provider.idempotency import idempotency_key, marker
from airflow_incident_provider.models import Escalation, IncidentCreate, IncidentUpdate, Phase, WriteOptions
from airflow_incident_provider.operators import (
    CreateIncidentOperator,
    EscalateIncidentOperator,
    ReassignIncidentOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
from airflow_incident_provider.sandbox.pinghome import PAYMENTS_TEAM, USERS, PinghomeBackend
from airflow_incident_provider.vendors import pinghome as ph_vendor
from tests.fixtures_pinghome import PH_CONN_ID, PinghomeSandbox

SIGN_IN = ("POST", "/auth/v1/auth")


def hook() -> PinghomeIncidentHook:
    result = get_incident_hook(PH_CONN_ID)
    assert isinstance(result, PinghomeIncidentHook)
    return result


def use(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{PH_CONN_ID.upper()}", ph.connection(**changes))


def signing_in(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use(ph, monkeypatch, login=ph.email, password=ph.password)


def puts(ph: PinghomeSandbox) -> list[dict[str, Any]]:
    return [record for record in ph.requests() if record["method"] == "PUT"]


def posts(ph: PinghomeSandbox) -> list[dict[str, Any]]:
    return [record for record in ph.requests() if record["method"] == "POST"]


def context(task_id: str) -> Any:
    return {"ti": SimpleNamespace(dag_id="dag", run_id="run", task_id=task_id, map_index=-1)}


# ---------------------------------------------------------------- reading


def test_get_incident_is_normalized_with_a_team_ref(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(name="Queue backlog growing", urgency="medium")
    incident = hook().get_incident(incident_id)
    assert incident.vendor == "pinghome"
    assert incident.id == incident_id
    assert incident.ref == f"{ph.team_id}/{incident_id}"
    assert (incident.title, incident.status, incident.phase, incident.severity) == (
        "Queue backlog growing",
        "open",
        Phase.OPEN,
        "medium",
    )
    assert incident.raw is None
    assert hook().get_incident(incident.ref, include_raw=True).raw is not None


def test_a_ref_addresses_another_team_than_the_connections(ph: PinghomeSandbox) -> None:
    other = ph.incidents(PAYMENTS_TEAM.id)[0]
    incident = hook().get_incident(f"{PAYMENTS_TEAM.id}/{other['id']}")
    assert incident.ref == f"{PAYMENTS_TEAM.id}/{other['id']}"
    assert incident.title == other["name"]
    with pytest.raises(IncidentNotFoundError):
        hook().get_incident(other["id"])  # not in the connection's team


def test_missing_incident_searches_every_page_then_says_so(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ph_vendor, "LIST_PAGE_SIZE", 2)
    pages = -(-len(ph.incidents()) // 2)
    ph.clear_requests()
    with pytest.raises(IncidentNotFoundError) as info:
        hook().get_incident("0000-missing")
    assert "'0000-missing' is not among the incidents of team" in str(info.value)
    assert f"{pages} page(s) searched" in str(info.value)
    lists = [r for r in ph.requests() if r["path"].endswith("/incidents")]
    assert len(lists) == pages
    assert [r["query"].get("last_received_at") is None for r in lists] == [True] + [False] * (pages - 1)


def test_list_pages_filters_and_limits(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    every = {item["id"] for item in ph.incidents()}
    monkeypatch.setattr(ph_vendor, "LIST_PAGE_SIZE", 2)
    listed = hook().list_incidents()
    assert {incident.id for incident in listed} == every
    assert len(listed) == len(every), "no incident twice across pages"
    active = hook().list_incidents(statuses=["open", "ACKNOWLEDGED"])
    assert active
    assert {incident.phase for incident in active} == {Phase.OPEN, Phase.ACKNOWLEDGED}
    assert [i.status for i in hook().list_incidents(statuses=["resolved"])] == ["resolved"]
    assert len(hook().list_incidents(limit=3)) == 3
    newest = max(listed, key=lambda incident: str(incident.created_at))
    assert [i.id for i in hook().list_incidents(since=newest.created_at)] == [newest.id]
    with pytest.raises(IncidentValidationError, match="mitigated"):
        hook().list_incidents(statuses=["mitigated"])


def test_listing_needs_the_connections_team(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use(ph, monkeypatch, extra={"team_id": None})
    ph.clear_requests()
    with pytest.raises(ConnectionConfigError, match="team_id"):
        hook().list_incidents()
    with pytest.raises(IncidentValidationError, match="teamId/incidentId"):
        hook().get_incident("some-id")
    assert ph.requests() == []


def test_list_scoped_to_one_team_lists_that_team_instead_of_the_connections(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ph.team_id != PAYMENTS_TEAM.id
    ph.clear_requests()
    payments = hook().list_incidents(teams=[PAYMENTS_TEAM.id])
    assert [i.title for i in payments] == [item["name"] for item in ph.incidents(PAYMENTS_TEAM.id)]
    assert all(i.ref.startswith(f"{PAYMENTS_TEAM.id}/") for i in payments), "refs name the listed team"
    assert {r["path"] for r in ph.requests()} == {f"/incident-query/v1/team/{PAYMENTS_TEAM.id}/incidents"}
    use(ph, monkeypatch, extra={"team_id": None})
    assert [i.id for i in hook().list_incidents(teams=[PAYMENTS_TEAM.id])] == [i.id for i in payments]


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ({"services": ["checkout"]}, "services"),
        ({"teams": [PAYMENTS_TEAM.id, "445a5c1f-c0eb-403a-96d7-3976e5dc74ed"]}, "teams"),
    ],
)
def test_list_scoped_to_services_or_several_teams_is_refused_before_any_request(
    ph: PinghomeSandbox, scope: dict[str, Any], field: str
) -> None:
    ph.clear_requests()
    with pytest.raises(IncidentValidationError, match="set team_id on the connection") as info:
        hook().list_incidents(**scope)
    assert info.value.field == field
    assert ph.requests() == []


# ---------------------------------------------------------------- writing


def test_partial_update_keeps_every_other_field(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(
        description="Original description",
        urgency="low",
        assignees=[{"type": "team", "id": ph.team_id}],
        actions=[{"type": "trigger-alerts", "settings": [{"status_page_id": "sp-1"}]}],
    )
    before = ph.incident(incident_id)
    ph.clear_requests()
    result = hook().update_incident(incident_id, IncidentUpdate(title="Renamed"))
    assert result.changed
    assert [(s.name, s.applied, s.detail) for s in result.steps] == [("update", True, "name")]
    after = ph.incident(incident_id)
    assert after["name"] == "Renamed"
    for field in ("description", "urgency", "assignees", "actions", "status"):
        assert after[field] == before[field], field
    (put,) = puts(ph)
    assert set(put["body"]) == {"name", "description", "urgency", "assignees", "actions"}
    assert result.incident.title == "Renamed"


def test_every_normalized_field_reaches_pinghome(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    user = "0b6f4a52-7d1e-4c3a-9f5e-2a1b3c4d5e02"
    actions = [{"type": "trigger-alerts", "settings": [{"status_page_id": "sp-9"}]}]
    result = hook().update_incident(
        incident_id,
        IncidentUpdate(
            description="Rewritten",
            severity="LOW",
            assignees=(user, f"team:{ph.team_id}"),
            status="acknowledged",
            vendor_fields={"actions": actions},
        ),
    )
    remote = ph.incident(incident_id)
    assert (remote["description"], remote["urgency"], remote["status"]) == (
        "Rewritten",
        "low",
        "acknowledged",
    )
    assert remote["assignees"] == [{"type": "user", "id": user}, {"type": "team", "id": ph.team_id}]
    assert remote["actions"][0]["settings"] == [{"status_page_id": "sp-9"}]
    assert result.incident.assignees == (user, f"team:{ph.team_id}")
    assert result.incident.phase is Phase.ACKNOWLEDGED


def test_an_update_that_changes_nothing_sends_no_write(ph: PinghomeSandbox) -> None:
    incident = hook().get_incident(ph.with_status("open"))
    result = hook().update_incident(incident.ref, IncidentUpdate(title=incident.title, status="open"))
    assert not result.changed
    assert result.steps[0].detail == "already as requested"
    assert puts(ph) == []


def test_pinghome_refusal_surfaces_with_its_message_and_fields(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    with pytest.raises(VendorValidationError) as info:
        hook().update_incident(incident_id, IncidentUpdate(assignees=("no-such-user",)))
    assert info.value.status_code == 422
    assert "Validation failed" in str(info.value)
    assert "assignees[0].id: no user with id 'no-such-user'" in str(info.value)
    assert len(puts(ph)) == 1, "422 is not retried"


def test_bad_input_fails_before_any_request(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    ph.clear_requests()
    with pytest.raises(IncidentValidationError, match="low, medium, high"):
        hook().update_incident(incident_id, IncidentUpdate(severity="sev1"))
    with pytest.raises(IncidentValidationError, match="mitigated"):
        hook().update_incident(incident_id, IncidentUpdate(status="mitigated"))
    with pytest.raises(IncidentValidationError, match=r"vendor_fields\.name"):
        hook().update_incident(incident_id, IncidentUpdate(vendor_fields={"name": "x"}))
    with pytest.raises(UnsupportedOperationError, match="description"):
        hook().update_incident(incident_id, IncidentUpdate(description="d", note="n"))
    with pytest.raises(IncidentValidationError, match="nothing to change"):
        hook().update_incident(incident_id, IncidentUpdate())
    with pytest.raises(IncidentValidationError, match="note"):
        hook().add_note(incident_id, "  ")
    assert ph.requests() == []


def test_reopen_needs_allow_reopen_and_nothing_is_written_without_it(ph: PinghomeSandbox) -> None:
    incident_id = ph.with_status("resolved")
    with pytest.raises(IncidentValidationError, match="allow_reopen=True"):
        hook().update_incident(incident_id, IncidentUpdate(status="acknowledged", note="reopening"))
    assert puts(ph) == []
    result = hook().update_incident(
        incident_id, IncidentUpdate(status="open"), WriteOptions(allow_reopen=True)
    )
    assert result.changed
    assert (result.incident.status, result.incident.resolved_at) == ("open", None)


def test_resolve_is_idempotent_and_keeps_the_resolution(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(description="Disk full")
    first = hook().resolve_incident(incident_id, resolution="Rotated the logs")
    assert first.changed
    assert first.incident.phase is Phase.RESOLVED
    assert first.incident.resolved_at is not None
    assert ph.incident(incident_id)["description"] == "Disk full\n\n---\nResolution: Rotated the logs"
    writes = len(puts(ph))
    second = hook().resolve_incident(incident_id, resolution="Rotated the logs")
    assert not second.changed
    assert [(s.name, s.applied, s.detail) for s in second.steps] == [("resolved", False, "already resolved")]
    assert len(puts(ph)) == writes, "resolving a resolved incident sends no write"


def test_acknowledge_never_goes_backwards(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    assert hook().acknowledge_incident(incident_id).changed
    assert not hook().acknowledge_incident(incident_id).changed
    hook().resolve_incident(incident_id)
    writes = len(puts(ph))
    result = hook().acknowledge_incident(incident_id)
    assert not result.changed
    assert result.incident.status == "resolved"
    assert len(puts(ph)) == writes


def test_a_note_with_a_key_is_appended_once_but_other_tasks_append_theirs(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(description="Errors since 10:02")
    key_a, key_b = idempotency_key("dag", "run", "a"), idempotency_key("dag", "run", "b")
    first = hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_a))
    assert [(s.name, s.applied) for s in first.steps] == [("note", True)]
    again = hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_a))
    assert not again.changed
    assert again.steps[0].detail == "already posted"
    assert hook().add_note(incident_id, "Restarted workers", WriteOptions(idempotency_key=key_b)).changed
    description = ph.incident(incident_id)["description"]
    assert description == (
        f"Errors since 10:02\n\n---\nRestarted workers\n\n[{marker(key_a)}]"
        f"\n\n---\nRestarted workers\n\n[{marker(key_b)}]"
    )
    assert len(puts(ph)) == 2


def test_acknowledge_with_a_note_is_one_write(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(description="")
    key = idempotency_key("dag", "run", "ack")
    result = hook().acknowledge_incident(incident_id, note="On it", options=WriteOptions(idempotency_key=key))
    assert [(s.name, s.applied) for s in result.steps] == [("acknowledged", True), ("note", True)]
    remote = ph.incident(incident_id)
    assert (remote["status"], remote["description"]) == ("acknowledged", f"On it\n\n[{marker(key)}]")
    assert len(puts(ph)) == 1


def test_operators_work_unchanged(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    ti = SimpleNamespace(dag_id="dag", run_id="run", task_id="t", map_index=-1)
    update = UpdateIncidentOperator(
        task_id="t", conn_id=PH_CONN_ID, incident_id=incident_id, status="acknowledged", note="Rolling back"
    )
    value = update.execute({"ti": ti})  # type: ignore[typeddict-item]
    assert (value["status"], value["changed"]) == ("acknowledged", True)
    resolve = ResolveIncidentOperator(task_id="r", conn_id=PH_CONN_ID, incident_id=value, resolution="Done")
    resolved = resolve.execute({"ti": ti})  # type: ignore[typeddict-item]
    assert resolved["phase"] == "resolved"
    assert resolved["ref"] == f"{ph.team_id}/{incident_id}"


# ---------------------------------------------------------------- create, escalate, reassign

USER = USERS[1].id


def test_create_posts_once_with_the_marker_and_reads_the_incident_back(ph: PinghomeSandbox) -> None:
    key = idempotency_key("dag", "run", "create", purpose="create")
    ph.clear_requests()
    result = hook().create_incident(
        IncidentCreate(
            title="Disk full on db-1",
            description="95% and rising",
            severity="high",
            assignees=(USER, f"team:{ph.team_id}"),
            dedup_key=key,
        )
    )
    assert result.changed
    assert [(s.name, s.applied, s.detail) for s in result.steps] == [("create", True, None)]
    incident = result.incident
    assert (incident.title, incident.status, incident.severity) == ("Disk full on db-1", "open", "high")
    assert incident.assignees == (USER, f"team:{ph.team_id}")
    assert incident.ref == f"{ph.team_id}/{incident.id}"
    lists = ("GET", f"/incident-query/v1/team/{ph.team_id}/incidents")
    assert ph.calls() == [lists, ("POST", f"/incident-cmd/v1/team/{ph.team_id}/incident"), lists]
    assert ph.incident(incident.id)["description"] == f"95% and rising\n\n[{marker(key)}]"


def test_create_with_the_same_dedup_key_returns_the_first_incident(ph: PinghomeSandbox) -> None:
    create = IncidentCreate(title="Queue backlog", dedup_key=idempotency_key("d", "r", "t", purpose="create"))
    before = len(ph.incidents())
    first = hook().create_incident(create)
    second = hook().create_incident(create)
    assert (first.changed, second.changed) == (True, False)
    assert [(s.name, s.applied, s.detail) for s in second.steps] == [("create", False, "already created")]
    assert second.incident.id == first.incident.id
    assert len(ph.incidents()) == before + 1, "the sandbox holds one incident for the key"
    assert len(posts(ph)) == 1
    other = hook().create_incident(create.model_copy(update={"dedup_key": "another-key"}))
    assert other.changed
    assert other.incident.id != first.incident.id


def test_create_without_severity_or_description_uses_the_documented_defaults(ph: PinghomeSandbox) -> None:
    result = hook().create_incident(IncidentCreate(title="Smoke", dedup_key="k-defaults"))
    remote = ph.incident(result.incident.id)
    assert (remote["urgency"], remote["description"]) == (
        ph_vendor.CREATE_URGENCY,
        "[airflow-idem:k-defaults]",
    )
    plain = hook().create_incident(IncidentCreate(title="No key"))
    assert ph.incident(plain.incident.id)["description"] == ""


def test_bad_create_input_fails_before_any_request(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ph.clear_requests()
    for create, match in (
        (IncidentCreate(title="  "), "title"),
        (IncidentCreate(title="t", severity="critical"), "low, medium, high"),
        (IncidentCreate(title="t", assignees=("group:g-1",)), "user, team"),
        (IncidentCreate(title="t", vendor_fields={"urgency": "high"}), "'severity' argument"),
        (IncidentCreate(title="t", vendor_fields={"actions": "none"}), "actions"),
    ):
        with pytest.raises(IncidentValidationError, match=match):
            hook().create_incident(create)
    use(ph, monkeypatch, extra={"team_id": None})
    with pytest.raises(ConnectionConfigError, match="creating Pinghome incidents needs team_id"):
        hook().create_incident(IncidentCreate(title="t"))
    assert ph.requests() == []


def test_pinghome_refusal_of_a_create_surfaces_and_is_not_retried(ph: PinghomeSandbox) -> None:
    with pytest.raises(VendorValidationError, match="no user with id 'nobody'"):
        hook().create_incident(IncidentCreate(title="t", assignees=("nobody",), dedup_key="k-refused"))
    assert len(posts(ph)) == 1


@pytest.mark.parametrize(("start", "expected"), [("low", "medium"), ("medium", "high")])
def test_escalate_one_step_from_each_rung(ph: PinghomeSandbox, start: str, expected: str) -> None:
    incident_id = ph.create(urgency=start, assignees=[{"type": "user", "id": USER}])
    before = ph.incident(incident_id)
    ph.clear_requests()
    result = hook().escalate_incident(incident_id)
    assert result.changed
    assert [(s.name, s.applied, s.detail) for s in result.steps] == [("escalate", True, "urgency")]
    assert result.incident.severity == expected
    (put,) = puts(ph)
    assert put["body"]["urgency"] == expected, "the write carries the absolute target"
    after = ph.incident(incident_id)
    assert after["urgency"] == expected
    for field in ("name", "description", "assignees", "status"):
        assert after[field] == before[field], field


def test_escalate_at_the_top_writes_nothing(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(urgency="high")
    ph.clear_requests()
    result = hook().escalate_incident(incident_id)
    assert not result.changed
    assert [(s.name, s.applied, s.detail) for s in result.steps] == [
        ("escalate", False, "already at the top")
    ]
    assert puts(ph) == []
    noted = hook().escalate_incident(incident_id, Escalation(note="Still failing"))
    assert [(s.name, s.applied) for s in noted.steps] == [("escalate", False), ("note", True)]
    assert (noted.incident.severity, len(puts(ph))) == ("high", 1), "the note is kept, the urgency stays"


def test_escalate_to_an_explicit_severity_and_assignees_in_one_write(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(urgency="low")
    key = idempotency_key("dag", "run", "escalate")
    result = hook().escalate_incident(
        incident_id,
        Escalation(severity="High", assignees=(f"team:{ph.team_id}",), note="Paging the platform team"),
        WriteOptions(idempotency_key=key),
    )
    assert [(s.name, s.applied, s.detail) for s in result.steps] == [
        ("escalate", True, "urgency, assignees"),
        ("note", True, None),
    ]
    remote = ph.incident(incident_id)
    assert (remote["urgency"], remote["assignees"]) == ("high", [{"type": "team", "id": ph.team_id}])
    assert remote["description"].endswith(f"Paging the platform team\n\n[{marker(key)}]")
    assert len(puts(ph)) == 1
    again = hook().escalate_incident(
        incident_id,
        Escalation(severity="high", assignees=(f"team:{ph.team_id}",), note="Paging the platform team"),
        WriteOptions(idempotency_key=key),
    )
    assert not again.changed, "a retried task finds its target and its note in place"
    assert len(puts(ph)) == 1


def test_an_explicit_lower_severity_never_lowers_the_urgency(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(urgency="high")
    result = hook().escalate_incident(incident_id, Escalation(severity="low"))
    assert not result.changed
    assert result.steps[0].detail == "already high, above low"
    assert ph.incident(incident_id)["urgency"] == "high"
    assert puts(ph) == []


def test_escalating_a_resolved_incident_needs_allow_reopen(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(urgency="low")
    hook().resolve_incident(incident_id)
    ph.clear_requests()
    with pytest.raises(IncidentValidationError, match=r"is resolved.*allow_reopen=True"):
        hook().escalate_incident(incident_id)
    assert puts(ph) == []
    result = hook().escalate_incident(incident_id, options=WriteOptions(allow_reopen=True))
    assert (result.incident.status, result.incident.severity) == ("open", "medium")


def test_escalation_levels_and_bad_targets_fail_before_any_request(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    ph.clear_requests()
    with pytest.raises(UnsupportedOperationError, match=r"escalation_level.*severity="):
        hook().escalate_incident(incident_id, Escalation(escalation_level=2))
    with pytest.raises(IncidentValidationError, match="low, medium, high"):
        hook().escalate_incident(incident_id, Escalation(severity="P1"))
    with pytest.raises(IncidentValidationError, match="user, team"):
        hook().escalate_incident(incident_id, Escalation(assignees=("group:g",)))
    assert ph.requests() == []


def test_reassign_replaces_the_assignees_once(ph: PinghomeSandbox) -> None:
    incident_id = ph.create(assignees=[{"type": "user", "id": USERS[0].id}], urgency="medium")
    before = ph.incident(incident_id)
    result = hook().reassign_incident(incident_id, (USER, f"team:{ph.team_id}"))
    assert [(s.name, s.applied, s.detail) for s in result.steps] == [("reassign", True, "assignees")]
    assert result.incident.assignees == (USER, f"team:{ph.team_id}")
    after = ph.incident(incident_id)
    assert after["assignees"] == [{"type": "user", "id": USER}, {"type": "team", "id": ph.team_id}]
    for field in ("name", "description", "urgency", "status"):
        assert after[field] == before[field], field
    again = hook().reassign_incident(incident_id, (f"team:{ph.team_id}", USER))
    assert not again.changed, "the same assignees in another order are exactly those"
    assert again.steps[0].detail == "already assigned to exactly those"
    assert len(puts(ph)) == 1


def test_bad_reassignments_fail_before_any_request(ph: PinghomeSandbox) -> None:
    incident_id = ph.create()
    ph.clear_requests()
    with pytest.raises(IncidentValidationError, match="at least one"):
        hook().reassign_incident(incident_id, ())
    with pytest.raises(IncidentValidationError, match="user, team"):
        hook().reassign_incident(incident_id, ("role:commander",))
    with pytest.raises(IncidentValidationError, match="note"):
        hook().reassign_incident(incident_id, (USER,), note=" ")
    assert ph.requests() == []


def test_create_escalate_and_reassign_operators(ph: PinghomeSandbox) -> None:
    def create() -> dict[str, Any]:
        operator = CreateIncidentOperator(
            task_id="create", conn_id=PH_CONN_ID, title="Nightly load failed", severity="low"
        )
        value: dict[str, Any] = operator.execute(context("create"))
        return value

    created = create()
    assert (created["changed"], created["severity"]) == (True, "low")
    retried = create()
    assert (retried["changed"], retried["id"]) == (False, created["id"]), "a task retry creates nothing"
    assert sum(item["name"] == "Nightly load failed" for item in ph.incidents()) == 1

    escalate = EscalateIncidentOperator(task_id="escalate", conn_id=PH_CONN_ID, incident_id=created)
    escalated = escalate.execute(context("escalate"))
    assert (escalated["changed"], escalated["severity"]) == (True, "medium")

    reassign = ReassignIncidentOperator(
        task_id="reassign", conn_id=PH_CONN_ID, incident_id=escalated, assignees=f"team:{ph.team_id}"
    )
    reassigned = reassign.execute(context("reassign"))
    assert reassigned["assignees"] == [f"team:{ph.team_id}"]
    assert reassigned["ref"] == f"{ph.team_id}/{created['id']}"


# ---------------------------------------------------------------- connections and authentication


def test_connection_check(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ok, message = hook().test_connection()
    assert ok
    assert f"team {ph.team_id} is readable" in message
    use(ph, monkeypatch, extra={"team_id": None})
    ok, message = hook().test_connection()
    assert ok
    assert "set team_id" in message


def test_explicit_service_urls_and_the_default_prefix(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(
        ph,
        monkeypatch,
        host=None,
        extra={
            "cmd_url": f"{ph.gateway}/incident-cmd",
            "query_url": f"{ph.gateway}/incident-query/",
            "auth_url": f"{ph.gateway}/auth",
            "path_prefix": "default/v1",
        },
    )
    incident_id = ph.create()
    ph.clear_requests()
    assert hook().acknowledge_incident(incident_id).changed
    assert {path.split("/")[2] for _, path in ph.calls()} == {"default"}
    assert ph.incident(incident_id)["status"] == "acknowledged"


def test_connection_settings_are_checked_before_any_request(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for changes, match in (
        ({"extra": {"query_url": "http://example.com/q"}}, "loopback"),
        ({"host": "http://pinghome.example.com"}, "loopback"),
        ({"extra": {"path_prefix": "/v1?x"}}, "path_prefix"),
        ({"extra": {"incident_url_template": "https://x/{id}"}}, "incident_url_template"),
        ({"password": None}, "password"),
    ):
        use(ph, monkeypatch, **changes)
        with pytest.raises(ConnectionConfigError, match=match):
            hook().get_incident("x")
    assert ph.requests() == []
    settings = PinghomeIncidentHook(
        connection=Connection(conn_id="c", conn_type="pinghome_incidents", password="t")
    )
    assert settings.base_url_for("cmd") == "https://incident-cmd.api.pinghome.io/v1"
    assert settings.base_url_for("query") == "https://incident-query.api.pinghome.io/v1"
    assert settings.base_url_for("auth") == "https://auth.api.pinghome.io"


def test_url_template_makes_the_extra_link(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use(ph, monkeypatch, extra={"incident_url_template": "https://app.example.com/{team_id}/{incident_id}"})
    incident = hook().get_incident(ph.with_status("open"))
    assert incident.url == f"https://app.example.com/{ph.team_id}/{incident.id}"


def test_sign_in_once_per_process_and_the_token_is_masked(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    signing_in(ph, monkeypatch)
    incident_id = ph.with_status("open")
    ph.clear_requests()
    assert hook().get_incident(incident_id).status == "open"
    assert hook().acknowledge_incident(incident_id).changed
    assert ph.calls().count(SIGN_IN) == 1, "a second hook reuses the cached token"
    assert ph.calls()[0] == SIGN_IN
    log = json.dumps(ph.requests())
    assert ph.password not in log
    assert ph.email in log
    token = ph_token(ph)
    assert redact(token) == "***"


def ph_token(ph: PinghomeSandbox) -> str:
    """The token the sandbox issued last (sign-in tokens are random, so it is read from its state)."""
    backend = ph.server.state.vendors["pinghome"]
    assert isinstance(backend, PinghomeBackend)
    return list(backend.store.sessions)[-1]


def test_an_expired_sign_in_is_renewed_once(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    signing_in(ph, monkeypatch)
    incident_id = ph.with_status("open")
    hook().get_incident(incident_id)
    ph.expire_sessions()
    ph.clear_requests()
    assert hook().resolve_incident(incident_id).changed
    calls = ph.calls()
    assert calls[:3] == [
        ("GET", f"/incident-query/v1/team/{ph.team_id}/incidents"),
        SIGN_IN,
        ("GET", f"/incident-query/v1/team/{ph.team_id}/incidents"),
    ]
    assert calls.count(SIGN_IN) == 1
    assert [r["status"] for r in ph.requests()][:3] == [401, 200, 200]


def test_bad_input_fails_before_the_sign_in_too(ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    signing_in(ph, monkeypatch)
    with pytest.raises(IncidentValidationError, match="severity"):
        hook().update_incident("any", IncidentUpdate(severity="sev1"))
    assert ph.requests() == []


def test_wrong_password_fails_without_leaking_it(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(ph, monkeypatch, login=ph.email, password="not-the-password-0c4e")
    with pytest.raises(AuthenticationError, match="Incorrect email or password") as info:
        hook().get_incident("any")
    assert "not-the-password" not in str(info.value)
    assert ph.calls() == [SIGN_IN], "a refused sign-in is not retried"


# ---------------------------------------------------------------- what the sandbox cannot produce (respx)

GATEWAY = "https://pinghome.test"
TEAM = "t-1"
LIST = f"{GATEWAY}/incident-query/v1/team/{TEAM}/incidents"
PUT = f"{GATEWAY}/incident-cmd/v1/incident/i-1"
OPEN = {"id": "i-1", "name": "n", "description": "d", "urgency": "high", "status": "open", "received_at": "t"}


def respx_hook() -> PinghomeIncidentHook:
    connection = Connection(
        conn_id="ph",
        conn_type="pinghome_incidents",
        host=GATEWAY,
        password="respx-token-77aa11bb",
        extra=json.dumps({"team_id": TEAM, "rate_limit_per_minute": 100_000, "total_timeout": 10}),
    )
    result = PinghomeIncidentHook(connection=connection)
    result.backoff_base = 0.01
    return result


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    forget_sessions()
    with respx.mock(assert_all_called=False) as router:
        yield router


def page(*items: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"incidents": list(items), "last_received_at": None})


def test_a_status_the_api_ignores_fails_loudly_naming_the_field(api: respx.MockRouter) -> None:
    api.get(LIST).mock(return_value=page(OPEN))
    put = api.put(PUT).mock(return_value=httpx.Response(200, json={"message": "Incident updated"}))
    with pytest.raises(UnsupportedOperationError) as info:
        respx_hook().resolve_incident("i-1")
    assert "'status' is 'open', sent 'resolved'" in str(info.value)
    assert "Pinghome app" in str(info.value)
    assert put.call_count == 1
    assert json.loads(put.calls[0].request.content)["status"] == "resolved"


def test_a_read_that_lags_the_write_is_read_again(api: respx.MockRouter) -> None:
    resolved = {**OPEN, "status": "resolved", "resolved_at": "2026-11-01T10:00:00Z"}
    reads = api.get(LIST).mock(side_effect=[page(OPEN), page(OPEN), page(resolved)])
    api.put(PUT).mock(return_value=httpx.Response(200, json={"message": "Incident updated"}))
    result = respx_hook().resolve_incident(f"{TEAM}/i-1")
    assert result.incident.phase is Phase.RESOLVED
    assert reads.call_count == 3


def test_429_with_retry_after_is_waited_then_retried(api: respx.MockRouter) -> None:
    reads = api.get(LIST).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0.05"}, json={"message": "Too Many Requests"}),
            page(OPEN),
        ]
    )
    assert respx_hook().get_incident("i-1").status == "open"
    assert reads.call_count == 2


def test_a_lost_put_response_is_resent_because_the_body_is_absolute(api: respx.MockRouter) -> None:
    acked = {**OPEN, "status": "acknowledged"}
    api.get(LIST).mock(side_effect=[page(OPEN), page(acked)])
    put = api.put(PUT).mock(
        side_effect=[httpx.ReadError("connection reset"), httpx.Response(200, json={"message": "ok"})]
    )
    assert respx_hook().acknowledge_incident("i-1").incident.status == "acknowledged"
    assert put.call_count == 2
    assert put.calls[0].request.content == put.calls[1].request.content


def test_a_renewal_that_is_refused_again_surfaces_the_401(api: respx.MockRouter) -> None:
    connection = Connection(
        conn_id="ph",
        conn_type="pinghome_incidents",
        host=GATEWAY,
        login="oncall@example.com",
        password="respx-password-3c1d",
        extra=json.dumps({"team_id": TEAM, "rate_limit_per_minute": 100_000}),
    )
    sign_in = api.post(f"{GATEWAY}/auth/v1/auth").mock(
        side_effect=[
            httpx.Response(200, json={"access_token": "first-token-aaaa"}),
            httpx.Response(200, json={"access_token": "second-token-bbbb"}),
        ]
    )
    expired = httpx.Response(401, json={"message": "The incoming token has expired"})
    reads = api.get(LIST).mock(side_effect=[expired, expired])
    with pytest.raises(AuthenticationError, match="token has expired") as info:
        PinghomeIncidentHook(connection=connection).get_incident("i-1")
    assert (sign_in.call_count, reads.call_count) == (2, 2), "signed in, renewed once, then gave up"
    tokens = [call.request.headers["authorization"] for call in reads.calls]
    assert tokens == ["Bearer first-token-aaaa", "Bearer second-token-bbbb"]
    assert "respx-password" not in str(info.value)


CREATE = f"{GATEWAY}/incident-cmd/v1/team/{TEAM}/incident"


def created(key: str) -> dict[str, Any]:
    return {**OPEN, "name": "Disk full", "description": f"[{marker(key)}]", "urgency": "medium"}


def test_a_lost_create_answer_finds_the_incident_instead_of_creating_twice(api: respx.MockRouter) -> None:
    reads = api.get(LIST).mock(side_effect=[page(), page(created("k1"))])
    post = api.post(CREATE).mock(side_effect=httpx.ReadError("connection reset"))
    result = respx_hook().create_incident(IncidentCreate(title="Disk full", dedup_key="k1"))
    assert (result.changed, result.incident.id) == (True, "i-1")
    assert (post.call_count, reads.call_count) == (1, 2)


def test_a_lost_create_that_did_not_land_is_posted_again_with_the_same_body(api: respx.MockRouter) -> None:
    api.get(LIST).mock(side_effect=[page(), page(), page(created("k1"))])
    post = api.post(CREATE).mock(
        side_effect=[httpx.ReadError("connection reset"), httpx.Response(201, json={"id": "i-1"})]
    )
    result = respx_hook().create_incident(IncidentCreate(title="Disk full", dedup_key="k1"))
    assert result.changed
    assert post.call_count == 2
    assert post.calls[0].request.content == post.calls[1].request.content


def test_a_lost_create_answer_without_a_key_is_raised(api: respx.MockRouter) -> None:
    api.post(CREATE).mock(side_effect=httpx.ReadError("connection reset"))
    with pytest.raises(AmbiguousWriteError, match="may have been applied"):
        respx_hook().create_incident(IncidentCreate(title="Disk full"))


def test_a_new_incident_the_query_service_does_not_list_yet_is_read_again(api: respx.MockRouter) -> None:
    reads = api.get(LIST).mock(side_effect=[page(), page(), page(created("k1"))])
    api.post(CREATE).mock(return_value=httpx.Response(201, json={"message": "Incident created", "id": "i-1"}))
    assert respx_hook().create_incident(IncidentCreate(title="Disk full", dedup_key="k1")).changed
    assert reads.call_count == 3


def test_a_lost_escalation_answer_resends_the_same_absolute_urgency(api: respx.MockRouter) -> None:
    low = {**OPEN, "urgency": "low"}
    api.get(LIST).mock(side_effect=[page(low), page({**low, "urgency": "medium"})])
    put = api.put(PUT).mock(
        side_effect=[httpx.ReadError("connection reset"), httpx.Response(200, json={"message": "ok"})]
    )
    assert respx_hook().escalate_incident("i-1").incident.severity == "medium"
    assert put.call_count == 2
    assert [json.loads(call.request.content)["urgency"] for call in put.calls] == ["medium", "medium"]
