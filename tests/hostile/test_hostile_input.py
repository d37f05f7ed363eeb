"""Hostile input, property-based: every operator argument and ``vendor_fields``, for every vendor, filled
with oversized, wrong-type, injection-looking and unicode values (hypothesis), run through the operator
against the sandbox over real HTTP on 127.0.0.1.

Each run must end one of three ways, or the test fails:

- it succeeds, and every request it sent conforms (below);
- it raises :class:`IncidentValidationError` naming the field, before any write was sent (reads that
  validation needs, such as PagerDuty's priority names, may come first);
- it raises another :class:`IncidentError` (the vendor refused, the incident is gone...), every request
  it sent having conformed.

A request conforms when it validates against the vendor's OpenAPI spec (PagerDuty, Rootly, DevHelm), or
against the seed's limits as the sandbox enforces them (UptimeIO, Pinghome: the sandbox refuses what the
seed refuses), and its path is made of canonically encoded segments: no ``?``, ``#``, dot segment or
undecoded ``%`` that an id could have smuggled in. Any other exception type is a failure: user input
never crashes an operator with a ``KeyError``, a ``TypeError`` or a pydantic error.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

import pytest
from airflow.sdk.exceptions import AirflowFailException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_incident_provider.exceptions import (
    IncidentError,
    IncidentValidationError,
    VendorValidationError,
)
from airflow_incident_provider.hooks import transport
from airflow_incident_provider.operators import (
    AcknowledgeIncidentOperator,
    AddIncidentNoteOperator,
    BulkUpdateIncidentsOperator,
    CreateIncidentOperator,
    EscalateIncidentOperator,
    GetIncidentOperator,
    ListIncidentsOperator,
    ReassignIncidentOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
from airflow_incident_provider.sensors import IncidentStatusSensor
from airflow_incident_provider.vendors import vendor_module
from airflow_incident_provider.vendors.base import Request
from tests.contract.openapi_check import Contract
from tests.contract.test_devhelm_contract import CONTRACT as DEVHELM
from tests.contract.test_incidentio_contract import CONTRACT as INCIDENTIO
from tests.contract.test_pagerduty_contract import CONTRACT as PAGERDUTY
from tests.contract.test_rootly_contract import CONTRACT as ROOTLY
from tests.operators.test_bulk import context
from tests.vendor_cases import VENDOR_CASES

CONTRACTS: dict[str, Contract] = {
    "pagerduty": PAGERDUTY,
    "rootly": ROOTLY,
    "devhelm": DEVHELM,
    "incidentio": INCIDENTIO,
}
"""The vendors with an official spec; UptimeIO's and Pinghome's limits are the seed's (the sandbox's)."""
WRITES = ("POST", "PUT", "PATCH", "DELETE")

# --- values -----------------------------------------------------------------------------------------------

INJECTIONS = (
    "",
    " ",
    ".",
    "..",
    "../",
    "../../admin",
    "a/../b",
    "?status=resolved",
    "#fragment",
    "%2F",
    "a%2F..%2Fb",
    "%00",
    "a\x00b",
    "\r\nX-Injected: 1",
    "'; DROP TABLE incidents; --",
    "{{ 7 * 7 }}",
    "<script>alert(1)</script>",
    "\u202eevil",
    "\U0001f525 on fire",
    "e\u0301",
    "\ufeff",
)
"""Values that have broken HTTP clients, templates or servers somewhere."""

oversized = st.builds(lambda char, count: char * count, st.characters(), st.integers(256, 70_000))
hostile_text = st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=40), oversized)
wrong_type = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
anything = st.one_of(st.none(), hostile_text, wrong_type)
STATUS_WORDS = ("acknowledged", "resolved", "triggered", "investigating", "monitoring", "mitigated", "open")
SEVERITY_WORDS = ("critical", "high", "low", "SEV1", "P1", "major", "minor")
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))

PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    # Free text: any string at all is a value a caller may pass; the provider must send or refuse it.
    "title": hostile_text,
    "description": hostile_text,
    "note": hostile_text,
    "resolution": hostile_text,
    "dedup_key": hostile_text,
    # Words and ids of the right type, the words real ones, the ids made up.
    "status": st.sampled_from(STATUS_WORDS),
    "severity": st.sampled_from(SEVERITY_WORDS),
    "assignees": st.lists(hostile_text, min_size=1, max_size=2),
    "escalation_level": st.integers(1, 5),
    "statuses": st.lists(st.sampled_from(STATUS_WORDS), max_size=3),
    "services": st.lists(hostile_text, max_size=2),
    "teams": st.lists(hostile_text, max_size=2),
    "since": moments,
    "until": moments,
    "limit": st.integers(1, 500),
    "action": st.sampled_from(["resolve", "acknowledge"]),
    "max_concurrency": st.integers(1, 20),
    "target_statuses": st.lists(st.sampled_from(STATUS_WORDS), min_size=1, max_size=2),
    "failure_statuses": st.lists(st.sampled_from(STATUS_WORDS), max_size=2),
    "changed_from": st.lists(st.sampled_from(STATUS_WORDS), max_size=2),
    "older_than": st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    "from_triage": st.sampled_from(["start", "cancel", "fail"]),
    "public": st.booleans(),
    "notify_subscribers": st.booleans(),
    "allow_reopen": st.booleans(),
    "include_raw": st.booleans(),
}
"""A value of the right shape for each argument (the content still hostile where free text allows it)."""
PLAUSIBLE_FOR_ALL = {*PLAUSIBLE, "incident_id", "incident_ids", "vendor_fields"}
"""With the ones that depend on the case (the live incident, the vendor's field names)."""
NOT_FUZZED = ("conn_id", "deferrable", "poke_interval", "timeout")
"""Arguments left alone: the connection under test, and how the sensor is scheduled (only poked here)."""


def arguments(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Operator ``name``'s required and optional arguments, read from its signature, so an argument added
    later is fuzzed too (``test_every_argument_has_a_plausible_value`` makes sure it can be)."""
    parameters = [
        parameter
        for parameter in inspect.signature(OPERATORS[name].__init__).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.name not in NOT_FUZZED
    ]
    required = tuple(p.name for p in parameters if p.default is inspect.Parameter.empty)
    optional = tuple(p.name for p in parameters if p.default is not inspect.Parameter.empty)
    return required, optional


def vendor_fields(vendor: str) -> st.SearchStrategy[dict[Any, Any]]:
    """``vendor_fields`` dicts: the vendor's own field names (and made-up ones), with hostile values."""
    module = vendor_module(vendor)
    names = sorted({*module.VENDOR_FIELDS, *getattr(module, "CREATE_VENDOR_FIELDS", ())})
    return st.dictionaries(st.one_of(st.sampled_from(names), hostile_text), anything, max_size=3)


def operator_args(name: str, live: str, vendor: str) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for operator ``name``: plausible ones, with up to two replaced by anything at all
    (for ``incident_id``: also the real id with hostile text appended)."""
    required, optional = arguments(name)
    plausible = {
        **PLAUSIBLE,
        "incident_id": st.just(live),
        "incident_ids": st.lists(st.one_of(st.just(live), hostile_text), min_size=1, max_size=3),
        "vendor_fields": vendor_fields(vendor),
    }
    hostile = {
        **dict.fromkeys(required + optional, anything),
        "incident_id": st.one_of(anything, st.builds(lambda text: live + text, hostile_text)),
    }
    base = st.fixed_dictionaries(
        {key: plausible[key] for key in required}, optional={key: plausible[key] for key in optional}
    )
    replaced = st.lists(
        st.sampled_from(required + optional).flatmap(lambda key: st.tuples(st.just(key), hostile[key])),
        max_size=2,
    )
    return st.tuples(base, replaced).map(lambda pair: {**pair[0], **dict(pair[1])})


OPERATORS: dict[str, Callable[..., Any]] = {
    "create": CreateIncidentOperator,
    "update": UpdateIncidentOperator,
    "acknowledge": AcknowledgeIncidentOperator,
    "resolve": ResolveIncidentOperator,
    "escalate": EscalateIncidentOperator,
    "reassign": ReassignIncidentOperator,
    "note": AddIncidentNoteOperator,
    "get": GetIncidentOperator,
    "list": ListIncidentsOperator,
    "bulk": BulkUpdateIncidentsOperator,
    "wait": IncidentStatusSensor,
}
WITH_VISIBILITY = {name for name in OPERATORS if "public" in arguments(name)[1]}
"""The operators that take ``public`` (status pages need it; it is generated too, so sometimes False)."""

# --- watching what is sent --------------------------------------------------------------------------------


@dataclass
class Sent:
    """The requests one operator run sent, as the hook built them, and what was wrong with each."""

    requests: list[Request] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def writes(self) -> list[Request]:
        return [request for request in self.requests if request.method in WRITES]


def path_problems(request: Request) -> list[str]:
    """Ways an id could have steered the path: no ``?``, ``#`` or dot segment, and each segment encoded
    as the provider encodes ids (everything but letters, digits and ``-._~`` percent-encoded)."""
    path = request.path
    if "?" in path or "#" in path:
        return [f"{request.method} {path}: a '?' or '#' in the path"]
    problems = []
    for segment in path.split("/")[1:]:
        if segment in (".", ".."):
            problems.append(f"{request.method} {path}: dot segment {segment!r}")
        elif quote(unquote(segment), safe="") != segment:
            problems.append(f"{request.method} {path}: segment {segment!r} is not canonically encoded")
    return problems


@contextmanager
def watching(vendor: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sent]:
    """Record every request the hooks send, and check it against the vendor's spec as it goes."""
    sent = Sent()
    real_send = transport.send
    contract = CONTRACTS.get(vendor)

    def send(
        client: Any, name: str, request: Request, url: str, headers: Mapping[str, str], deadline: float
    ) -> Any:
        sent.requests.append(request)
        sent.problems.extend(path_problems(request))
        if contract is not None:
            sent.problems.extend(
                f"{request.describe()}: {p}" for p in contract.check_request(request, headers)
            )
        return real_send(client, name, request, url, headers, deadline)

    with monkeypatch.context() as patch:
        patch.setattr(transport, "send", send)
        yield sent


TALLY: defaultdict[str, Counter[str]] = defaultdict(Counter)
"""Per vendor: how the runs ended, and how many requests were checked (the suite's figures)."""
OUTCOMES = ("succeeded", "refused before sending", "refused after reads", "vendor refused")


def classify(error: IncidentError | None, sent: Sent) -> str:
    if error is None:
        return OUTCOMES[0]
    if isinstance(error, IncidentValidationError):
        return OUTCOMES[1] if not sent.requests else OUTCOMES[2]
    return OUTCOMES[3]


UNKNOWN_REFERENCE = re.compile(r"^[\w\[\].]+: no (user|team) with id |^Invalid monitor IDs: ")
"""How the sandbox's Pinghome and UptimeIO refuse a well-formed id that names nothing they hold."""


def refers_to_unknown(error: VendorValidationError) -> bool:
    """Whether the vendor refused only ids that exist nowhere: well-formed input no provider can check
    without asking (the request itself kept the seed's limits)."""
    problems = error.details or (error.vendor_message,)
    return all(UNKNOWN_REFERENCE.search(problem) for problem in problems)


def outcome(vendor: str, conn_id: str, name: str, kwargs: dict[str, Any]) -> IncidentError | None:
    """Build and execute the operator: None when it succeeded, else the provider's error it raised
    (any other exception propagates, and fails the test)."""
    # A status page posts a change only when told it is public (else the operator refuses, correctly);
    # a generated ``public`` wins over that default.
    status_page = getattr(vendor_module(vendor), "STATUS_PAGE", False)
    visibility = {"public": True} if status_page and name in WITH_VISIBILITY else {}
    try:
        operator = OPERATORS[name](task_id=f"hostile_{name}", conn_id=conn_id, **{**visibility, **kwargs})
        if isinstance(operator, IncidentStatusSensor):
            operator.poke(context(f"hostile_{name}"))  # one check: the sensor's only request
        else:
            operator.execute(context(f"hostile_{name}"))
    except IncidentError as exc:
        return exc
    except AirflowFailException as exc:
        if name != "wait":
            raise
        return IncidentError(str(exc))  # the sensor saw a failure status: its documented way to fail
    return None


def assert_allowed(vendor: str, error: IncidentError | None, sent: Sent, kwargs: dict[str, Any]) -> None:
    """The run ended one of the three allowed ways (see the module's docstring)."""
    if isinstance(error, IncidentValidationError):
        assert error.field, f"{error!r} names no field"
        assert repr(error.field) in str(error), f"{error} does not name {error.field!r}"
        assert not sent.writes, f"{error} came after writes: {[r.describe() for r in sent.writes]}"
    if isinstance(error, VendorValidationError) and vendor not in CONTRACTS and not refers_to_unknown(error):
        raise AssertionError(f"{vendor} refused a request the provider should have caught: {error}")
    assert sent.problems == [], "\n".join(sent.problems)
    raw_id = kwargs.get("incident_id")
    if isinstance(raw_id, str) and "%" in raw_id.strip():  # sent as is, it would be decoded by the vendor
        passed_through = [r.describe() for r in sent.requests if raw_id.strip() in r.path.split("/")]
        assert passed_through == [], f"{raw_id!r} reached a path unencoded: {passed_through}"


@pytest.mark.parametrize("name", list(OPERATORS))
def test_every_argument_has_a_plausible_value(name: str) -> None:
    required, optional = arguments(name)
    assert required or optional
    assert [argument for argument in required + optional if argument not in PLAUSIBLE_FOR_ALL] == []


@pytest.mark.parametrize("name", list(OPERATORS))
@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_hostile_arguments_become_valid_requests_or_clear_errors(
    vendor: str, name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture, conn_id, *_ = VENDOR_CASES[vendor]
    live = request.getfixturevalue(fixture).create()

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(kwargs=operator_args(name, live, vendor))
    def property_holds(kwargs: dict[str, Any]) -> None:
        with watching(vendor, monkeypatch) as sent:
            error = outcome(vendor, conn_id, name, kwargs)
        assert_allowed(vendor, error, sent, kwargs)
        TALLY[vendor][classify(error, sent)] += 1
        TALLY[vendor]["requests checked"] += len(sent.requests)

    property_holds()


def outcome_table() -> list[str]:
    """The figures: per vendor, how the runs ended and how many requests were checked."""
    columns = (*OUTCOMES, "requests checked")
    lines = [f"{'vendor':10}" + "".join(f"{name:>24}" for name in columns)]
    for vendor, counts in sorted(TALLY.items()):
        lines.append(f"{vendor:10}" + "".join(f"{counts[name]:24}" for name in columns))
    return lines


@pytest.fixture(scope="module", autouse=True)
def reached_every_vendor() -> Iterator[None]:
    """After the whole module: the hostile runs reached every vendor's API (else the property is empty)."""
    yield
    if len(TALLY) < len(VENDOR_CASES):  # only part of the module ran
        return
    for vendor, counts in TALLY.items():
        assert counts[OUTCOMES[0]] > 0, (
            f"no hostile run against {vendor} succeeded: the inputs never reach it"
        )
        assert counts["requests checked"] > 0, vendor


@pytest.mark.parametrize("vendor", sorted(VENDOR_CASES))
def test_injection_looking_ids_never_leave_their_path_segment(
    vendor: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every injection-looking value, alone and after a real id, as the incident of a read and a write."""
    fixture, conn_id, *_ = VENDOR_CASES[vendor]
    live = request.getfixturevalue(fixture).create()
    for injected in INJECTIONS:
        for incident_id in (injected, live + injected, f"{live}/{injected}"):
            for name, kwargs in (("get", {}), ("note", {"note": "Rolled back"})):
                given_args = {"incident_id": incident_id, **kwargs}
                with watching(vendor, monkeypatch) as sent:
                    error = outcome(vendor, conn_id, name, given_args)
                assert_allowed(vendor, error, sent, given_args)
