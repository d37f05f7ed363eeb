"""The Pinghome vendor module alone: pure functions, no server."""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from typing import Any

import pytest

from airflow_incident_provider.exceptions import IncidentValidationError, UnsupportedOperationError
from airflow_incident_provider.models import Escalation, IncidentCreate, IncidentUpdate, Phase
from airflow_incident_provider.vendors import known_status_words
from airflow_incident_provider.vendors import pinghome as ph
from airflow_incident_provider.vendors.base import Response, url_template_problem
from airflow_incident_provider.vendors.protocol import VendorModule

CHECKED: VendorModule = ph  # mypy: the module is a VendorModule

TEAM = "445a5c1f-c0eb-403a-96d7-3976e5dc74ed"


def incident_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "b7c2eaef-083c-42a6-9a8f-f3e8b3e54048",
        "team_id": TEAM,
        "name": "Checkout API error rate above 5%",
        "description": "Errors since 10:02",
        "urgency": "high",
        "status": "open",
        "assignees": [{"type": "team", "id": TEAM}, {"type": "user", "id": "u-1"}],
        "actions": [
            {
                "id": "a-1",
                "type": "trigger-alerts",
                "settings": [{"id": "s-1", "status_page_id": "sp-1", "token": "hook-secret-123"}],
            }
        ],
        "received_at": "2026-11-01T10:00:00.000001Z",
        "created_at": "2026-11-01T10:00:00.000001Z",
        "updated_at": "2026-11-01T10:05:00Z",
        "resolved_at": None,
    }
    data.update(overrides)
    return data


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None, text: str = ""
) -> Response:
    return Response(status=status, headers=headers or {}, body=body, text=text)


# ---------------------------------------------------------------- statuses and references


def test_statuses_are_lower_case_and_ordered() -> None:
    assert ph.STATUS_PHASES == {
        "open": Phase.OPEN,
        "acknowledged": Phase.ACKNOWLEDGED,
        "resolved": Phase.RESOLVED,
    }
    assert {"open", "acknowledged", "resolved"} <= known_status_words()


@pytest.mark.parametrize(
    ("word", "expected"),
    [("OPEN", "open"), (" Acknowledged ", "acknowledged"), ("resolved", "resolved"), ("open", "open")],
)
def test_status_words_and_phases_become_pinghome_words(word: str, expected: str) -> None:
    assert ph.to_vendor_status(word) == expected


def test_mitigated_has_no_pinghome_status_and_the_error_lists_the_words() -> None:
    with pytest.raises(IncidentValidationError) as info:
        ph.to_vendor_status("mitigated")
    assert "pinghome" in str(info.value)
    assert "open, acknowledged, resolved" in str(info.value)


def test_ref_carries_the_team_and_an_id_alone_takes_the_connections() -> None:
    assert ph.split_ref(f"{TEAM}/i-1", None) == (TEAM, "i-1")
    assert ph.split_ref(f"{TEAM}/i-1", "other-team") == (TEAM, "i-1")
    assert ph.split_ref(" i-1 ", TEAM) == (TEAM, "i-1")
    with pytest.raises(IncidentValidationError, match="team_id") as info:
        ph.split_ref("i-1", None)
    assert info.value.field == "team_id"
    for bad in ("a/b/c", "/i-1", f"{TEAM}/", "a/b\x07c"):
        with pytest.raises(IncidentValidationError):
            ph.split_ref(bad, None)


def test_ids_are_path_encoded() -> None:
    request = ph.build_replace("../admin?x#y", {"name": "n"})
    assert request.path == "/incident/..%2Fadmin%3Fx%23y"
    assert request.service == ph.CMD
    assert request.write
    listing = ph.build_list("t/..", limit=5, cursor="2026-11-01T10:00:00Z")
    assert listing.path == "/team/t%2F../incidents"
    assert listing.service == ph.QUERY
    assert listing.params == (("limit", "5"), ("last_received_at", "2026-11-01T10:00:00Z"))


def test_a_list_takes_one_team_in_place_of_the_connections_and_no_services() -> None:
    assert ph.list_team((), ()) is None
    assert ph.list_team((), [f" {TEAM} "]) == TEAM
    assert ph.list_team((), [TEAM, TEAM]) == TEAM, "one team named twice is still one team"
    with pytest.raises(IncidentValidationError, match="pinghome: invalid 'teams': names 2 teams") as info:
        ph.list_team((), [TEAM, "c03b02ec-244f-4d2c-8f68-3910071ed5c8"])
    assert "one task per team" in str(info.value)
    with pytest.raises(IncidentValidationError, match="pinghome: invalid 'services'") as info:
        ph.list_team(["svc-1"], [TEAM])
    assert info.value.field == "services"
    assert "give one team id in teams, or set team_id on the connection" in str(info.value)
    with pytest.raises(IncidentValidationError, match="'teams'"):
        ph.list_team((), [""])


# ---------------------------------------------------------------- reading


def test_incident_is_normalized_with_a_team_ref() -> None:
    incident = ph.incident_from_json(incident_json(), "ignored-team")
    assert incident.vendor == "pinghome"
    assert incident.ref == f"{TEAM}/b7c2eaef-083c-42a6-9a8f-f3e8b3e54048"
    assert incident.title == "Checkout API error rate above 5%"
    assert (incident.status, incident.phase, incident.severity) == ("open", Phase.OPEN, "high")
    assert incident.assignees == (f"team:{TEAM}", "u-1")
    assert incident.created_at is not None
    assert incident.created_at.microsecond == 1
    assert incident.url is None
    assert incident.raw is None


def test_raw_is_opt_in_and_redacts_secrets_in_action_settings() -> None:
    raw = ph.incident_from_json(incident_json(), TEAM, include_raw=True).raw
    assert raw is not None
    assert raw["actions"][0]["settings"][0]["token"] == "***"
    assert raw["actions"][0]["settings"][0]["status_page_id"] == "sp-1"
    assert "hook-secret-123" not in json.dumps(raw)


def test_vendor_casing_epoch_times_and_a_missing_status_are_read() -> None:
    upper = ph.incident_from_json(incident_json(status="RESOLVED", urgency="MEDIUM"), TEAM)
    assert (upper.status, upper.phase, upper.severity) == ("resolved", Phase.RESOLVED, "medium")
    epoch = ph.incident_from_json(incident_json(created_at=1_764_000_000_000, received_at=None), TEAM)
    assert epoch.created_at is not None
    assert epoch.created_at.year == 2025
    no_status = incident_json()
    del no_status["status"]
    assert ph.incident_from_json(no_status, TEAM).status == "open"
    assert (
        ph.incident_from_json({**no_status, "resolved_at": "2026-11-02T00:00:00Z"}, TEAM).status == "resolved"
    )


def test_url_comes_from_the_connection_template() -> None:
    template = "https://app.example.com/teams/{team_id}/incidents/{incident_id}"
    incident = ph.incident_from_json(incident_json(id="a b"), TEAM, url_template=template)
    assert incident.url == f"https://app.example.com/teams/{TEAM}/incidents/a%20b"
    assert url_template_problem(template, ph.URL_PLACEHOLDERS) is None
    assert url_template_problem("ftp://x/{incident_id}", ph.URL_PLACEHOLDERS) == "must be an http(s):// URL"
    assert "placeholders" in str(url_template_problem("https://x/{nope}/{incident_id}", ph.URL_PLACEHOLDERS))
    assert "incident_id" in str(url_template_problem("https://x/{team_id}", ph.URL_PLACEHOLDERS))


def test_list_pages_follow_the_cursor_in_any_of_the_likely_shapes() -> None:
    items = [incident_json(id="1", received_at="t1"), incident_json(id="2", received_at="t2")]
    assert ph.parse_list(response(200, {"incidents": items, "last_received_at": "t2"}), 2)[1] == "t2"
    assert ph.parse_list(response(200, {"incidents": items, "last_received_at": None}), 2)[1] is None
    assert ph.parse_list(response(200, items), 2) == (items, "t2")
    assert ph.parse_list(response(200, items), 3) == (items, None), "a short page is the last"
    assert ph.parse_list(response(200, {"data": items}), 2)[1] == "t2"
    assert ph.parse_list(response(200, {"data": {"items": items}}), 5) == (items, None)
    assert ph.parse_list(response(200, []), 2) == ([], None)
    with pytest.raises(ValueError, match="incidents"):
        ph.parse_list(response(200, {"unexpected": True}), 2)
    assert ph.find(items, "2") == items[1]
    assert ph.find(items, "3") is None


def test_connection_check_reads_one_incident_or_the_health_check() -> None:
    assert ph.build_connection_check(TEAM).params == (("limit", "1"),)
    assert ph.build_connection_check(None).path == "/health-check"


# ---------------------------------------------------------------- writing


def test_update_fields_map_and_are_validated_before_sending() -> None:
    changes = ph.validate_update(
        IncidentUpdate(title="New", severity="Medium", assignees=("u-2", "team:t-1"), status="Acknowledged")
    )
    assert changes == {
        "name": "New",
        "urgency": "medium",
        "assignees": [{"type": "user", "id": "u-2"}, {"type": "team", "id": "t-1"}],
        "status": "acknowledged",
    }
    with pytest.raises(IncidentValidationError, match="low, medium, high"):
        ph.validate_update(IncidentUpdate(severity="critical"))
    with pytest.raises(IncidentValidationError, match="user, team"):
        ph.validate_update(IncidentUpdate(assignees=("group:g-1",)))
    assert ph.assignee_objects(["team:a:b"]) == [{"type": "team", "id": "a:b"}]
    with pytest.raises(IncidentValidationError, match="assignees"):
        ph.validate_update(IncidentUpdate(assignees=("team:",)))
    with pytest.raises(IncidentValidationError, match="title"):
        ph.validate_update(IncidentUpdate(title="  "))
    with pytest.raises(IncidentValidationError, match="resolution"):
        ph.validate_update(IncidentUpdate(resolution="fixed"))
    with pytest.raises(UnsupportedOperationError, match="description"):
        ph.validate_update(IncidentUpdate(description="new text", note="and a note"))


def test_vendor_fields_allow_actions_only() -> None:
    actions = [{"type": "trigger-alerts", "settings": [{"status_page_id": "sp"}]}]
    assert ph.validate_update(IncidentUpdate(vendor_fields={"actions": actions})) == {"actions": actions}
    with pytest.raises(IncidentValidationError, match=r"vendor_fields\.urgency.*'severity' argument"):
        ph.validate_update(IncidentUpdate(vendor_fields={"urgency": "high"}))
    with pytest.raises(IncidentValidationError, match="allowed: actions"):
        ph.validate_update(IncidentUpdate(vendor_fields={"priority": "P1"}))
    with pytest.raises(IncidentValidationError, match=r"actions\[0\]"):
        ph.validate_update(IncidentUpdate(vendor_fields={"actions": [{"settings": []}]}))
    with pytest.raises(IncidentValidationError, match="settings"):
        ph.validate_update(IncidentUpdate(vendor_fields={"actions": [{"type": "x", "settings": "no"}]}))


def test_a_merged_body_is_the_whole_incident_with_the_change() -> None:
    current = incident_json()
    body = ph.merged_body(current, {"name": "Renamed"}, [])
    assert body == {
        "name": "Renamed",
        "description": "Errors since 10:02",
        "urgency": "high",
        "assignees": [{"type": "team", "id": TEAM}, {"type": "user", "id": "u-1"}],
        "actions": current["actions"],
    }
    assert "status" not in body, "the undocumented status is sent only when it changes"
    assert ph.changed_fields(current, body) == ["name"]
    assert ph.changed_fields(current, ph.merged_body(current, {"status": "open"}, [])) == []


def test_notes_are_appended_to_the_description_with_their_marker() -> None:
    note = ph.note_text("Restarted workers", "k1")
    body = ph.merged_body(incident_json(), {}, [note])
    assert body["description"] == "Errors since 10:02\n\n---\nRestarted workers\n\n[airflow-idem:k1]"
    assert ph.has_note(body["description"], "k1")
    assert not ph.has_note(body["description"], "k2")
    assert not ph.has_note(body["description"], None)
    assert ph.append_note("", "first") == "first"
    with pytest.raises(IncidentValidationError, match="5000"):
        ph.validate_note("x" * 5001)


def test_read_back_names_the_fields_that_did_not_take() -> None:
    sent = {**ph.merged_body(incident_json(), {"name": "New"}, []), "status": "resolved"}
    assert ph.not_taken(sent, incident_json(name="New", status="resolved")) == []
    missing = ph.not_taken(sent, incident_json(name="New"))
    assert missing == ["status"]
    message = ph.describe_not_taken(missing, sent, incident_json(name="New"))
    assert "'status' is 'open', sent 'resolved'" in message
    assert "Pinghome app" in message
    reordered = incident_json(
        name="New", status="resolved", assignees=list(reversed(incident_json()["assignees"]))
    )
    assert ph.not_taken(sent, reordered) == [], "assignee order is not a difference"


# ---------------------------------------------------------------- create, escalate, reassign


def test_create_body_is_validated_like_an_update() -> None:
    body = ph.validate_create(
        IncidentCreate(title="Disk full", description="95%", severity="HIGH", assignees=("u-1", "team:t-1"))
    )
    assert body == {
        "name": "Disk full",
        "description": "95%",
        "urgency": "high",
        "assignees": [{"type": "user", "id": "u-1"}, {"type": "team", "id": "t-1"}],
    }
    assert ph.validate_create(IncidentCreate(title="t")) == {
        "name": "t",
        "description": "",
        "urgency": ph.CREATE_URGENCY,
    }
    for create, match in (
        (IncidentCreate(title=" "), "title"),
        (IncidentCreate(title="t", severity="sev1"), "low, medium, high"),
        (IncidentCreate(title="t", assignees=("group:g",)), "user, team"),
        (IncidentCreate(title="t", vendor_fields={"name": "x"}), "'title' argument"),
        (IncidentCreate(title="t", vendor_fields={"status": "open"}), "allowed: actions"),
    ):
        with pytest.raises(IncidentValidationError, match=match):
            ph.validate_create(create)


def test_the_dedup_key_is_a_visible_marker_line_of_the_description() -> None:
    assert ph.created_description("95%", "k1") == "95%\n\n[airflow-idem:k1]"
    assert ph.created_description("", "k1") == "[airflow-idem:k1]"
    assert ph.created_description("95%", None) == "95%"
    assert ph.carries_dedup_key(incident_json(description="x\n\n[airflow-idem:k1]"), "k1")
    assert not ph.carries_dedup_key(incident_json(description="x\n\n[airflow-idem:k1]"), "k2")
    assert not ph.carries_dedup_key(incident_json(description=None), "k1")


def test_create_request_and_its_answer() -> None:
    request = ph.build_create(TEAM, {"name": "n"})
    assert (request.method, request.path, request.service) == ("POST", f"/team/{TEAM}/incident", ph.CMD)
    assert request.write
    assert not request.idempotent, "a lost answer is checked for, never blindly resent"
    for body in (
        {"message": "Incident created", "id": "i-1"},
        {"incident": {"id": "i-1"}},
        {"data": {"id": "i-1"}},
    ):
        assert ph.parse_created(response(201, body)) == "i-1"
    with pytest.raises(ValueError, match="no incident id"):
        ph.parse_created(response(201, {"message": "Incident created"}))


@pytest.mark.parametrize(("current", "expected"), [("low", "medium"), ("Medium", "high"), ("high", None)])
def test_one_step_is_the_next_urgency_as_an_absolute_word(current: str, expected: str | None) -> None:
    assert ph.next_urgency(incident_json(urgency=current)) == expected


def test_one_step_from_an_urgency_off_the_scale_asks_for_an_explicit_severity() -> None:
    with pytest.raises(IncidentValidationError, match="severity="):
        ph.next_urgency(incident_json(urgency="critical"))


def test_escalation_targets_are_validated_and_levels_are_unsupported() -> None:
    assert ph.validate_escalation(Escalation()) == {}
    assert ph.validate_escalation(Escalation(severity="LOW", assignees=("team:t-1",))) == {
        "urgency": "low",
        "assignees": [{"type": "team", "id": "t-1"}],
    }
    with pytest.raises(UnsupportedOperationError, match=r"escalation_level.*severity="):
        ph.validate_escalation(Escalation(escalation_level=2))
    with pytest.raises(IncidentValidationError, match="low, medium, high"):
        ph.validate_escalation(Escalation(severity="sev1"))
    with pytest.raises(IncidentValidationError, match="at least one"):
        ph.validate_escalation(Escalation(assignees=()))
    with pytest.raises(IncidentValidationError, match="note"):
        ph.validate_escalation(Escalation(severity="high", note=" "))


def test_same_assignees_ignores_order() -> None:
    current = incident_json()
    wanted = ph.assignee_objects(["u-1", f"team:{TEAM}"])
    assert ph.same_assignees(current, wanted)
    assert not ph.same_assignees(current, wanted[:1])
    assert not ph.same_assignees(incident_json(assignees=[]), wanted)


# ---------------------------------------------------------------- authentication


def test_sign_in_request_never_shows_the_password_in_its_repr() -> None:
    request = ph.build_sign_in("oncall@example.com", "s3cret-password")
    assert (request.method, request.path, request.service) == ("POST", "/v1/auth", ph.AUTH)
    assert "s3cret-password" not in repr(request)
    assert json.loads(json.dumps(request.json)) == {
        "email": "oncall@example.com",
        "password": "s3cret-password",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"access_token": "tok-1", "expires_in": 3600}, ("tok-1", 3600.0)),
        ({"tokens": {"access_token": "tok-2"}, "account": {}}, ("tok-2", None)),
        ({"AuthenticationResult": {"AccessToken": "tok-3", "ExpiresIn": 300}}, ("tok-3", 300.0)),
        ({"data": {"token": "tok-4", "expiresIn": 0}}, ("tok-4", None)),
    ],
)
def test_sign_in_token_is_found_in_the_likely_shapes(body: dict[str, Any], expected: tuple[str, Any]) -> None:
    assert ph.parse_sign_in(response(200, body)) == expected


def test_sign_in_without_a_token_does_not_quote_the_body() -> None:
    with pytest.raises(ValueError, match="no access token") as info:
        ph.parse_sign_in(response(200, {"refresh_token": "refresh-secret"}))
    assert "refresh-secret" not in str(info.value)


# ---------------------------------------------------------------- errors and rate limits


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"message": "Unauthorized"}, ("Unauthorized", None, ())),
        ({"error": "Conflict", "message": "Incident is locked"}, ("Conflict: Incident is locked", None, ())),
        (
            {"message": "Validation failed", "errors": [{"field": "urgency", "message": "bad"}]},
            ("Validation failed", None, ("urgency: bad",)),
        ),
        (
            {"errors": {"name": ["is required"]}},
            ("HTTP 422 Unprocessable Entity", None, ("name: is required",)),
        ),
        ({"error": {"message": "Nope", "code": "E42"}}, ("Nope", "E42", ())),
        ({"code": 7, "message": "x"}, ("x", "7", ())),
        (None, ("HTTP 422 Unprocessable Entity", None, ())),
    ],
)
def test_undocumented_error_bodies_are_read_defensively(body: Any, expected: tuple[Any, ...]) -> None:
    assert ph.parse_error(response(422, body)) == expected


def test_a_non_json_error_leaves_the_text_to_the_hook() -> None:
    assert ph.parse_error(response(502, None, text="<html>Bad gateway</html>")) == ("", None, ())
    assert not ph.is_conflict("409")


def test_retry_after_reads_seconds_dates_and_reset_headers() -> None:
    assert ph.retry_after(response(429, headers={"retry-after": "2.5"})) == 2.5
    dated = ph.retry_after(response(429, headers={"retry-after": formatdate(time.time() + 30, usegmt=True)}))
    assert dated is not None
    assert 20 < dated <= 30
    epoch = ph.retry_after(response(429, headers={"x-ratelimit-reset": str(int(time.time()) + 10)}))
    assert epoch is not None
    assert 5 < epoch <= 10
    assert ph.retry_after(response(429, headers={"x-ratelimit-reset": "7"})) == 7.0
    assert ph.retry_after(response(429)) is None
    assert ph.retry_after(response(429, headers={"retry-after": "soon", "x-ratelimit-reset": "x"})) is None


def test_path_prefix_is_a_plain_path() -> None:
    assert ph.normalize_path_prefix("/v1") == "/v1"
    assert ph.normalize_path_prefix("default/v1/") == "/default/v1"
    assert ph.normalize_path_prefix("") == ""
    assert ph.normalize_path_prefix("/v1?x=1") is None
    assert ph.normalize_path_prefix("/v1/../admin") is None


def test_a_name_longer_than_the_limit_is_refused_before_sending() -> None:
    longest = "n" * ph.NAME_MAX_LENGTH
    assert ph.validate_update(IncidentUpdate(title=longest))["name"] == longest
    assert ph.validate_create(IncidentCreate(title=longest))["name"] == longest
    refused = f"'title': must be 1 to {ph.NAME_MAX_LENGTH} characters"
    for title in (longest + "n", " "):
        with pytest.raises(IncidentValidationError, match=refused):
            ph.validate_update(IncidentUpdate(title=title))
        with pytest.raises(IncidentValidationError, match=refused):
            ph.validate_create(IncidentCreate(title=title))
