"""Contract tests: each request the Rootly vendor module builds, as it goes on the wire, against Rootly's
OpenAPI 3.0 spec; and each response the sandbox sends, against the spec's response schemas.

The schemas come from ``rootly_schemas.json``, an extract of Rootly's ``swagger/v1/swagger.json`` (as
committed in ``rootlyhq/rootly-mcp-server``) with every ``$ref`` inlined; ``scripts/extract_schemas.py
rootly`` makes it and its ``source`` object names the commit. ``openapi_check`` renders each request as the
transport sends it and checks it against the operation it is for. What is Rootly's own: the incident ``id``
path parameter is a UUID or a slug; each operation names its bearer security requirement; the body is
``application/vnd.api+json``; the extract also keeps each response schema, which the sandbox is held to.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from airflow_incident_provider.models import FromTriage, IncidentCreate, IncidentUpdate
from airflow_incident_provider.sandbox.rootly.seed import ROLES, USERS
from airflow_incident_provider.vendors import rootly as rl
from airflow_incident_provider.vendors.base import Request
from airflow_incident_provider.vendors.rootly import changes as rootly_changes
from tests.contract.openapi_check import (
    BEARER,
    Contract,
    Credentials,
    assert_parameter_schemas,
    assert_self_contained,
    load_extract,
    schema_errors,
)
from tests.fixtures_rootly import RootlySandbox

CONTRACT = Contract(
    vendor="Rootly",
    extract=load_extract("rootly_schemas.json"),
    base_url=rl.BASE_URL,
    credentials=Credentials(BEARER, "'Bearer <key>'"),
)
EXTRACT = CONTRACT.extract
OPERATIONS = CONTRACT.operations
SCHEMAS: dict[str, Any] = EXTRACT["schemas"]

TOKEN = "rootly-contract-key-0a1b2c"
INCIDENT_ID = "e2823ca6-7112-442c-b913-69bf705af341"
SEVERITY_ID = "0ff13b2e-5d97-4412-8ee3-77fc22cfd662"
SERVICE_A = "3f9a1b20-6c1d-4e2f-9a3b-4c5d6e7f8a90"
SERVICE_B = "b8c2d4e6-1a3b-4c5d-8e9f-0a1b2c3d4e5f"
TEAM_A = "9b2e7c10-2d3e-4f5a-8b6c-7d8e9f0a1b2c"


def assert_conforms(request: Request) -> None:
    """Fail unless ``request``, sent with the hook's headers, conforms."""
    CONTRACT.assert_conforms(request, rl.headers(TOKEN))


def attributes_of(request: Request) -> dict[str, Any]:
    attributes: dict[str, Any] = request.json["data"]["attributes"]
    return attributes


# --- the extract itself ---------------------------------------------------------------------------------


def test_extract_names_its_source_and_is_self_contained() -> None:
    source = assert_self_contained(
        EXTRACT, "rootlyhq/rootly-mcp-server", "src/rootly_mcp_server/data/swagger.json"
    )
    assert source["commit"] == "4fa62718f9a4f6e2db236754d14ec8c4314e8780"
    for scheme in EXTRACT["security_schemes"].values():
        assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for operation in OPERATIONS.values():
        assert set(operation["responses"].values()) <= set(SCHEMAS)


@pytest.mark.parametrize("key", list(OPERATIONS))
def test_extracted_schemas_are_valid_openapi_30_schemas(key: str) -> None:
    operation = OPERATIONS[key]
    assert_parameter_schemas(operation, {"path", "query"})
    if operation["method"] == "GET":
        assert operation["request_body"] is None
    else:
        assert operation["request_body"]["required"] is True
        OAS30Validator.check_schema(operation["request_body"]["schema"])
    for name in operation["responses"].values():
        OAS30Validator.check_schema(SCHEMAS[name])


def test_the_seed_page_request_example_validates() -> None:
    """The ``PUT /v1/incidents/{id}`` example of Rootly's reference page, with its placeholders filled in."""
    strings = (
        "title", "parent_incident_id", "duplicate_incident_id", "summary", "severity_id", "public_title",
        "slack_channel_id", "slack_channel_name", "slack_channel_url", "google_drive_parent_id",
        "google_drive_url", "scheduled_for", "scheduled_until", "in_triage_at", "started_at", "detected_at",
        "acknowledged_at", "mitigated_at", "resolved_at", "closed_at", "cancelled_at",
    )  # fmt: skip
    lists = ("alert_ids", "environment_ids", "incident_type_ids", "service_ids", "functionality_ids")
    example: dict[str, Any] = {name: "<string>" for name in strings}
    example |= {name: ["<string>"] for name in (*lists, "group_ids", "cause_ids")}
    example |= {"kind": "normal", "status": "in_triage", "private": False, "labels": {}}
    example["slack_channel_archived"] = True
    schema = OPERATIONS["PUT /v1/incidents/{id}"]["request_body"]["schema"]
    assert schema_errors({"data": {"type": "incidents", "attributes": example}}, schema, "example") == []


# --- negative controls: the checker does catch broken requests --------------------------------------------

_PUT = f"/v1/incidents/{INCIDENT_ID}"


@pytest.mark.parametrize(
    ("request_", "headers", "expected"),
    [
        pytest.param(
            Request("PUT", _PUT, json={"data": {"type": "incident", "attributes": {}}}, write=True),
            rl.headers(TOKEN),
            "body['data']['type']: 'incident' is not one of",
            id="bad-type",
        ),
        pytest.param(
            Request("PUT", _PUT, json={"data": {"type": "incidents"}}, write=True),
            rl.headers(TOKEN),
            "'attributes' is a required property",
            id="missing-attributes",
        ),
        pytest.param(
            Request(
                "PUT",
                _PUT,
                json={"data": {"type": "incidents", "attributes": {"status": "open"}}},
                write=True,
            ),
            rl.headers(TOKEN),
            "'open' is not one of",
            id="phase-word-as-status",
        ),
        pytest.param(
            Request(
                "PUT",
                _PUT,
                json={"data": {"type": "incidents", "attributes": {"urgency": "high"}}},
                write=True,
            ),
            rl.headers(TOKEN),
            "Additional properties are not allowed ('urgency'",
            id="unknown-attribute",
        ),
        pytest.param(
            Request(
                "PUT",
                _PUT,
                json={"data": {"type": "incidents", "attributes": {"service_ids": "s"}}},
                write=True,
            ),
            rl.headers(TOKEN),
            "is not of type 'array'",
            id="ids-not-a-list",
        ),
        pytest.param(
            Request(
                "PUT",
                f"{_PUT}/resolve",
                json={"data": {"type": "incidents", "attributes": {"mitigation_message": "x"}}},
                write=True,
            ),
            rl.headers(TOKEN),
            "Additional properties are not allowed ('mitigation_message'",
            id="wrong-message",
        ),
        pytest.param(
            Request(
                "POST",
                f"{_PUT}/events",
                json={"data": {"type": "incident_events", "attributes": {"visibility": "internal"}}},
                write=True,
            ),
            rl.headers(TOKEN),
            "'event' is a required property",
            id="event-without-text",
        ),
        pytest.param(
            Request(
                "POST",
                f"{_PUT}/events",
                json={
                    "data": {"type": "incident_events", "attributes": {"event": "x", "visibility": "public"}}
                },
                write=True,
            ),
            rl.headers(TOKEN),
            "'public' is not one of",
            id="bad-visibility",
        ),
        pytest.param(
            Request("PUT", _PUT, write=True), rl.headers(TOKEN), "body: required but absent", id="no-body"
        ),
        pytest.param(
            Request("GET", _PUT, json={"x": 1}), rl.headers(TOKEN), "takes no body", id="get-with-body"
        ),
        pytest.param(
            Request("PUT", _PUT, json={"data": {"type": "incidents", "attributes": {}}}, write=True),
            {**rl.headers(TOKEN), "Content-Type": "application/json"},
            "the spec takes 'application/vnd.api+json'",
            id="plain-json",
        ),
        pytest.param(
            Request("GET", "/v1/incidents"),
            {"Accept": rl.MEDIA_TYPE, "Authorization": f"Token token={TOKEN}"},
            "not 'Bearer <key>'",
            id="not-bearer",
        ),
        pytest.param(
            Request("GET", "/v1/incidents", params=(("filter[statuses]", "started"),)),
            rl.headers(TOKEN),
            "query 'filter[statuses]': not a parameter",
            id="undeclared-query",
        ),
        pytest.param(
            Request("GET", "/v1/incidents", params=(("page[size]", "ten"),)),
            rl.headers(TOKEN),
            "query 'page[size]': 'ten' is not of type 'integer'",
            id="non-integer-page-size",
        ),
        pytest.param(
            Request("GET", "/v1/incidents", params=(("sort", "title"),)),
            rl.headers(TOKEN),
            "'title' is not one of",
            id="bad-sort",
        ),
        pytest.param(
            Request("GET", "/v1/incidents", params=(("filter[status]", "a"), ("filter[status]", "b"))),
            rl.headers(TOKEN),
            "given 2 times",
            id="repeated-filter",
        ),
        pytest.param(
            Request("GET", "/v1/incidents/INC-42"), rl.headers(TOKEN), "path 'id'", id="id-not-uuid-or-slug"
        ),
        pytest.param(
            Request("GET", "/v1/incidents/%20"), rl.headers(TOKEN), "path 'id': empty", id="blank-id"
        ),
        pytest.param(
            Request("PUT", f"{_PUT}/start", json={}), rl.headers(TOKEN), "no operation", id="no-start"
        ),
        pytest.param(Request("DELETE", _PUT), rl.headers(TOKEN), "no operation", id="unknown-operation"),
    ],
)
def test_checker_catches_broken_requests(request_: Request, headers: dict[str, str], expected: str) -> None:
    CONTRACT.assert_catches(request_, headers, expected)


def test_checker_accepts_a_hand_written_good_request() -> None:
    request = Request(
        "PUT", _PUT, json={"data": {"type": "incidents", "attributes": {"status": "started"}}}, write=True
    )
    assert CONTRACT.check_request(request, rl.headers(TOKEN)) == []


# --- reads ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref", [INCIDENT_ID, INCIDENT_ID.upper(), "ut-autem-non-quod", "42", " my_incident "]
)
def test_get_incident(ref: str) -> None:
    request = rl.build_get(ref)
    found = CONTRACT.find_operation("GET", request.path)
    assert found is not None
    assert found[0] == "GET /v1/incidents/{id}"
    assert_conforms(request)


@pytest.mark.parametrize("status", [None, *rl.STATUS_PHASES])
def test_list_by_status(status: str | None) -> None:
    assert_conforms(rl.build_list(status=status, since=None, until=None, page=1, page_size=rl.LIST_PAGE_SIZE))


def test_list_scoped_to_services_and_teams_sends_the_specs_string_filters() -> None:
    parameters = {p["name"]: p for p in OPERATIONS["GET /v1/incidents"]["parameters"]}
    for name in ("filter[service_ids]", "filter[team_ids]"):
        assert parameters[name]["schema"] == {"type": "string"}, "one string: the ids go comma-separated"
    request = rl.build_list(
        status="started",
        since=None,
        until=None,
        page=1,
        page_size=rl.LIST_PAGE_SIZE,
        services=[SERVICE_A, SERVICE_B],
        teams=[TEAM_A],
    )
    assert dict(request.params)["filter[service_ids]"] == f"{SERVICE_A},{SERVICE_B}"
    assert dict(request.params)["filter[team_ids]"] == TEAM_A
    assert_conforms(request)


_SINCE = datetime(2026, 10, 1, 8, 30)
_UNTIL = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))


@pytest.mark.parametrize(("since", "until"), [(_SINCE, None), (None, _UNTIL), (_SINCE, _UNTIL)])
def test_list_by_dates(since: datetime | None, until: datetime | None) -> None:
    request = rl.build_list(status="started", since=since, until=until, page=7, page_size=25)
    for name, value in (("filter[created_at][gte]", since), ("filter[created_at][lte]", until)):
        if value is not None:
            assert datetime.fromisoformat(dict(request.params)[name]).tzinfo is not None
    assert_conforms(request)


@pytest.mark.parametrize("since", [_SINCE, _UNTIL, datetime(2026, 12, 7, 11, 0, tzinfo=UTC)])
@pytest.mark.parametrize("page", [1, 2, 40])
def test_change_feed_pages(since: datetime, page: int) -> None:
    """The waiting poller's read: incidents updated since a moment, most recently updated first."""
    request = rootly_changes.build_list_changes(since, page)
    params = dict(request.params)
    assert params["sort"] == "-updated_at"
    assert datetime.fromisoformat(params["filter[updated_at][gte]"]).tzinfo is not None
    assert_conforms(request)


@pytest.mark.parametrize(
    "request_",
    [
        rl.build_connection_check(),
        rl.build_severities(1),
        rl.build_severities(3),
        rl.build_list_events(INCIDENT_ID, 2),
    ],
    ids=["connection-check", "severities", "severities-page-3", "events"],
)
def test_other_reads(request_: Request) -> None:
    assert_conforms(request_)


# --- writes -----------------------------------------------------------------------------------------------

_VENDOR_VALUES: dict[str, Any] = {
    "kind": "test",
    "parent_incident_id": INCIDENT_ID,
    "duplicate_incident_id": None,
    "private": True,
    "public_title": "Checkout degraded",
    "alert_ids": ["a1"],
    "environment_ids": ["production"],
    "incident_type_ids": [],
    "service_ids": ["s1", "s2"],
    "functionality_ids": ["f1"],
    "muted_service_ids": ["s3"],
    "group_ids": ["g1"],
    "cause_ids": ["c1"],
    "labels": {"platform": "osx", "version": "1.29"},
    "slack_channel_id": "C0123",
    "slack_channel_name": "inc-checkout",
    "slack_channel_url": "https://slack.com/app_redirect?channel=C0123",
    "slack_channel_archived": False,
    "google_drive_parent_id": "folder-1",
    "google_drive_url": "https://docs.google.com/document/d/x",
    "jira_issue_key": "OPS-1",
    "jira_issue_id": "10001",
    "jira_issue_url": "https://example.atlassian.net/browse/OPS-1",
    "scheduled_for": "2026-12-01T02:00:00Z",
    "scheduled_until": datetime(2026, 12, 1, 4, tzinfo=UTC),
    "in_triage_at": "2026-11-01T10:00:00+00:00",
    "started_at": "2026-11-01T10:05:00+00:00",
    "detected_at": "2026-11-01T09:58:00Z",
    "acknowledged_at": "2026-11-01T10:06:00Z",
    "mitigated_at": "2026-11-01T10:30:00Z",
    "resolved_at": "2026-11-01T11:00:00Z",
    "closed_at": "2026-11-02T11:00:00Z",
    "cancelled_at": None,
    "mitigation_message": "Failed over",
    "resolution_message": "Rolled back",
    "cancellation_message": None,
}


def test_every_vendor_field_has_a_contract_case() -> None:
    assert set(_VENDOR_VALUES) == set(rl.VENDOR_FIELDS)


@pytest.mark.parametrize("key", list(rl.VENDOR_FIELDS))
def test_update_with_each_vendor_field(key: str) -> None:
    update = IncidentUpdate(vendor_fields={key: _VENDOR_VALUES[key]})
    request = rl.build_update(
        INCIDENT_ID, rl.update_attributes(update, rl.validate_update(update), severity=None, current=None)
    )
    assert key in attributes_of(request)
    assert_conforms(request)


def test_update_with_everything_at_once() -> None:
    update = IncidentUpdate(
        title="All of it", description="Summary", severity="SEV1", vendor_fields=_VENDOR_VALUES
    )
    attributes = rl.update_attributes(update, rl.validate_update(update), severity=SEVERITY_ID, current=None)
    attributes["status"] = "acknowledged"
    request = rl.build_update(INCIDENT_ID, attributes)
    assert {"title", "summary", "severity_id", "status"} <= set(attributes_of(request))
    assert_conforms(request)


def _plan_requests(current: str, target: str, from_triage: FromTriage, message: str | None) -> list[Request]:
    plan = rl.transition_plan(current, target, allow_reopen=True, from_triage=from_triage)
    return [rl.build_transition(INCIDENT_ID, transition, message) for transition in plan]


_WRITABLE = list(rl.WRITABLE_STATUSES)


@pytest.mark.parametrize("current", _WRITABLE)
@pytest.mark.parametrize("target", _WRITABLE)
def test_every_transition_plan_conforms(current: str, target: str) -> None:
    from_triage: FromTriage = "start"
    for request in _plan_requests(current, target, from_triage, "Because"):
        assert_conforms(request)


@pytest.mark.parametrize("message", [None, "", "Rolled back ✓"])
def test_transition_endpoints_with_and_without_messages(message: str | None) -> None:
    for action, status in (("resolve", "resolved"), ("mitigate", "mitigated"), ("cancel", "cancelled")):
        request = rl.build_transition(INCIDENT_ID, rl.Transition(action, action, status), message)
        assert request.path == f"{_PUT}/{action}"
        assert_conforms(request)
    assert_conforms(rl.build_transition(INCIDENT_ID, rl.RESTART))
    assert_conforms(rl.build_transition(INCIDENT_ID, rl.Transition("triage", "in_triage", "in_triage")))


@pytest.mark.parametrize("public", [False, True])
@pytest.mark.parametrize("text", ["Rolled back the deploy.", "ü ✓ 火事\nsecond line", "x" * 20_000])
def test_create_event(public: bool, text: str) -> None:
    request = rl.build_event(
        INCIDENT_ID, rl.event_text(text, "0123456789abcdef", public=public), public=public
    )
    assert attributes_of(request)["visibility"] == ("external" if public else "internal")
    assert_conforms(request)


# --- create, escalate, reassign ---------------------------------------------------------------------


_CREATE_VALUES = {key: value for key, value in _VENDOR_VALUES.items() if key in rl.CREATE_VENDOR_FIELDS}


@pytest.mark.parametrize("key", list(rl.CREATE_VENDOR_FIELDS))
def test_create_with_each_vendor_field(key: str) -> None:
    create = IncidentCreate(title="t", vendor_fields={key: _CREATE_VALUES[key]}, dedup_key="k-1")
    request = rl.build_create(rl.create_attributes(create, rl.validate_create(create), severity=None))
    assert key in attributes_of(request)
    assert_conforms(request)


def test_create_with_everything_at_once() -> None:
    create = IncidentCreate(
        title="All of it", description="Summary", severity="SEV1", vendor_fields=_CREATE_VALUES, dedup_key="k"
    )
    request = rl.build_create(rl.create_attributes(create, rl.validate_create(create), severity=SEVERITY_ID))
    assert attributes_of(request)["labels"][rl.DEDUP_LABEL] == "k"
    assert attributes_of(request)["status"] == "started"
    assert_conforms(request)


@pytest.mark.parametrize(
    "request_",
    [
        rl.build_find_dedup("0123456789abcdef", 1),
        rl.build_find_dedup("alert/42@prod", 3),
        rl.build_get_with_roles(INCIDENT_ID),
        rl.build_incident_roles(1),
        rl.build_assign_role(INCIDENT_ID, "4102", "7d1c0b2a-0000-4000-8000-000000000001"),
        rl.build_unassign_role("my-incident", "4102", "7d1c0b2a-0000-4000-8000-000000000001"),
    ],
    ids=["dedup-lookup", "dedup-lookup-page-3", "get-with-roles", "roles", "assign", "unassign"],
)
def test_create_escalate_and_reassign_requests(request_: Request) -> None:
    assert_conforms(request_)


def test_sandbox_create_and_role_responses_validate_against_the_spec(rootly: RootlySandbox) -> None:
    api = rootly.api
    commander = ROLES[0]
    severity = api.get("/v1/severities").json()["data"][0]["id"]  # the spec's severity is not nullable
    attributes = {"title": "New", "labels": {"k": "v"}, "severity_id": severity}
    created = api.post("/v1/incidents", json=document("incidents", attributes))
    incident_id = created.json()["data"]["id"]
    assignment = document("incidents", {"user_id": USERS[1].id, "incident_role_id": commander.id})
    calls: list[tuple[str, httpx.Response]] = [
        ("POST /v1/incidents", created),
        ("POST /v1/incidents", api.post("/v1/incidents", json=document("incidents", {"severity_id": "x"}))),
        ("GET /v1/incident_roles", api.get("/v1/incident_roles")),
        (
            "POST /v1/incidents/{id}/assign_role_to_user",
            api.post(f"/v1/incidents/{incident_id}/assign_role_to_user", json=assignment),
        ),
        (
            "GET /v1/incidents/{id}",
            api.get(f"/v1/incidents/{incident_id}", params={"include": "roles"}),
        ),
        (
            "DELETE /v1/incidents/{id}/unassign_role_from_user",
            api.request("DELETE", f"/v1/incidents/{incident_id}/unassign_role_from_user", json=assignment),
        ),
        (
            "POST /v1/incidents/{id}/assign_role_to_user",
            api.post(f"/v1/incidents/{MISSING_ID}/assign_role_to_user", json=assignment),
        ),
    ]
    assert [response.status_code for _, response in calls] == [201, 422, 200, 200, 200, 200, 404]
    assert calls[4][1].json()["included"][0]["type"] == rl.ROLE_ASSIGNMENT_TYPE
    problems = [problem for key, response in calls for problem in response_errors(key, response)]
    assert problems == []


MISSING_ID = "00000000-0000-4000-8000-000000000404"


# --- properties -------------------------------------------------------------------------------------------

_IDS = st.from_regex(r"[a-z0-9_-]{1,40}", fullmatch=True) | st.uuids().map(str)
_TEXT = st.text(min_size=1, max_size=60).filter(str.strip)
_DATES = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.none()
    | st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]),
)


@st.composite
def _vendor_fields(draw: st.DrawFn) -> dict[str, Any]:
    strategies: dict[str, st.SearchStrategy[Any]] = {
        "string": st.none() | st.text(max_size=40),
        "boolean": st.none() | st.booleans(),
        "ids": st.none() | st.lists(_IDS, max_size=3),
        "labels": st.none()
        | st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=3),
        "datetime": st.none() | _DATES | _DATES.map(lambda moment: moment.isoformat()),
        "kind": st.sampled_from(rl.KINDS),
    }
    keys = draw(
        st.lists(st.sampled_from(sorted(set(rl.VENDOR_FIELDS) - {"mitigated_at"})), max_size=6, unique=True)
    )
    return {key: draw(strategies[rl.VENDOR_FIELDS[key]]) for key in keys}


@settings(max_examples=150, deadline=None)
@given(
    title=st.none() | _TEXT,
    description=st.none() | st.text(max_size=80),
    fields=_vendor_fields(),
    status=st.none() | st.sampled_from(_WRITABLE),
    ref=_IDS,
)
def test_property_any_valid_update_conforms(
    title: str | None, description: str | None, fields: dict[str, Any], status: str | None, ref: str
) -> None:
    update = IncidentUpdate(title=title, description=description, vendor_fields=fields)
    attributes = rl.update_attributes(update, rl.validate_update(update), severity=None, current=None)
    if status is not None:
        attributes["status"] = status
    assert_conforms(rl.build_update(ref, attributes))


@settings(max_examples=150, deadline=None)
@given(
    status=st.none() | st.sampled_from(list(rl.STATUS_PHASES)),
    since=st.none() | _DATES,
    until=st.none() | _DATES,
    page=st.integers(min_value=1, max_value=10_000),
    page_size=st.integers(min_value=1, max_value=rl.LIST_PAGE_SIZE),
    services=st.lists(_IDS, max_size=3),
    teams=st.lists(_IDS, max_size=3),
    note=st.text(min_size=1, max_size=200).filter(str.strip),
    public=st.booleans(),
    ref=_IDS,
)
def test_property_any_valid_list_and_event_conforms(
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    page: int,
    page_size: int,
    services: list[str],
    teams: list[str],
    note: str,
    public: bool,
    ref: str,
) -> None:
    request = rl.build_list(
        status=status,
        since=since,
        until=until,
        page=page,
        page_size=page_size,
        services=services,
        teams=teams,
    )
    for name, ids in (("filter[service_ids]", services), ("filter[team_ids]", teams)):
        sent = dict(request.params).get(name)
        assert set(sent.split(",") if sent else ()) == set(ids)
    assert_conforms(request)
    assert_conforms(rl.build_event(ref, note, public=public))
    assert_conforms(rl.build_list_events(ref, page))


@settings(max_examples=100, deadline=None)
@given(ref=st.text(alphabet=string.printable, min_size=1, max_size=40))
def test_property_any_id_the_module_accepts_conforms(ref: str) -> None:
    try:
        request = rl.build_get(ref)
    except ValueError:
        return  # refused before sending, which is the point
    assert_conforms(request)


# --- the sandbox answers in the spec's shapes -------------------------------------------------------------


def document(resource_type: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"type": resource_type, "attributes": attributes}}


def response_errors(operation_key: str, response: httpx.Response) -> list[str]:
    name = OPERATIONS[operation_key]["responses"].get(str(response.status_code))
    if name is None:
        return [f"{operation_key} documents no {response.status_code} response"]
    return schema_errors(response.json(), SCHEMAS[name], f"{operation_key} {response.status_code}")


def test_sandbox_responses_validate_against_the_spec(rootly: RootlySandbox) -> None:
    api = rootly.api
    started = rootly.with_status("started")
    with_bridge = rootly.with_status("acknowledged")
    triage = rootly.with_status("in_triage")
    update = document("incidents", {"title": "Renamed", "labels": {"a": "b"}})

    def put(ref: str, suffix: str, body: dict[str, Any]) -> tuple[str, httpx.Response]:
        return f"PUT /v1/incidents/{{id}}{suffix}", api.put(f"/v1/incidents/{ref}{suffix}", json=body)

    def post_event(attributes: dict[str, Any]) -> tuple[str, httpx.Response]:
        response = api.post(f"/v1/incidents/{started}/events", json=document("incident_events", attributes))
        return "POST /v1/incidents/{incident_id}/events", response

    calls: list[tuple[str, httpx.Response]] = [
        ("GET /v1/incidents", api.get("/v1/incidents", params={"page[size]": 3, "page[number]": 2})),
        ("GET /v1/incidents/{id}", api.get(f"/v1/incidents/{with_bridge}")),
        ("GET /v1/incidents/{id}", api.get("/v1/incidents/no-such-incident")),
        put(started, "", update),
        put(started, "/mitigate", document("incidents", {"mitigation_message": "m"})),
        put(started, "/resolve", document("incidents", {})),
        put(started, "/restart", {"data": {"type": "incidents"}}),
        put(started, "/in_triage", {"data": {"type": "incidents"}}),
        put(triage, "/cancel", document("incidents", {})),
        post_event({"event": "e"}),
        post_event({}),
        ("GET /v1/incidents/{incident_id}/events", api.get(f"/v1/incidents/{started}/events")),
        ("GET /v1/severities", api.get("/v1/severities")),
    ]
    assert [response.status_code for _, response in calls] == [
        200,
        200,
        404,
        200,
        200,
        200,
        200,
        200,
        200,
        201,
        422,
        200,
        200,
    ]
    problems = [problem for key, response in calls for problem in response_errors(key, response)]
    assert problems == []
    unauthorized = httpx.post(
        f"{rootly.url}/v1/incidents/{started}/events", json={}, headers={"Authorization": "Bearer x"}
    )
    assert response_errors("POST /v1/incidents/{incident_id}/events", unauthorized) == []


def test_response_validation_is_not_vacuous() -> None:
    assert schema_errors(
        {"data": {"id": "x", "type": "incidents", "attributes": {}}}, SCHEMAS["incident_response"], "r"
    )
    assert schema_errors({"errors": [{"title": "x", "status": 404}]}, SCHEMAS["errors_list"], "r")
