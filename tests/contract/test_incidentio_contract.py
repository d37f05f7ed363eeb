"""Contract tests: each request the incident.io vendor module builds, as it goes on the wire, against the
OpenAPI description incident.io publishes; and each answer of the sandbox against its response schemas.

The schemas come from ``incidentio_schemas.json``, an extract of ``https://api.incident.io/v1/openapi.json``
(converted to OpenAPI 3.0, as committed in ``expobrain/python-incidentio-client``) with every ``$ref``
inlined; ``scripts/extract_schemas.py incidentio`` makes it and its ``source`` names the commit. The spec
declares no security scheme: its description says every request carries ``Authorization: Bearer <key>``,
so that requirement is stated here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from airflow_incident_provider.models import IncidentUpdate
from airflow_incident_provider.sandbox.incidentio import ROLES, SEVERITIES, STATUSES, USERS
from airflow_incident_provider.vendors.base import Request
from airflow_incident_provider.vendors.incidentio import api, catalog, changes, incidents, writes
from tests.contract.openapi_check import (
    BEARER,
    Contract,
    Credentials,
    assert_parameter_schemas,
    assert_self_contained,
    load_extract,
    schema_errors,
)
from tests.fixtures_incidentio import IncidentIOSandbox

BEARER_FROM_DESCRIPTION = [{"type": "http", "scheme": "bearer", "scheme_name": "described in info"}]
CATEGORY_FILTER = "query 'status_category[one_of]': not a parameter of GET /v2/incidents"
UPDATED_FILTER = "query 'updated_at[gte]': not a parameter of GET /v2/incidents"
MODE_FILTER = "query 'mode[one_of]': not a parameter of GET /v2/incidents"
CONTRACT = Contract(
    vendor="incident.io",
    extract={**load_extract("incidentio_schemas.json"), "security": BEARER_FROM_DESCRIPTION},
    base_url=api.BASE_URL,
    credentials=Credentials(BEARER, "'Bearer <key>'"),
    known_deviations={
        CATEGORY_FILTER: "the spec declares status_category with an empty schema and says its operators are "
        "one_of and not_in; status_category[one_of]=<category> is how those operators are written",
        UPDATED_FILTER: "the spec declares updated_at with an empty schema and says its operators are gte, "
        "lte and date_range; updated_at[gte]=<timestamp> is how the first is written",
        MODE_FILTER: "the spec declares mode with an empty schema and says its operator is one_of; "
        "mode[one_of]=<mode> is how it is written",
    },
)
EXTRACT = CONTRACT.extract
OPERATIONS = CONTRACT.operations
SCHEMAS: dict[str, Any] = EXTRACT["schemas"]
INCIDENT_ID = "01FDAG4SAP5TYPT98WGR2N7W91"


def assert_conforms(request: Request) -> None:
    CONTRACT.assert_conforms(request, api.headers("inc-contract-key-9f8e", has_body=request.json is not None))


def test_extract_names_its_source_and_is_self_contained() -> None:
    source = assert_self_contained(EXTRACT, "expobrain/python-incidentio-client", "incident_io_openapi.json")
    assert source["url"] == "https://api.incident.io/v1/openapi.json"
    assert source["commit"] == "10f08e57ef4fd0679f74f8922b48841e9d7cd831"


@pytest.mark.parametrize("key", list(OPERATIONS))
def test_extracted_schemas_are_valid_openapi_30_schemas(key: str) -> None:
    operation = OPERATIONS[key]
    assert_parameter_schemas(operation, {"path", "query"})
    if operation["request_body"] is not None:
        OAS30Validator.check_schema(operation["request_body"]["schema"])
    for name in operation["responses"].values():
        OAS30Validator.check_schema(SCHEMAS[name])


def test_every_read_conforms() -> None:
    for request in (
        incidents.build_get(INCIDENT_ID),
        incidents.build_list((), None),
        incidents.build_list(("triage",), INCIDENT_ID, page_size=25),
        catalog.build_catalog("statuses"),
        catalog.build_catalog("severities"),
        catalog.build_catalog("roles"),
        incidents.build_connection_check(),
    ):
        assert_conforms(request)


def test_the_category_filter_is_the_one_known_deviation() -> None:
    problems = CONTRACT.check_request(
        incidents.build_list(("live", "paused"), None), api.headers("k", has_body=False)
    )
    assert problems == []
    raw = Contract(CONTRACT.vendor, EXTRACT, CONTRACT.base_url, CONTRACT.credentials)
    assert raw.check_request(incidents.build_list(("live",), None), api.headers("k", has_body=False)) == [
        CATEGORY_FILTER
    ]


@pytest.mark.parametrize("since", [datetime(2026, 10, 1, 8, 30), datetime(2026, 12, 7, 11, 0, tzinfo=UTC)])
@pytest.mark.parametrize("after", [None, INCIDENT_ID])
def test_change_feed_pages(since: datetime, after: str | None) -> None:
    """The waiting poller's read: incidents of every mode updated since a moment, paged by cursor."""
    request = changes.build_list_changes(since, after)
    params = dict(request.params)
    assert datetime.fromisoformat(params["updated_at[gte]"]).tzinfo is not None
    assert [value for name, value in request.params if name == "mode[one_of]"] == list(writes.MODES)
    assert_conforms(request)
    raw = Contract(CONTRACT.vendor, EXTRACT, CONTRACT.base_url, CONTRACT.credentials)
    assert set(raw.check_request(request, api.headers("k", has_body=False))) == {UPDATED_FILTER, MODE_FILTER}


@pytest.mark.parametrize("notify", [False, True])
def test_every_edit_conforms(notify: bool) -> None:
    edit = writes.validate_update(
        IncidentUpdate(
            title="Renamed", description="Now with a summary", vendor_fields={"call_url": "https://x"}
        )
    )
    edit["severity_id"] = SEVERITIES[1].id
    edit["incident_status_id"] = STATUSES[2].id
    edit["incident_role_assignments"] = [
        writes.role_assignment(ROLES[0].id, (USERS[0].email,)),
        writes.role_assignment(ROLES[2].id, (USERS[1].id,)),
        writes.role_assignment(ROLES[1].id, ()),
    ]
    assert_conforms(writes.build_edit(INCIDENT_ID, edit, notify=notify))


def test_create_conforms_and_carries_the_required_key_and_visibility() -> None:
    from airflow_incident_provider.models import IncidentCreate

    payload = writes.validate_create(
        IncidentCreate(title="Queue stuck", description="Consumers idle", vendor_fields={"mode": "test"})
    )
    payload["severity_id"] = SEVERITIES[0].id
    payload["incident_role_assignments"] = [writes.role_assignment(ROLES[0].id, (USERS[0].id,))]
    request = writes.build_create(payload, "dag/run/task", "private")
    assert_conforms(request)
    CONTRACT.assert_catches(
        writes.build_create({"name": "x"}, "", "secret"), api.headers("k", has_body=True), "visibility"
    )


def test_a_request_without_the_bearer_key_is_caught() -> None:
    CONTRACT.assert_catches(incidents.build_get(INCIDENT_ID), {}, "Authorization")


def test_the_sandbox_answers_with_the_spec_s_response_shapes(incidentio: IncidentIOSandbox) -> None:
    incident_id = incidentio.create(category="live")
    edit = {"incident": {"name": "Checked"}, "notify_incident_channel": False}
    answers = {
        "GET /v1/identity": incidentio.api.get("/v1/identity"),
        "GET /v1/incident_statuses": incidentio.api.get("/v1/incident_statuses"),
        "GET /v1/severities": incidentio.api.get("/v1/severities"),
        "GET /v2/incident_roles": incidentio.api.get("/v2/incident_roles"),
        "GET /v2/incidents": incidentio.api.get("/v2/incidents"),
        "GET /v2/incidents/{id}": incidentio.api.get(f"/v2/incidents/{incident_id}"),
        "POST /v2/incidents/{id}/actions/edit": incidentio.api.post(
            f"/v2/incidents/{incident_id}/actions/edit", json=edit
        ),
        "GET /v2/incident_updates": incidentio.api.get(
            "/v2/incident_updates", params={"incident_id": incident_id}
        ),
    }
    for key, answer in answers.items():
        assert answer.status_code == 200, (key, answer.text)
        schema = SCHEMAS[OPERATIONS[key]["responses"]["200"]]
        assert schema_errors(answer.json(), schema, key) == []
