"""Contract tests: each request the DevHelm vendor module builds, as it goes on the wire, against DevHelm's
OpenAPI 3.0 spec.

The schemas come from ``devhelm_schemas.json``, an extract of ``devhelmhq/sdk-python``'s
``docs/openapi/monitoring-api.json`` with every ``$ref`` inlined (``scripts/extract_schemas.py devhelm``
makes it; its ``source`` object names the commit). ``openapi_check`` renders each request as the transport
sends it and checks it against the operation it is for. What is DevHelm's own: ids are ``format: uuid``; the
list's paging object (``pageable``) is exploded into its properties as OpenAPI's default ``form`` style
does; the credentials are a Bearer token; and two places where the provider knowingly departs from the spec
(``KNOWN_DEVIATIONS``).
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from airflow_incident_provider.idempotency import idempotency_key
from airflow_incident_provider.models import Incident, IncidentCreate, IncidentUpdate
from airflow_incident_provider.vendors import devhelm as dh
from airflow_incident_provider.vendors.base import Request
from airflow_incident_provider.vendors.devhelm import changes as devhelm_changes
from tests.contract.openapi_check import (
    BEARER,
    Contract,
    Credentials,
    assert_parameter_schemas,
    assert_self_contained,
    load_extract,
    query_problems,
    schema_errors,
)

KNOWN_DEVIATIONS: dict[str, str] = {
    "query 'pageable': 'sort' is a required property": (
        "Pageable is Spring Data's paging object; springdoc marks its three properties required, but Spring "
        "binds each one as optional and the official SDK (devhelm/_pagination.py) sends only page and size. "
        "The provider does the same rather than guess a sort property the server might refuse."
    ),
    "body['postmortemUrl']: '' does not match '^https?://.*'": (
        "The spec contradicts itself: postmortemUrl's description (and DevHelm's update page) says an empty "
        "string clears it, while its pattern refuses ''. The provider follows the documented meaning; if "
        "DevHelm enforced the pattern, the 400 would surface with DevHelm's own message."
    ),
}
"""Where the provider knowingly departs from the spec: the exact problem the checker reports, and why."""

CONTRACT = Contract(
    vendor="DevHelm",
    extract=load_extract("devhelm_schemas.json"),
    base_url=dh.BASE_URL,
    credentials=Credentials(BEARER, "a Bearer token"),
    known_deviations=KNOWN_DEVIATIONS,
)
EXTRACT = CONTRACT.extract
OPERATIONS = CONTRACT.operations

TOKEN = "dh_live_contract-token-0a1b2c"
PAGE = "7f3c2a10-5d4e-4b6f-8a9c-0d1e2f3a4b5c"
INCIDENT = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
COMPONENT = "0b6e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4"
REF = dh.IncidentRef(PAGE, INCIDENT)


def send_headers(
    request: Request, org_id: str | None = None, workspace_id: str | None = None
) -> dict[str, str]:
    """What the DevHelm hook sends."""
    return dh.headers(TOKEN, org_id=org_id, workspace_id=workspace_id, write=request.write)


def assert_conforms(request: Request, **tenant: str) -> None:
    """Fail unless ``request``, sent with the hook's headers for ``tenant``, conforms."""
    CONTRACT.assert_conforms(request, send_headers(request, **tenant))


def current_incident(status: str, title: str = "Disk full", impact: str = "MINOR") -> Incident:
    return dh.incident_from_json(
        {"id": INCIDENT, "statusPageId": PAGE, "status": status.upper(), "title": title, "impact": impact}
    )


def put_request(update: IncidentUpdate) -> Request:
    return dh.build_update(REF, dh.plan_update(update).fields)


# --- the extract itself ---------------------------------------------------------------------------------


def test_extract_names_its_source_and_is_self_contained() -> None:
    source = assert_self_contained(EXTRACT, "devhelmhq/sdk-python", "docs/openapi/monitoring-api.json")
    assert source["commit"] == "d7a3516f279a3e5e83797a8277a0a5f7e8c279a6"
    assert source["servers"] == [dh.BASE_URL]
    assert "PUT /api/v1/status-pages/{id}/incidents/{incidentId}" in OPERATIONS
    assert EXTRACT["security"] == [
        {
            "type": "http",
            "description": "API key (dh_live_...) or Auth0 JWT token",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "scheme_name": "BearerAuth",
        }
    ]


@pytest.mark.parametrize("key", list(OPERATIONS))
def test_extracted_schemas_are_valid_openapi_30_schemas(key: str) -> None:
    operation = OPERATIONS[key]
    assert_parameter_schemas(operation, {"path", "query"})
    if operation["request_body"] is not None:
        OAS30Validator.check_schema(operation["request_body"]["schema"])
    OAS30Validator.check_schema(operation["response"]["schema"])
    assert {400, 401, 404, 409} <= set(operation["error_statuses"])


def test_the_spec_still_has_the_deviation_the_provider_departs_from() -> None:
    """If a newer spec stops requiring ``Pageable.sort``, its entry in ``KNOWN_DEVIATIONS`` can go."""
    (pageable,) = [
        p
        for p in OPERATIONS["GET /api/v1/status-pages/{id}/incidents"]["parameters"]
        if p["name"] == "pageable"
    ]
    assert pageable["required"] is True
    assert pageable["schema"]["required"] == ["page", "size", "sort"]
    request = dh.build_list(PAGE, statuses=None, page=0, size=dh.LIST_PAGE_SIZE)
    wire = CONTRACT.wire_request(request, send_headers(request))
    operation = OPERATIONS["GET /api/v1/status-pages/{id}/incidents"]
    assert query_problems(operation, wire.url.params.multi_items()) == [
        "query 'pageable': 'sort' is a required property"
    ]


def test_the_spec_still_contradicts_itself_on_clearing_the_postmortem_url() -> None:
    """If a newer spec lets ``''`` through the pattern, its entry in ``KNOWN_DEVIATIONS`` can go."""
    schema = OPERATIONS["PUT /api/v1/status-pages/{id}/incidents/{incidentId}"]["request_body"]["schema"]
    url = schema["properties"]["postmortemUrl"]
    assert "empty string clears" in url["description"]
    assert schema_errors({"postmortemUrl": ""}, schema, "body") == [
        "body['postmortemUrl']: '' does not match '^https?://.*'"
    ]
    assert set(KNOWN_DEVIATIONS) >= set(schema_errors({"postmortemUrl": ""}, schema, "body"))


def test_update_body_nulls_preserve_and_empty_strings_clear_in_the_spec() -> None:
    schema = OPERATIONS["PUT /api/v1/status-pages/{id}/incidents/{incidentId}"]["request_body"]["schema"]
    assert "null preserves" in schema["properties"]["title"]["description"]
    assert "empty string clears" in schema["properties"]["postmortemUrl"]["description"]
    timeline = OPERATIONS["POST /api/v1/status-pages/{id}/incidents/{incidentId}/updates"]["request_body"]
    assert timeline["schema"]["required"] == ["body", "status"]
    assert "default: true" in timeline["schema"]["properties"]["notifySubscribers"]["description"]


# --- negative controls: the checker does catch broken requests --------------------------------------------

_GOOD = {"Authorization": f"Bearer {TOKEN}"}
_PUT = f"/api/v1/status-pages/{PAGE}/incidents/{INCIDENT}"
_LIST = f"/api/v1/status-pages/{PAGE}/incidents"
_PAGING = (("page", "0"), ("size", "10"))


@pytest.mark.parametrize(
    ("request_", "headers", "expected"),
    [
        pytest.param(
            Request("PUT", _PUT, json={"status": "investigating"}, write=True),
            _GOOD,
            "'investigating' is not one of",
            id="lower-case-status",
        ),
        pytest.param(
            Request("PUT", _PUT, json={"impact": "HIGH"}, write=True),
            _GOOD,
            "'HIGH' is not one of",
            id="bad-impact",
        ),
        pytest.param(
            Request("PUT", _PUT, json={"title": "x" * 501}, write=True), _GOOD, "is too long", id="long-title"
        ),
        pytest.param(
            Request("PUT", _PUT, json={"postmortemUrl": "example.com"}, write=True),
            _GOOD,
            "does not match",
            id="postmortem-url-pattern",
        ),
        pytest.param(
            Request(
                "PUT", _PUT, json={"affectedComponents": [{"componentId": "api", "status": "OPERATIONAL"}]}
            ),
            _GOOD,
            "is not a 'uuid'",
            id="component-not-uuid",
        ),
        pytest.param(
            Request("POST", f"{_PUT}/updates", json={"status": "RESOLVED"}, write=True),
            _GOOD,
            "'body' is a required property",
            id="timeline-without-body",
        ),
        pytest.param(
            Request("POST", f"{_PUT}/updates", json={"status": "RESOLVED", "body": ""}, write=True),
            _GOOD,
            "should be non-empty",
            id="timeline-empty-body",
        ),
        pytest.param(
            Request("PUT", _PUT, write=True), _GOOD, "body: required but absent", id="write-without-body"
        ),
        pytest.param(Request("GET", _PUT, json={"x": 1}), _GOOD, "takes no body", id="get-with-body"),
        pytest.param(
            Request("GET", f"/api/v1/status-pages/page-1/incidents/{INCIDENT}"),
            _GOOD,
            "path 'id': 'page-1' is not a 'uuid'",
            id="page-not-uuid",
        ),
        pytest.param(
            Request("GET", f"/api/v1/status-pages/{PAGE}/incidents/%20"),
            _GOOD,
            "path 'incidentId': empty",
            id="blank",
        ),
        pytest.param(
            Request("GET", _LIST, params=(*_PAGING, ("status", "open"))),
            _GOOD,
            "'open' is not one of",
            id="phase-word-as-status",
        ),
        pytest.param(
            Request("GET", _LIST, params=(*_PAGING, ("limit", "10"))),
            _GOOD,
            "query 'limit': not a parameter",
            id="undeclared-query",
        ),
        pytest.param(
            Request("GET", _LIST, params=(("page", "-1"), ("size", "10"))),
            _GOOD,
            "is less than the minimum of 0",
            id="negative-page",
        ),
        pytest.param(
            Request("GET", _LIST, params=(("page", "0"), ("size", "ten"))),
            _GOOD,
            "'ten' is not of type 'integer'",
            id="non-integer-size",
        ),
        pytest.param(
            Request("GET", _LIST, params=(("page", "0"),)),
            _GOOD,
            "'size' is a required property",
            id="no-size",
        ),
        pytest.param(Request("GET", _PUT), {}, "header 'Authorization'", id="missing-authorization"),
        pytest.param(
            Request("GET", _PUT), {"Authorization": f"Token token={TOKEN}"}, "not a Bearer", id="not-bearer"
        ),
        pytest.param(Request("DELETE", _PUT), _GOOD, "no operation", id="unknown-operation"),
        pytest.param(Request("GET", "/api/v1/incidents"), _GOOD, "no operation", id="unknown-path"),
    ],
)
def test_checker_catches_broken_requests(request_: Request, headers: dict[str, str], expected: str) -> None:
    CONTRACT.assert_catches(request_, headers, expected)


def test_checker_accepts_a_hand_written_good_request() -> None:
    request = Request(
        "POST", f"{_PUT}/updates", json={"status": "MONITORING", "body": "Watching"}, write=True
    )
    assert CONTRACT.check_request(request, _GOOD) == []


# --- reads ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", [INCIDENT, f"{PAGE}/{INCIDENT}", INCIDENT.upper(), f" {PAGE}/{INCIDENT} "])
def test_get_incident(ref: str) -> None:
    request = dh.build_get(dh.parse_ref(ref, PAGE))
    found = CONTRACT.find_operation("GET", request.path)
    assert found is not None
    assert found[0] == "GET /api/v1/status-pages/{id}/incidents/{incidentId}"
    assert_conforms(request)


def test_tenant_headers_do_not_break_the_contract() -> None:
    assert_conforms(dh.build_get(REF), org_id="42", workspace_id="7")


@pytest.mark.parametrize(
    "statuses",
    [None, [], ["open"], ["INVESTIGATING", "identified"], [*dh.STATUS_PHASES], ["resolved", "RESOLVED"]],
)
def test_list(statuses: list[str] | None) -> None:
    request = dh.build_list(PAGE, statuses=statuses, page=0, size=dh.LIST_PAGE_SIZE)
    assert_conforms(request)


def test_list_later_pages() -> None:
    assert_conforms(dh.build_list(PAGE, statuses=["monitoring"], page=7, size=1))


@pytest.mark.parametrize("page", [None, 1, 12])
def test_change_feed_pages(page: int | None) -> None:
    """The waiting poller's read: the page's unresolved incidents, ``status`` once per status."""
    request = devhelm_changes.CONNECTION_PAGE.request(PAGE, page)
    assert sorted(value for name, value in request.params if name == "status") == [
        "IDENTIFIED",
        "INVESTIGATING",
        "MONITORING",
    ]
    assert_conforms(request)


@pytest.mark.parametrize("page_id", [PAGE, None])
def test_connection_check(page_id: str | None) -> None:
    assert_conforms(dh.build_connection_check(page_id))


# --- writes -----------------------------------------------------------------------------------------------

_UPDATES: list[Any] = [
    pytest.param(IncidentUpdate(title="Disk full on db-1"), "title", id="title"),
    pytest.param(IncidentUpdate(title="ü" * dh.TITLE_MAX_LENGTH), "title", id="title-longest"),
    *[pytest.param(IncidentUpdate(severity=word), "impact", id=f"impact-{word}") for word in dh.IMPACTS],
    pytest.param(IncidentUpdate(severity="CRITICAL"), "impact", id="impact-upper-case"),
    pytest.param(
        IncidentUpdate(
            vendor_fields={"affectedComponents": [{"componentId": COMPONENT, "status": "major_outage"}]}
        ),
        "affectedComponents",
        id="affected-components",
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"affectedComponents": []}), "affectedComponents", id="no-components"
    ),
    pytest.param(
        IncidentUpdate(vendor_fields={"postmortemBody": "# Timeline"}), "postmortemBody", id="pm-body"
    ),
    pytest.param(IncidentUpdate(vendor_fields={"postmortemBody": ""}), "postmortemBody", id="pm-body-clear"),
    pytest.param(
        IncidentUpdate(vendor_fields={"postmortemUrl": "https://example.com/pm"}),
        "postmortemUrl",
        id="pm-url",
    ),
    pytest.param(
        IncidentUpdate(
            vendor_fields={"postmortemUrl": "http://x/" + "a" * (dh.POSTMORTEM_URL_MAX_LENGTH - 9)}
        ),
        "postmortemUrl",
        id="pm-url-longest",
    ),
    pytest.param(IncidentUpdate(vendor_fields={"postmortemUrl": ""}), "postmortemUrl", id="pm-url-clear"),
    pytest.param(
        IncidentUpdate(
            title="All of it",
            severity="major",
            status="resolved",
            resolution="Rolled back",
            note="Thanks",
            vendor_fields={
                "affectedComponents": [{"componentId": COMPONENT, "status": "OPERATIONAL"}],
                "postmortemBody": "Later",
                "postmortemUrl": "",
            },
        ),
        "postmortemUrl",
        id="everything-at-once",
    ),
]


@pytest.mark.parametrize(("update", "field"), _UPDATES)
def test_update(update: IncidentUpdate, field: str) -> None:
    request = put_request(update)
    assert request.method == "PUT"
    assert request.write
    assert field in request.json
    assert "status" not in request.json, "status changes are timeline updates"
    assert_conforms(request)


def test_update_covers_every_vendor_field() -> None:
    covered = {key for case in _UPDATES for key in case.values[0].vendor_fields}
    assert covered == set(dh.VENDOR_FIELDS)


@pytest.mark.parametrize("status", list(dh.STATUS_PHASES))
def test_status_fix_put(status: str) -> None:
    assert_conforms(dh.build_status(REF, status))


@pytest.mark.parametrize("status", [*dh.STATUS_PHASES, "open", "acknowledged", "mitigated", "RESOLVED"])
@pytest.mark.parametrize("notify", [True, False])
def test_timeline_update(status: str, notify: bool) -> None:
    key = idempotency_key("dag", "run", "task")
    body = dh.mark_message("We rolled back the deploy.", key)
    request = dh.build_timeline_update(REF, status=status, body=body, notify_subscribers=notify)
    assert request.json["notifySubscribers"] is notify
    assert_conforms(request)


@pytest.mark.parametrize("status", list(dh.STATUS_PHASES))
def test_default_status_messages_conform(status: str) -> None:
    assert_conforms(
        dh.build_timeline_update(
            REF, status=status, body=dh.STATUS_MESSAGES[status], notify_subscribers=False
        )
    )


# --- properties -------------------------------------------------------------------------------------------

_STATUS_WORDS = (
    *dh.STATUS_PHASES,
    "open",
    "acknowledged",
    "mitigated",
    "resolved",
    "Identified",
    " RESOLVED ",
)
_HEX = "0123456789abcdef"
_UUIDS = st.uuids().map(str) | st.uuids().map(lambda value: str(value).upper())
_TEXT = st.text(min_size=1, max_size=60).filter(str.strip)


@st.composite
def _updates(draw: st.DrawFn) -> IncidentUpdate:
    status = draw(st.none() | st.sampled_from(_STATUS_WORDS))
    resolves = status is not None and dh.to_vendor_status(status) == "resolved"
    components = st.lists(
        st.fixed_dictionaries(
            {"componentId": _UUIDS, "status": st.sampled_from(dh.COMPONENT_STATUSES).map(str.lower)}
        ),
        max_size=3,
    )
    optional: dict[str, st.SearchStrategy[Any]] = {
        "affectedComponents": components,
        "postmortemBody": st.text(max_size=200),
        "postmortemUrl": st.just("")
        | st.builds(
            lambda scheme, tail: f"{scheme}://{tail}",
            st.sampled_from(["http", "https"]),
            st.text(max_size=80),
        ),
    }
    return IncidentUpdate(
        title=draw(st.none() | st.text(min_size=1, max_size=dh.TITLE_MAX_LENGTH).filter(str.strip)),
        status=status,
        severity=draw(st.none() | st.sampled_from([*dh.IMPACTS, "MAJOR", " Minor "])),
        note=draw(st.none() | _TEXT),
        resolution=draw(st.none() | _TEXT) if resolves else None,
        vendor_fields=draw(st.fixed_dictionaries({}, optional=optional)),
    )


@settings(max_examples=200, deadline=None)
@given(
    update=_updates(), page=_UUIDS, incident=_UUIDS, key=st.none() | st.text(_HEX, min_size=16, max_size=16)
)
def test_property_any_valid_update_conforms(
    update: IncidentUpdate, page: str, incident: str, key: str | None
) -> None:
    ref = dh.parse_ref(f"{page}/{incident}", None)
    plan = dh.plan_update(update)
    put = dh.build_update(ref, plan.fields)
    assert None not in put.json.values(), "null means 'preserve' to DevHelm: never sent"
    assert_conforms(put)
    if plan.posts:
        status = plan.status or "investigating"
        text = plan.message(status_changes=plan.status is not None) or "A note."
        assert_conforms(
            dh.build_timeline_update(
                ref, status=status, body=dh.mark_message(text, key), notify_subscribers=False
            )
        )


@settings(max_examples=100, deadline=None)
@given(
    statuses=st.none() | st.lists(st.sampled_from(_STATUS_WORDS), max_size=4),
    page=st.integers(min_value=0, max_value=100_000),
    size=st.integers(min_value=1, max_value=dh.LIST_PAGE_SIZE),
    page_id=_UUIDS,
    title=st.text(alphabet=string.printable, min_size=1, max_size=40).filter(str.strip),
)
def test_property_any_valid_list_conforms(
    statuses: list[str] | None, page: int, size: int, page_id: str, title: str
) -> None:
    assert_conforms(dh.build_list(page_id, statuses=statuses, page=page, size=size))
    current = current_incident("monitoring", title=title)
    assert dh.unchanged_fields({"title": title}, current) == {"title"}


# --- create, escalate --------------------------------------------------------------------------------------

_CREATES: list[Any] = [
    pytest.param(IncidentCreate(title="Checkout errors"), None, False, id="defaults"),
    pytest.param(
        IncidentCreate(
            title="ü" * dh.TITLE_MAX_LENGTH, description="# Down\n\nLooking.", severity="Critical"
        ),
        idempotency_key("dag", "run", "open"),
        True,
        id="longest-title-key-notify",
    ),
    *[
        pytest.param(IncidentCreate(title="t", severity=word), "alert:42/eu", False, id=f"impact-{word}")
        for word in dh.IMPACTS
    ],
    pytest.param(
        IncidentCreate(
            title="t",
            vendor_fields={"affectedComponents": [{"componentId": COMPONENT, "status": "partial_outage"}]},
        ),
        None,
        False,
        id="affected-components",
    ),
]


@pytest.mark.parametrize(("create", "key", "notify"), _CREATES)
def test_create(create: IncidentCreate, key: str | None, notify: bool) -> None:
    request = dh.build_create(PAGE, dh.plan_create(create, notify_subscribers=notify), key)
    assert request.json["notifySubscribers"] is notify, "always sent: DevHelm's default is true"
    assert CONTRACT.find_operation("POST", request.path) is not None
    assert_conforms(request)


@pytest.mark.parametrize("page", [0, 5])
def test_dedup_search(page: int) -> None:
    assert_conforms(dh.build_dedup_search(PAGE, page))


@pytest.mark.parametrize("impact", [*dh.IMPACTS, "MAJOR"])
def test_escalation_put(impact: str) -> None:
    assert_conforms(dh.build_escalation(REF, impact))


@settings(max_examples=100, deadline=None)
@given(
    title=st.text(min_size=1, max_size=dh.TITLE_MAX_LENGTH).filter(str.strip),
    description=st.none() | _TEXT,
    severity=st.none() | st.sampled_from([*dh.IMPACTS, "MAJOR"]),
    key=st.none() | st.from_regex(dh.DEDUP_KEY, fullmatch=True),
    notify=st.booleans(),
)
def test_property_any_valid_create_conforms(
    title: str, description: str | None, severity: str | None, key: str | None, notify: bool
) -> None:
    create = IncidentCreate(title=title, description=description, severity=severity, dedup_key=key)
    assert_conforms(dh.build_create(PAGE, dh.plan_create(create, notify_subscribers=notify), key))
