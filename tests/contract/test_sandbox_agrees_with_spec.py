"""The sandbox takes what the vendors' specs take: edits of valid write bodies, generated from each spec's own
schema (``spec_mutations``), are sent over HTTP to the sandbox against a real incident, and the OAS30
validator of the spec extract is the judge.

- A body the spec accepts is answered 2xx, or refused for the incident's state or a reference that does
  not exist in the account, as the vendor documents (each vendor's ``state_refusal`` names those kinds,
  by code or message; nothing else passes).
- A body the spec refuses is answered 400/422 in the vendor's error format.
- Where the sandbox deliberately differs from the spec, the endpoint lists the choice with its reason;
  the vendor's page in ``docs/`` says the same.

Each vendor with an official spec (``tests/contract/test_<vendor>_contract.py``) declares its endpoints in
its own ``tests/contract/agreement_<vendor>.py``; the machinery is ``sandbox_agreement.py``. A spec'd vendor
without endpoints fails ``test_every_spec_vendor_holds_its_sandbox_to_the_spec``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_incident_provider.sandbox import SandboxServer
from tests.contract.openapi_check import schema_errors
from tests.contract.sandbox_agreement import Endpoint, Handles, judge, load_endpoints, spec_vendors
from tests.contract.spec_mutations import apply

BY_VENDOR, WITHOUT_ENDPOINTS = load_endpoints()
ENDPOINTS = tuple(endpoint for endpoints in BY_VENDOR.values() for endpoint in endpoints)


@pytest.fixture(scope="module")
def handles(sandbox: SandboxServer) -> Iterator[Handles]:
    """Fresh sample data and no rate limit for the whole module; every example makes its own incident."""
    httpx.post(f"{sandbox.url}/_sandbox/reset", json={"empty": False}, timeout=10).raise_for_status()
    result = Handles(sandbox)
    yield result
    result.close()


def test_every_spec_vendor_holds_its_sandbox_to_the_spec() -> None:
    hint = "declare ENDPOINTS in tests/contract/agreement_<vendor>.py"
    assert WITHOUT_ENDPOINTS == (), f"{hint}: {WITHOUT_ENDPOINTS}"
    assert set(BY_VENDOR) == set(spec_vendors())
    assert len({endpoint.id for endpoint in ENDPOINTS}) == len(ENDPOINTS), "endpoint ids are unique"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
def test_base_bodies_are_spec_valid_and_accepted(handles: Handles, endpoint: Endpoint) -> None:
    """The edits start from a body the spec and the sandbox both accept, else nothing is tested."""
    assert schema_errors(endpoint.base, endpoint.schema, "body") == []
    response = endpoint.send(handles.of(endpoint.vendor.handle), endpoint.base)
    assert 200 <= response.status_code < 300, response.text
    assert len(endpoint.catalogue) > 10


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
@given(data=st.data())
def test_sandbox_agrees_with_the_spec(handles: Handles, endpoint: Endpoint, data: st.DataObject) -> None:
    changes = data.draw(st.lists(st.sampled_from(endpoint.catalogue), min_size=1, max_size=3), label="edits")
    body = apply(endpoint.base, changes)
    problem = judge(endpoint, body, endpoint.send(handles.of(endpoint.vendor.handle), body))
    assert problem is None, f"{endpoint.id} after {[str(change) for change in changes]}: {problem}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.id)
def test_every_choice_concerns_some_generated_body(endpoint: Endpoint) -> None:
    """A leniency or strictness no generated body reaches would excuse nothing: each one is live."""
    bodies = [apply(endpoint.base, [change]) for change in endpoint.catalogue]
    for leniency in endpoint.lenient:
        assert any(leniency.normalize(body) != body for body in bodies), leniency.reason
    for strictness in endpoint.stricter:
        assert any(strictness.applies(body) for body in bodies), strictness.reason
