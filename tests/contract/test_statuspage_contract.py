"""Contract tests: each request the Statuspage vendor module builds, as it goes on the wire, against
Statuspage's OpenAPI 3.0 document.

The schemas come from ``statuspage_schemas.json``, an extract of the ``swagger.json`` Statuspage publishes
at developer.statuspage.io, as kept in ``sbecker59/statuspage-api-client-go`` (its nightly job follows the
published document; ``scripts/extract_schemas.py statuspage`` makes the extract, whose ``source`` names the
commit). What is Statuspage's own: ids are plain strings, every write wraps its fields in ``incident``,
and the key goes in ``Authorization: OAuth <key>`` (an ``apiKey`` scheme, so the checker checks its shape).
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from airflow_incident_provider.hooks.statuspage import StatuspageIncidentHook
from airflow_incident_provider.models import Escalation, IncidentCreate, IncidentUpdate, WriteOptions
from airflow_incident_provider.vendors.base import Request
from airflow_incident_provider.vendors.statuspage import api, incidents, updates
from tests.contract.openapi_check import (
    Contract,
    Credentials,
    assert_parameter_schemas,
    assert_self_contained,
    load_extract,
)
from tests.hooks.scripted import drive, ok

CONTRACT = Contract(
    vendor="Statuspage",
    extract=load_extract("statuspage_schemas.json"),
    base_url=api.BASE_URL.removesuffix("/v1"),  # the spec's paths are relative to its server's /v1
    credentials=Credentials(re.compile(r"^OAuth \S+$"), "an OAuth key"),
)
EXTRACT = CONTRACT.extract
OPERATIONS = CONTRACT.operations
KEY = "contract-key-1f2e3d4c5b6a"
PAGE, INCIDENT = "gytm4qzbx9t6", "p31zjtct2jer"
REF = api.IncidentRef(PAGE, INCIDENT)
PATCH = "PATCH /pages/{page_id}/incidents/{incident_id}"
DEFECT = '"type": "Object"'


def assert_conforms(request: Request) -> None:
    CONTRACT.assert_conforms(request, api.headers(KEY, has_body=request.json is not None))


def incident_json(status: str = "investigating", impact: str = "minor", **extra: Any) -> dict[str, Any]:
    return {"id": INCIDENT, "page_id": PAGE, "name": "Disk full", "status": status, "impact": impact, **extra}


def flow_requests(flow: Any, answer: dict[str, Any] | list[Any]) -> list[Request]:
    """Every request a hook flow sends, each answered with ``answer``."""
    _, requests = drive(flow, lambda request: ok(answer), vendor=api.NAME)
    return list(requests)


def hook() -> StatuspageIncidentHook:
    from airflow.sdk import Connection

    connection = Connection(
        conn_id="contract", conn_type="statuspage_incidents", password=KEY, extra=f'{{"page_id": "{PAGE}"}}'
    )
    return StatuspageIncidentHook("contract", connection=connection)


# --- the extract itself -------------------------------------------------------------------------------


def test_extract_names_its_source_and_is_self_contained() -> None:
    source = assert_self_contained(EXTRACT, "sbecker59/statuspage-api-client-go", "swagger.json")
    assert source["commit"] == "bc4d957c958f5881e11c687068783591c2a58604"
    assert source["url"] == "https://developer.statuspage.io/"
    assert "licence" in source["note"]
    assert source["servers"] == [api.BASE_URL]
    (scheme,) = EXTRACT["security"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Authorization: OAuth " in scheme["description"]


@pytest.mark.parametrize("key", list(OPERATIONS))
def test_extracted_schemas_are_valid_openapi_30_schemas(key: str) -> None:
    operation = OPERATIONS[key]
    assert_parameter_schemas(operation, {"path", "query"})
    if operation["request_body"] is not None:
        OAS30Validator.check_schema(operation["request_body"]["schema"])
    # The published document's one defect in what the provider reads: the Incident's metadata is typed
    # "Object". The provider validates no response against the spec, so it only matters here.
    OAS30Validator.check_schema(
        json.loads(json.dumps(operation["response"]["schema"]).replace(DEFECT, DEFECT.lower()))
    )


def test_the_response_defect_is_only_the_metadata_type() -> None:
    text = json.dumps(OPERATIONS["GET /pages/{page_id}/incidents/{incident_id}"]["response"]["schema"])
    assert text.count(DEFECT) == 1
    assert '"metadata": {"type": "Object"' in text


def test_the_spec_states_the_facts_the_module_holds() -> None:
    """Statuses, impacts, component statuses, the limits in the descriptions and the notification default."""
    incident = OPERATIONS[PATCH]["request_body"]["schema"]["properties"]["incident"]["properties"]
    assert incident["status"]["enum"] == [*incidents.REALTIME, *incidents.MAINTENANCE]
    assert set(updates.IMPACTS) < set(incident["impact_override"]["enum"])
    (component,) = incident["components"]["properties"].values()
    assert set(component["enum"]) == {*updates.COMPONENT_STATUSES, ""}
    assert f"maximum limit of {updates.NAME_MAX_LENGTH} characters" in incident["name"]["description"]
    assert f"maximum limit of {updates.BODY_MAX_LENGTH} characters" in incident["body"]["description"]
    assert incident["deliver_notifications"]["default"] is True, "so the provider always sends it"
    assert "top-level values in the object must also be objects" in incident["metadata"]["description"]
    limit = OPERATIONS["GET /pages/{page_id}/incidents"]["parameters"]
    assert "maximum limit is 100" in next(p for p in limit if p["name"] == "limit")["description"]
    assert incidents.LIST_PAGE_SIZE == 100


# --- negative controls ----------------------------------------------------------------------------------

_PATH = f"/pages/{PAGE}/incidents/{INCIDENT}"


@pytest.mark.parametrize(
    ("request_", "headers", "expected"),
    [
        (Request("PATCH", _PATH, json={"incident": {"status": "open"}}), None, "'open' is not one of"),
        (Request("PATCH", _PATH, json={"incident": {"impact_override": "high"}}), None, "is not one of"),
        (Request("PATCH", _PATH, json={"incident": {"deliver_notifications": "no"}}), None, "not of type"),
        (Request("PATCH", _PATH), None, "body: required but absent"),
        (Request("POST", f"/pages/{PAGE}/incidents", json={"incident": {}}), None, "'name' is a required"),
        (Request("GET", f"/pages/{PAGE}/incidents", params=(("size", "5"),)), None, "not a parameter"),
        (Request("GET", _PATH), {"Authorization": f"Bearer {KEY}"}, "not an OAuth key"),
        (Request("DELETE", f"/pages/{PAGE}"), None, "no operation"),
    ],
)
def test_checker_catches_broken_requests(
    request_: Request, headers: dict[str, str] | None, expected: str
) -> None:
    CONTRACT.assert_catches(request_, headers or {"Authorization": f"OAuth {KEY}"}, expected)


# --- reads ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", [INCIDENT, f"{PAGE}/{INCIDENT}", f" {PAGE}/{INCIDENT} "])
def test_get(ref: str) -> None:
    assert_conforms(incidents.build_get(api.parse_ref(ref, PAGE)))


@pytest.mark.parametrize("unresolved", [False, True])
@pytest.mark.parametrize("page", [1, 2, 50])
def test_list_pages(page: int, unresolved: bool) -> None:
    assert_conforms(incidents.build_list(PAGE, page, unresolved=unresolved))


@pytest.mark.parametrize("page", [None, 1, 12])
def test_change_feed_pages(page: int | None) -> None:
    """The waiting poller's read: the page's unresolved incidents, the spec's ``page`` and ``per_page``."""
    request = incidents.CONNECTION_PAGE.request(PAGE, page)
    assert dict(request.params) == {"page": str(page or 1), "per_page": str(incidents.LIST_PAGE_SIZE)}
    assert (
        request.path == f"/pages/{PAGE}/incidents/unresolved"
    )  # the spec's getPagesPageIdIncidentsUnresolved
    assert_conforms(request)


@pytest.mark.parametrize("page_id", [PAGE, None])
def test_connection_check(page_id: str | None) -> None:
    assert_conforms(incidents.build_connection_check(page_id))


# --- writes, as the hook's flows build them ----------------------------------------------------------------

PUBLIC = WriteOptions(public=True)
KEYED = WriteOptions(public=True, idempotency_key="k-1", notify_subscribers=True)
UPDATES = [
    IncidentUpdate(title="Payments are slow"),
    IncidentUpdate(status="identified", note="We found the cause."),
    IncidentUpdate(status="mitigated"),
    IncidentUpdate(status="resolved", resolution="Fixed.", note="Thanks for your patience."),
    IncidentUpdate(severity="critical"),
    IncidentUpdate(note="Still on it", vendor_fields={"components": {"cmp1": "partial_outage"}}),
    IncidentUpdate(vendor_fields={"component_ids": ["cmp1", "cmp2"]}),
]


@pytest.mark.parametrize("options", [PUBLIC, KEYED], ids=["plain", "keyed-notified"])
@pytest.mark.parametrize(
    "update", UPDATES, ids=lambda update: ",".join(sorted(update.model_dump(exclude_none=True)))
)
def test_update(update: IncidentUpdate, options: WriteOptions) -> None:
    requests = flow_requests(hook().update_flow(INCIDENT, update, options), incident_json(metadata={"x": {}}))
    assert [request.method for request in requests] == ["GET", "PATCH"]
    for request in requests:
        assert_conforms(request)
    assert requests[1].json["incident"]["deliver_notifications"] is options.notify_subscribers


def test_a_maintenance_moves_with_its_own_words() -> None:
    update = IncidentUpdate(status="mitigated", note="Checking the upgrade.")
    requests = flow_requests(
        hook().update_flow(INCIDENT, update, PUBLIC), incident_json("in_progress", "maintenance")
    )
    assert requests[1].json["incident"]["status"] == "verifying"
    assert_conforms(requests[1])


def test_resolve_note_escalate_and_create() -> None:
    current = incident_json()
    flows = [
        hook().resolve_flow(INCIDENT, "Fixed", "Root cause next week", KEYED),
        hook().add_note_flow(f"{PAGE}/{INCIDENT}", "Still investigating", KEYED),
        hook().escalate_flow(INCIDENT, Escalation(note="Worse than thought"), PUBLIC),
        hook().escalate_flow(INCIDENT, Escalation(severity="critical"), PUBLIC),
    ]
    for flow in flows:
        for request in flow_requests(flow, current):
            assert_conforms(request)
    create = IncidentCreate(
        title="Checkout down",
        description="We are looking into it.",
        severity="major",
        dedup_key="d-1",
        vendor_fields={"components": {"cmp1": "major_outage"}, "component_ids": ["cmp2"]},
    )
    _, listed = drive(
        hook().create_flow(create, KEYED),
        lambda request: ok([] if request.method == "GET" else current),
        vendor=api.NAME,
    )
    assert [request.method for request in listed] == ["GET", "POST"]
    for request in listed:
        assert_conforms(request)


text = st.text(alphabet=string.printable, min_size=1, max_size=300).filter(str.strip)


@given(
    title=st.one_of(st.none(), text),
    status=st.one_of(st.none(), st.sampled_from([*incidents.REALTIME, "open", "acknowledged", "mitigated"])),
    severity=st.one_of(st.none(), st.sampled_from(updates.IMPACTS)),
    note=st.one_of(st.none(), text),
)
def test_any_valid_update_conforms(
    title: str | None, status: str | None, severity: str | None, note: str | None
) -> None:
    update = IncidentUpdate(title=title, status=status, severity=severity, note=note)
    if update.is_empty():
        return
    for request in flow_requests(hook().update_flow(INCIDENT, update, KEYED), incident_json()):
        assert_conforms(request)
