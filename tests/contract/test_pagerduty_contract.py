"""Contract tests: each request the PagerDuty vendor module builds, as it goes on the wire, against
PagerDuty's OpenAPI 3.0 spec.

The schemas come from ``pagerduty_schemas.json``, an extract of ``PagerDuty/api-schema``'s
``reference/REST/openapiv3.json`` with every ``$ref`` inlined (``scripts/extract_schemas.py pagerduty`` makes
it; its ``source`` object names the commit). ``openapi_check`` renders each request as the transport sends it
and checks it against the operation it is for. What is PagerDuty's own: every operation requires the
``Accept`` and ``Content-Type`` headers and each write a ``From`` email address; the credentials are
``Token token=<key>`` (or ``Bearer <token>`` for OAuth); query arrays are repeated ``name[]`` parameters.
"""

from __future__ import annotations

import dataclasses
import re
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Escalation, Incident, IncidentCreate, IncidentUpdate
from airflow_incident_provider.vendors import pagerduty as pd
from airflow_incident_provider.vendors.base import Request
from tests.contract.agreement_pagerduty import PD_UPDATE
from tests.contract.openapi_check import (
    Contract,
    Credentials,
    assert_parameter_schemas,
    assert_self_contained,
    load_extract,
    schema_errors,
)
from tests.contract.sandbox_agreement import judge

AUTHORIZATION = re.compile(r"^(?:Token token=|Bearer )\S+$")
"""The spec documents ``Token token=<API_KEY>``; OAuth access tokens go as ``Bearer <token>``."""
CONTRACT = Contract(
    vendor="PagerDuty",
    extract=load_extract("pagerduty_schemas.json"),
    base_url=pd.BASE_URLS["us"],
    credentials=Credentials(AUTHORIZATION, "'Token token=<key>' or 'Bearer <token>'"),
)
EXTRACT = CONTRACT.extract
OPERATIONS = CONTRACT.operations

FROM_EMAIL = "oncall@example.com"
TOKEN = "pd-contract-token-0a1b2c"
INCIDENT_ID = "Q1AAA2BBB3CCC"
PRIORITIES = [{"id": "PP1", "name": "P1"}, {"id": "PP2", "name": "P2"}, {"id": "PP3", "name": "P3"}]


def send_headers(request: Request, auth_kind: str = "api_key") -> dict[str, str]:
    """What the PagerDuty hook sends: the module's headers plus ``Authorization``."""
    result = pd.headers(from_email=FROM_EMAIL, write=request.write)
    result["Authorization"] = pd.authorization(TOKEN, auth_kind)
    return result


def assert_conforms(request: Request, auth_kind: str = "api_key") -> None:
    """Fail unless ``request``, sent as the hook sends it with an ``auth_kind`` token, conforms."""
    CONTRACT.assert_conforms(request, send_headers(request, auth_kind))


def current_incident(status: str) -> Incident:
    return pd.incident_from_json({"id": INCIDENT_ID, "status": status, "title": "Disk full"})


def update_request(update: IncidentUpdate, current: Incident | None = None) -> Request:
    return pd.build_update(INCIDENT_ID, pd.update_fields(update, current=current, priorities=PRIORITIES))


def incident_body(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = request.json["incident"]
    return body


# --- the extract itself ---------------------------------------------------------------------------------


def test_extract_names_its_source_and_is_self_contained() -> None:
    assert_self_contained(EXTRACT, "PagerDuty/api-schema", "reference/REST/openapiv3.json")
    assert list(OPERATIONS) == [
        "GET /incidents",
        "POST /incidents",
        "PUT /incidents",
        "GET /incidents/{id}",
        "PUT /incidents/{id}",
        "GET /incidents/{id}/notes",
        "POST /incidents/{id}/notes",
        "GET /log_entries",
        "GET /priorities",
    ]


@pytest.mark.parametrize("key", list(OPERATIONS))
def test_extracted_schemas_are_valid_openapi_30_schemas(key: str) -> None:
    operation = OPERATIONS[key]
    assert_parameter_schemas(operation, {"path", "query", "header"})
    headers = {p["name"]: p["required"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers["Accept"] is True
    assert headers["Content-Type"] is True
    assert headers.get("From") is (True if operation["method"] != "GET" else None)
    if operation["method"] == "GET":
        assert operation["request_body"] is None
    else:
        OAS30Validator.check_schema(operation["request_body"]["schema"])


@pytest.mark.parametrize("key", ["PUT /incidents", "PUT /incidents/{id}", "POST /incidents/{id}/notes"])
def test_spec_request_examples_validate_against_the_copied_schemas(key: str) -> None:
    body = OPERATIONS[key]["request_body"]
    assert body["examples"]
    for example in body["examples"].values():
        assert schema_errors(example, body["schema"], "example") == []


def test_create_incident_example_in_spec_disagrees_with_its_own_schema() -> None:
    """Worth knowing before building ``POST /incidents``: the spec's example sends ``body.details`` as a
    string while ``IncidentBody.details`` is declared an object; everything else in the example validates."""
    body = OPERATIONS["POST /incidents"]["request_body"]
    problems = schema_errors(body["examples"]["request"], body["schema"], "example")
    assert len(problems) == 1
    assert problems[0].startswith("example['incident']['body']['details']: ")


# --- negative controls: the checker does catch broken requests --------------------------------------------

_GOOD_HEADERS = {"Accept": pd.ACCEPT, "From": FROM_EMAIL, "Authorization": f"Token token={TOKEN}"}


@pytest.mark.parametrize(
    ("request_", "headers", "expected"),
    [
        pytest.param(
            Request("PUT", f"/incidents/{INCIDENT_ID}", json={"incident": {"type": "wrong"}}, write=True),
            _GOOD_HEADERS,
            "body['incident']['type']: 'wrong' is not one of",
            id="bad-incident-type",
        ),
        pytest.param(
            Request(
                "PUT", f"/incidents/{INCIDENT_ID}", json={"incident": {"status": "triggered"}}, write=True
            ),
            _GOOD_HEADERS,
            "'type' is a required property",
            id="missing-type",
        ),
        pytest.param(
            Request(
                "PUT",
                f"/incidents/{INCIDENT_ID}",
                json={"incident": {"type": "incident_reference", "status": "mitigated"}},
                write=True,
            ),
            _GOOD_HEADERS,
            "'mitigated' is not one of",
            id="bad-status",
        ),
        pytest.param(
            Request(
                "PUT",
                f"/incidents/{INCIDENT_ID}",
                json={"incident": {"type": "incident_reference", "priority": None}},
                write=True,
            ),
            _GOOD_HEADERS,
            "body['incident']['priority']: None is not valid",
            id="null-priority",
        ),
        pytest.param(
            Request(
                "PUT",
                f"/incidents/{INCIDENT_ID}",
                json={
                    "incident": {"type": "incident_reference", "assignments": [{"assignee": {"id": "PU1"}}]}
                },
                write=True,
            ),
            _GOOD_HEADERS,
            "'type' is a required property",
            id="assignee-without-type",
        ),
        pytest.param(
            Request("POST", f"/incidents/{INCIDENT_ID}/notes", json={"note": {"text": "x"}}, write=True),
            _GOOD_HEADERS,
            "'content' is a required property",
            id="note-without-content",
        ),
        pytest.param(
            Request("PUT", f"/incidents/{INCIDENT_ID}", write=True),
            _GOOD_HEADERS,
            "body: required but absent",
            id="write-without-body",
        ),
        pytest.param(
            Request("GET", f"/incidents/{INCIDENT_ID}", json={"x": 1}),
            _GOOD_HEADERS,
            "takes no body",
            id="get-with-body",
        ),
        pytest.param(
            Request("PUT", f"/incidents/{INCIDENT_ID}", json={"incident": {"type": "incident"}}, write=True),
            {"Accept": pd.ACCEPT, "Authorization": f"Token token={TOKEN}"},
            "header 'From': required but absent",
            id="missing-from",
        ),
        pytest.param(
            Request("PUT", f"/incidents/{INCIDENT_ID}", json={"incident": {"type": "incident"}}, write=True),
            _GOOD_HEADERS | {"From": "oncall"},
            "is not a",
            id="from-not-an-email",
        ),
        pytest.param(
            Request("PUT", f"/incidents/{INCIDENT_ID}", json={"incident": {"type": "incident"}}, write=True),
            _GOOD_HEADERS | {"From": "oncall@localhost"},
            "is not an email address",
            id="from-no-domain",
        ),
        pytest.param(
            Request("GET", "/incidents"),
            {"Authorization": f"Token token={TOKEN}"},
            "header 'Accept': required but absent",
            id="missing-accept",
        ),
        pytest.param(
            Request("GET", "/incidents"),
            {"Accept": pd.ACCEPT},
            "header 'Authorization'",
            id="missing-authorization",
        ),
        pytest.param(
            Request("GET", "/incidents", params=(("status", "triggered"),)),
            _GOOD_HEADERS,
            "query 'status': not a parameter",
            id="undeclared-query",
        ),
        pytest.param(
            Request("GET", "/incidents", params=(("limit", "ten"),)),
            _GOOD_HEADERS,
            "query 'limit': 'ten' is not of type 'integer'",
            id="non-integer-limit",
        ),
        pytest.param(
            Request("GET", "/incidents", params=(("limit", "10"), ("limit", "20"))),
            _GOOD_HEADERS,
            "given 2 times",
            id="repeated-scalar",
        ),
        pytest.param(
            Request("GET", "/incidents", params=(("statuses[]", "open"),)),
            _GOOD_HEADERS,
            "query 'statuses[]': 'open' is not one of",
            id="phase-word-as-status",
        ),
        pytest.param(
            Request("GET", "/incidents", params=(("statuses[]", "resolved"), ("statuses[]", "resolved"))),
            _GOOD_HEADERS,
            "declared uniqueItems",
            id="repeated-status",
        ),
        pytest.param(
            Request("GET", "/incidents", params=(("date_range", "month"),)),
            _GOOD_HEADERS,
            "'month' is not one of",
            id="bad-date-range",
        ),
        pytest.param(
            Request("GET", "/incidents", params=(("sort_by", "a:asc,b:asc,c:asc"),)),
            _GOOD_HEADERS,
            "is too long",
            id="three-sort-fields",
        ),
        pytest.param(Request("GET", "/incidents//notes"), _GOOD_HEADERS, "path 'id': empty", id="empty-id"),
        pytest.param(
            Request("GET", "/incidents/%20/notes"), _GOOD_HEADERS, "path 'id': empty", id="blank-id"
        ),
        pytest.param(
            Request("DELETE", f"/incidents/{INCIDENT_ID}"),
            _GOOD_HEADERS,
            "no operation",
            id="unknown-operation",
        ),
        pytest.param(Request("GET", "/incident"), _GOOD_HEADERS, "no operation", id="unknown-path"),
    ],
)
def test_checker_catches_broken_requests(request_: Request, headers: dict[str, str], expected: str) -> None:
    CONTRACT.assert_catches(request_, headers, expected)


def test_body_validator_is_not_vacuous() -> None:
    schema = OPERATIONS["PUT /incidents/{id}"]["request_body"]["schema"]
    assert schema_errors({"incident": {"type": "wrong"}}, schema, "body") != []
    assert schema_errors({"incident": {"type": "incident_reference"}}, schema, "body") == []


def test_checker_accepts_a_hand_written_good_request() -> None:
    request = Request(
        "PUT",
        f"/incidents/{INCIDENT_ID}",
        json={"incident": {"type": "incident_reference", "status": "acknowledged"}},
        write=True,
    )
    assert CONTRACT.check_request(request, _GOOD_HEADERS) == []


# --- reads ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth_scheme", pd.AUTH_SCHEMES)
def test_get_incident(auth_scheme: str) -> None:
    assert_conforms(pd.build_get(INCIDENT_ID), auth_scheme)


@pytest.mark.parametrize("ref", ["Q1", " Q1AAA ", "P/..%2F", "Q?x#y", "ü-123"])
def test_get_incident_with_awkward_ids_stays_on_its_operation(ref: str) -> None:
    request = pd.build_get(ref)
    found = CONTRACT.find_operation("GET", request.path)
    assert found is not None
    assert found[0] == "GET /incidents/{id}"
    assert unquote(found[2]["id"]) == ref.strip()
    assert_conforms(request)


def test_list_without_filters_asks_for_every_date() -> None:
    request = pd.build_list(statuses=None, since=None, until=None, offset=0, limit=pd.LIST_PAGE_SIZE)
    assert ("date_range", "all") in request.params
    assert_conforms(request)


@pytest.mark.parametrize(
    "word", [*pd.STATUS_PHASES, "open", "acknowledged", "resolved", "Triggered", " RESOLVED "]
)
def test_list_by_one_status(word: str) -> None:
    request = pd.build_list(statuses=[word], since=None, until=None, offset=0, limit=pd.LIST_PAGE_SIZE)
    assert ("statuses[]", pd.to_vendor_status(word)) in request.params
    assert_conforms(request)


def test_list_by_several_statuses_repeats_the_parameter() -> None:
    request = pd.build_list(statuses=["open", "acknowledged"], since=None, until=None, offset=200, limit=50)
    assert [value for name, value in request.params if name == "statuses[]"] == ["triggered", "acknowledged"]
    assert_conforms(request)


def test_list_scoped_to_services_and_teams_uses_the_specs_array_parameters() -> None:
    declared = {parameter["name"] for parameter in OPERATIONS["GET /incidents"]["parameters"]}
    assert {"service_ids[]", "team_ids[]"} <= declared
    request = pd.build_list(
        statuses=["open"],
        since=None,
        until=None,
        offset=0,
        limit=pd.LIST_PAGE_SIZE,
        services=["PSVC001", "PSVC002", "PSVC001"],  # the spec's arrays are uniqueItems
        teams=["PTEAM01", "PTEAM02"],
    )
    assert [value for name, value in request.params if name == "service_ids[]"] == ["PSVC001", "PSVC002"]
    assert [value for name, value in request.params if name == "team_ids[]"] == ["PTEAM01", "PTEAM02"]
    assert_conforms(request)


@pytest.mark.parametrize("name", ["service_ids", "team_ids", "services[]", "teams[]"])
def test_checker_catches_a_scope_parameter_the_spec_does_not_name(name: str) -> None:
    request = Request("GET", "/incidents", params=((name, "PSVC001"),))
    CONTRACT.assert_catches(request, send_headers(request), "not a parameter")


_SINCE = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)
_UNTIL = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))


@pytest.mark.parametrize(("since", "until"), [(_SINCE, None), (_SINCE, _UNTIL)])
def test_list_by_dates(since: datetime | None, until: datetime | None) -> None:
    request = pd.build_list(
        statuses=["triggered"], since=since, until=until, offset=0, limit=pd.LIST_PAGE_SIZE
    )
    params = dict(request.params)
    assert "date_range" not in params
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            assert datetime.fromisoformat(params[name]) == value
            assert datetime.fromisoformat(params[name]).tzinfo is not None
    assert_conforms(request)


@pytest.mark.parametrize("since", [_SINCE, _UNTIL, datetime(2026, 10, 1, 8, 30)])
def test_account_log_since_a_moment_with_incidents_included(since: datetime) -> None:
    request = pd.build_list_log_entries(since, offset=300)
    params = dict(request.params)
    assert datetime.fromisoformat(params["since"]).tzinfo is not None  # naive is read as UTC
    assert datetime.fromisoformat(params["since"]).replace(tzinfo=None) == since.replace(tzinfo=None)
    assert ("include[]", "incidents") in request.params
    assert "until" not in params  # open-ended: an entry stamped ahead of the triggerer's clock is kept
    assert_conforms(request)


def test_checker_catches_an_include_the_log_does_not_offer() -> None:
    request = Request("GET", "/log_entries", params=(("include[]", "notes"),))
    CONTRACT.assert_catches(request, send_headers(request), "include[]")


def test_priorities() -> None:
    assert_conforms(pd.build_priorities())


def test_connection_check() -> None:
    request = pd.build_connection_check()
    assert ("date_range", "all") in request.params
    assert_conforms(request)


def test_list_notes() -> None:
    assert_conforms(pd.build_list_notes(INCIDENT_ID))


# --- writes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", ["Rolled back the deploy.", "ü ✓ 火事\nsecond line", "x" * pd.NOTE_MAX_LENGTH]
)
def test_create_note(content: str) -> None:
    request = pd.build_note(INCIDENT_ID, content)
    assert request.json == {"note": {"content": content}}
    assert_conforms(request)


_UPDATES: list[Any] = [
    pytest.param(IncidentUpdate(title="Disk full on db-1"), "title", id="title"),
    pytest.param(IncidentUpdate(title="ü" * pd.TITLE_MAX_LENGTH), "title", id="title-longest"),
    *[
        pytest.param(IncidentUpdate(status=word), "status", id=f"status-{word.strip()}")
        for word in [*pd.STATUS_PHASES, "open", "acknowledged", "RESOLVED"]
    ],
    pytest.param(IncidentUpdate(status="resolved", resolution="Rolled back"), "resolution", id="resolution"),
    pytest.param(
        IncidentUpdate(status="resolved", note="Fixed", resolution="Rolled back"),
        "resolution",
        id="resolution-with-note",
    ),
    pytest.param(IncidentUpdate(assignees=("PUSER01",)), "assignments", id="one-assignee"),
    pytest.param(
        IncidentUpdate(assignees=("PUSER01", "PUSER02", "PUSER03")), "assignments", id="several-assignees"
    ),
    pytest.param(IncidentUpdate(severity="low"), "urgency", id="severity-low"),
    pytest.param(IncidentUpdate(severity="HIGH"), "urgency", id="severity-HIGH"),
    pytest.param(IncidentUpdate(severity="P1"), "priority", id="severity-priority-name"),
    pytest.param(IncidentUpdate(severity=" p3 "), "priority", id="severity-priority-name-any-case"),
    pytest.param(IncidentUpdate(severity="PP2"), "priority", id="severity-priority-id"),
    pytest.param(IncidentUpdate(vendor_fields={"priority": "P2"}), "priority", id="priority-name"),
    pytest.param(
        IncidentUpdate(vendor_fields={"priority": {"id": "PP1", "type": "priority_reference"}}),
        "priority",
        id="priority-reference",
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"escalation_policy": "PEP0001"}),
        "escalation_policy",
        id="escalation-policy-id",
    ),
    pytest.param(
        IncidentUpdate(
            vendor_fields={"escalation_policy": {"id": "PEP0001", "type": "escalation_policy_reference"}}
        ),
        "escalation_policy",
        id="escalation-policy-reference",
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"escalation_level": 1}), "escalation_level", id="escalation-level-1"
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"escalation_level": 3}), "escalation_level", id="escalation-level-3"
    ),
    pytest.param(
        IncidentUpdate(
            vendor_fields={
                "conference_bridge": {
                    "conference_number": "+1 415-555-1212,,,,1234#",
                    "conference_url": "https://meet.example.com/a",
                }
            }
        ),
        "conference_bridge",
        id="conference-bridge",
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"conference_bridge": {"conference_url": "http://meet.example.com/b"}}),
        "conference_bridge",
        id="conference-bridge-url-only",
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"conference_bridge": {}}),
        "conference_bridge",
        id="conference-bridge-empty",
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"incident_type": "major_incident"}),
        "incident_type",
        id="incident-type-string",
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"incident_type": {"name": "major_incident"}}),
        "incident_type",
        id="incident-type-dict",
    ),
    pytest.param(IncidentUpdate(vendor_fields={"service": "PSVC001"}), "service", id="service-id"),
    pytest.param(
        IncidentUpdate(vendor_fields={"service": {"id": "PSVC001", "type": "service_reference"}}),
        "service",
        id="service-reference",
    ),
    pytest.param(IncidentUpdate(vendor_fields={"urgency": "low"}), "urgency", id="urgency-low"),
    pytest.param(IncidentUpdate(vendor_fields={"urgency": " High "}), "urgency", id="urgency-high"),
    pytest.param(
        IncidentUpdate(
            title="All of it",
            status="resolved",
            resolution="Done",
            assignees=("PUSER01", "PUSER02"),
            vendor_fields={
                "priority": "P1",
                "escalation_policy": "PEP0001",
                "escalation_level": 2,
                "conference_bridge": {"conference_number": "+1 555-0100"},
                "incident_type": "major_incident",
                "service": "PSVC001",
                "urgency": "high",
            },
        ),
        "service",
        id="everything-at-once",
    ),
]


@pytest.mark.parametrize(("update", "field"), _UPDATES)
def test_update(update: IncidentUpdate, field: str) -> None:
    request = update_request(update)
    assert request.method == "PUT"
    assert request.write
    assert field in incident_body(request)
    assert_conforms(request)


def test_update_covers_every_vendor_field() -> None:
    covered = {key for case in _UPDATES for key in case.values[0].vendor_fields}
    assert covered == set(pd.VENDOR_FIELDS)


@pytest.mark.parametrize("status", list(pd.STATUS_PHASES))
def test_update_to_the_current_status_sends_only_the_type(status: str) -> None:
    request = update_request(
        IncidentUpdate(status=status, resolution="x" if status == "resolved" else None),
        current=current_incident(status),
    )
    assert incident_body(request) == {"type": "incident_reference"}
    assert_conforms(request)


_BULK_ITEMS: list[Any] = [
    pytest.param([(INCIDENT_ID, {"status": "acknowledged"})], id="acknowledge-one"),
    pytest.param(
        [(f"Q{n:03d}", {"status": "resolved", "resolution": "Disk cleaned"}) for n in range(pd.BULK_LIMIT)],
        id="resolve-the-most-allowed",
    ),
    pytest.param(
        [
            (
                INCIDENT_ID,
                update_request(IncidentUpdate(severity="P1", assignees=("PUSER01",))).json["incident"],
            ),
            ("Q2BBB", {"status": "resolved", "escalation_level": 2, "urgency": "low"}),
        ],
        id="update-fields-per-incident",
    ),
]


@pytest.mark.parametrize("items", _BULK_ITEMS)
def test_bulk_update(items: list[tuple[str, dict[str, Any]]]) -> None:
    request = pd.build_bulk_update(items)
    assert (request.method, request.path, request.write, request.idempotent) == (
        "PUT",
        "/incidents",
        True,
        True,
    )
    assert [item["id"] for item in request.json["incidents"]] == [ref for ref, _ in items]
    assert {item["type"] for item in request.json["incidents"]} == {"incident_reference"}
    assert_conforms(request)


@pytest.mark.parametrize("status", pd.BULK_STATUSES)
def test_bulk_update_for_each_bulk_status(status: str) -> None:
    assert_conforms(pd.build_bulk_update([(INCIDENT_ID, {"status": pd.validate_bulk_status(status)})]))


def test_bulk_update_checker_catches_a_status_outside_the_spec() -> None:
    request = pd.build_bulk_update([(INCIDENT_ID, {"status": "closed"})])
    CONTRACT.assert_catches(request, send_headers(request), "'closed' is not one of")


@pytest.mark.parametrize("auth_scheme", pd.AUTH_SCHEMES)
def test_write_headers_per_auth_scheme(auth_scheme: str) -> None:
    assert_conforms(update_request(IncidentUpdate(status="acknowledged")), auth_scheme)


_CREATES: list[Any] = [
    pytest.param(IncidentCreate(title="Disk full"), id="minimal"),
    pytest.param(IncidentCreate(title="ü" * pd.TITLE_MAX_LENGTH, dedup_key="k" * 255), id="longest"),
    pytest.param(IncidentCreate(title="Disk full", severity="low", dedup_key="disk-db-1"), id="urgency-key"),
    pytest.param(
        IncidentCreate(
            title="Disk full",
            severity="P2",
            assignees=("PUSER01", "PUSER02"),
            vendor_fields={
                "service": {"id": "PSVC002", "type": "service_reference"},
                "incident_type": "major_incident",
                "conference_bridge": {
                    "conference_number": "+1 555-0100",
                    "conference_url": "https://m.example",
                },
            },
        ),
        id="assignees-priority",
    ),
    pytest.param(
        IncidentCreate(
            title="Disk full",
            vendor_fields={"priority": "PP3", "urgency": "high", "escalation_policy": "PEP0001"},
        ),
        id="policy-priority-id",
    ),
]


@pytest.mark.parametrize("create", _CREATES)
def test_create_incident(create: IncidentCreate) -> None:
    fields = pd.validate_create(create, default_service="PSVC001")
    request = pd.build_create(pd.create_body(create, fields, PRIORITIES))
    assert (request.method, request.path, request.write) == ("POST", "/incidents", True)
    assert_conforms(request)


def test_create_covers_every_create_vendor_field() -> None:
    covered = {key for case in _CREATES for key in case.values[0].vendor_fields}
    assert covered == set(pd.CREATE_VENDOR_FIELDS)


def test_create_description_sends_details_as_text_the_one_known_deviation() -> None:
    """``body.details`` goes as text, as the spec's own example and PagerDuty's web UI have it; the spec's
    schema says object, and that is the only thing it finds to object to."""
    create = IncidentCreate(title="Disk full", description="db-1 /var at 99%", dedup_key="disk-db-1")
    request = pd.build_create(pd.create_body(create, pd.validate_create(create, default_service="S1"), None))
    problems = CONTRACT.check_request(request, send_headers(request))
    assert len(problems) == 1
    assert problems[0].startswith("body['incident']['body']['details']: ")


def test_find_by_incident_key() -> None:
    assert_conforms(pd.build_find_by_key("disk-db-1", "PSVC001"))


def test_escalation_and_reassign_puts_conform() -> None:
    at = pd.Standing(urgency="low", priority_id=None, escalation_level=1, assignees=())
    for escalation in (
        Escalation(),
        Escalation(severity="P1", assignees=("PUSER02",)),
        Escalation(escalation_level=3),
    ):
        fields = pd.escalation_fields(escalation, at, PRIORITIES)
        assert fields
        assert_conforms(pd.build_update(INCIDENT_ID, fields))
    step = pd.one_step_target(dataclasses.replace(at, urgency="high"), PRIORITIES)
    assert step is not None
    assert_conforms(pd.build_update(INCIDENT_ID, {"status": "triggered", **step}))


# --- properties -------------------------------------------------------------------------------------------

_STATUS_WORDS = (*pd.STATUS_PHASES, "open", "acknowledged", "resolved", "Triggered", " RESOLVED ")
_IDS = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=14)
_TEXT = st.text(min_size=1, max_size=60).filter(str.strip)
_SEVERITIES = ("low", "high", "LOW", " High ", "P1", "p2", " P3 ", "PP1")
_DATES = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]),
)


def _reference(kind: str) -> st.SearchStrategy[Any]:
    return _IDS | _IDS.map(lambda value: {"id": value, "type": kind})


@st.composite
def _updates(draw: st.DrawFn) -> tuple[IncidentUpdate, Incident | None]:
    status = draw(st.none() | st.sampled_from(_STATUS_WORDS))
    resolves = status is not None and pd.to_vendor_status(status) == "resolved"
    severity = draw(st.none() | st.sampled_from(_SEVERITIES))
    optional: dict[str, st.SearchStrategy[Any]] = {
        "escalation_policy": _reference("escalation_policy_reference"),
        "escalation_level": st.integers(min_value=1, max_value=20),
        "conference_bridge": st.fixed_dictionaries(
            {},
            optional={
                "conference_number": st.from_regex(r"\+[0-9 ,#-]{5,20}", fullmatch=True),
                "conference_url": _IDS.map(lambda value: f"https://meet.example.com/{value}"),
            },
        ),
        "incident_type": _TEXT | _TEXT.map(lambda value: {"name": value}),
        "service": _reference("service_reference"),
    }
    if severity is None:
        optional["priority"] = st.sampled_from(["P1", "p2", "PP3"]) | st.sampled_from(
            [{"id": p["id"], "type": "priority_reference"} for p in PRIORITIES]
        )
        optional["urgency"] = st.sampled_from(["low", "high", "HIGH", " Low "])
    update = IncidentUpdate(
        title=draw(st.none() | _TEXT),  # blank titles: test_blank_title_is_refused
        status=status,
        severity=severity,
        assignees=draw(st.none() | st.lists(_IDS, min_size=1, max_size=4).map(tuple)),
        note=draw(st.none() | _TEXT),
        resolution=draw(st.none() | _TEXT) if resolves else None,
        vendor_fields=draw(st.fixed_dictionaries({}, optional=optional)),
    )
    current = draw(st.none() | st.sampled_from(list(pd.STATUS_PHASES)).map(current_incident))
    return update, current


@settings(max_examples=200, deadline=None)
@given(case=_updates(), ref=_IDS, auth_scheme=st.sampled_from(pd.AUTH_SCHEMES))
def test_property_any_valid_update_conforms(
    case: tuple[IncidentUpdate, Incident | None], ref: str, auth_scheme: str
) -> None:
    update, current = case
    request = pd.build_update(ref, pd.update_fields(update, current=current, priorities=PRIORITIES))
    assert_conforms(request, auth_scheme)


@settings(max_examples=200, deadline=None)
@given(
    statuses=st.none() | st.lists(st.sampled_from(_STATUS_WORDS), max_size=3, unique_by=pd.to_vendor_status),
    since=st.none() | _DATES,
    until=st.none() | _DATES,
    offset=st.integers(min_value=0, max_value=100_000),
    limit=st.integers(min_value=1, max_value=pd.LIST_PAGE_SIZE),
    services=st.lists(_IDS, max_size=3),
    teams=st.lists(_IDS, max_size=3),
    note=st.text(min_size=1, max_size=200).filter(str.strip),
    ref=_IDS,
)
def test_property_any_valid_list_and_note_conforms(
    statuses: list[str] | None,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
    services: list[str],
    teams: list[str],
    note: str,
    ref: str,
) -> None:
    request = pd.build_list(
        statuses=statuses,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
        services=services,
        teams=teams,
    )
    params = dict(request.params)
    assert ("date_range" in params) == (since is None)
    assert {value for name, value in request.params if name == "service_ids[]"} == set(services)
    assert {value for name, value in request.params if name == "team_ids[]"} == set(teams)
    assert_conforms(request)
    assert_conforms(pd.build_note(ref, note))
    assert_conforms(pd.build_list_notes(ref))


# --- where the module once disagreed with the spec ----------------------------------------------


def test_priority_none_is_refused_before_sending() -> None:
    # The spec's priority is oneOf [object, string] and not nullable: null must never be sent.
    with pytest.raises(IncidentValidationError, match=r"vendor_fields\.priority"):
        update_request(IncidentUpdate(vendor_fields={"priority": None}))


def test_statuses_naming_one_status_twice_conform() -> None:
    assert_conforms(
        pd.build_list(statuses=["open", "triggered"], since=None, until=None, offset=0, limit=100)
    )


def test_from_that_is_not_an_email_is_refused_before_sending() -> None:
    with pytest.raises(IncidentValidationError):
        pd.headers(from_email="oncall", write=True)


@pytest.mark.parametrize(
    "request_",
    [
        pd.build_get(INCIDENT_ID),
        pd.build_priorities(),
        pd.build_list_notes(INCIDENT_ID),
        pd.build_connection_check(),
    ],
    ids=["get", "priorities", "list-notes", "connection-check"],
)
def test_bodiless_requests_carry_the_spec_required_content_type(request_: Request) -> None:
    assert CONTRACT.check_request(request_, send_headers(request_)) == []


# ---------------------------------------------------------------- the sandbox agreement's judge


def pd_answer(status: int, document: Any) -> httpx.Response:
    return httpx.Response(status, json=document)


INVALID_INPUT = {"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["incident.title"]}}


@pytest.mark.parametrize(
    ("body", "answer", "flagged"),
    [
        ({"incident": {"type": "incident_reference", "title": ""}}, pd_answer(400, INVALID_INPUT), True),
        ({"incident": {"type": "incident_reference", "x": 1}}, pd_answer(200, {"incident": {}}), False),
        ({"incident": {"type": "nope"}}, pd_answer(200, {"incident": {}}), True),
        ({"incident": {"type": "nope"}}, pd_answer(400, {"errors": ["not PagerDuty's shape"]}), True),
        ({"incident": {"type": "nope"}}, pd_answer(422, INVALID_INPUT), True),
        ({"incident": {"type": "nope"}}, pd_answer(400, INVALID_INPUT), False),
        (
            {"incident": {"type": "incident", "status": "resolved"}},
            pd_answer(400, {"error": {"message": "Incident Already Resolved", "code": 1001}}),
            False,
        ),
        (
            {"incident": {"type": "incident", "escalation_level": 9}},
            pd_answer(
                400, {"error": {**INVALID_INPUT["error"], "errors": ["escalation_level must be between"]}}
            ),
            False,
        ),
        ({"incident": {"type": "incident", "priority": None}}, pd_answer(200, {"incident": {}}), False),
        ({"incident": {"type": "incident", "priority": 5}}, pd_answer(200, {"incident": {}}), True),
        ({"incident": {"type": "incident", "assignments": [{}]}}, pd_answer(200, {"incident": {}}), True),
    ],
)
def test_the_judge_flags_every_kind_of_disagreement(body: Any, answer: httpx.Response, flagged: bool) -> None:
    """Negative controls: a refused valid body, an accepted invalid one, a refusal in another format or
    status; and no flag for a documented state refusal, a leniency or an expected refusal."""
    assert (judge(PD_UPDATE, body, answer) is not None) == flagged


@pytest.mark.parametrize(("offset", "total"), [(0, True), (300, False)])
def test_open_incidents_newest_first_for_bulk_first_reads(offset: int, total: bool) -> None:
    request = pd.build_list_open(offset, total=total)
    assert [value for name, value in request.params if name == "statuses[]"] == ["triggered", "acknowledged"]
    assert ("date_range", "all") in request.params  # an open incident of any age
    assert (("total", "true") in request.params) is total
    assert_conforms(request)
