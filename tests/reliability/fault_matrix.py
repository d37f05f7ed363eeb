"""The fault matrix: every vendor x every operation x every injected fault, through the operators, against
the sandbox over real HTTP on 127.0.0.1.

A case: a fresh incident; a fault on the operation's requests (its writes, or its reads for get and
list); the operator runs. It either succeeds (recovered) or raises a clear ``IncidentError`` within its
deadline (failed cleanly); then, as Airflow would retry the task, it runs again with the same task
instance and no fault, and must succeed. Whatever happened, the incident must end as a fault-free run
of the same operation leaves a twin incident (the control), and the sandbox must have taken exactly as
many creating writes (``POST``: incidents, notes) as the control made: nothing created twice, no
escalation two steps up. Anything else is a violation, and so is an error message carrying the connection's
credential. Vendors run concurrently, cases one by one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from airflow_incident_provider.exceptions import IncidentError, UnsupportedOperationError
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.operators import (
    AcknowledgeIncidentOperator,
    AddIncidentNoteOperator,
    CreateIncidentOperator,
    EscalateIncidentOperator,
    GetIncidentOperator,
    ListIncidentsOperator,
    ResolveIncidentOperator,
    UpdateIncidentOperator,
)
from airflow_incident_provider.operators.base import IncidentConnectionOperator
from airflow_incident_provider.vendors import vendor_module
from tests.operators.test_bulk import context as task_context
from tests.operators.test_lifecycle_operators import CREATE_ARGS
from tests.vendor_cases import VENDORS

READ_TIMEOUT = 0.5
TOTAL_TIMEOUT = 4.0
"""Seconds; set on the matrix's connections so a slow or trickling answer ends quickly."""
SLACK = 3.0
"""Seconds an operation may run past its total deadline (the last request's own timeout, scheduling)."""
WRITES = ("POST", "PUT", "PATCH")

FAULTS: dict[str, dict[str, Any]] = {
    "429 x2": {"kind": "status", "status": 429, "retry_after": 1, "times": 2},
    "500 x2": {"kind": "status", "status": 500, "times": 2},
    "502 x2": {"kind": "status", "status": 502, "times": 2},
    "503 x3": {"kind": "status", "status": 503, "times": 3},
    "504 x2": {"kind": "status", "status": 504, "times": 2},
    "reset before body": {"kind": "reset_before_body", "times": 1},
    "reset after body": {"kind": "reset_after_body", "times": 1},
    "slow answer": {"kind": "delay", "seconds": 3 * READ_TIMEOUT, "times": 1},
    "trickle": {"kind": "trickle", "seconds": 0.05, "max_seconds": 30, "times": 1},
    "malformed JSON": {"kind": "malformed_json", "times": 1},
    "HTML answer": {"kind": "wrong_content_type", "times": 1},
}
OPERATIONS = ("create", "update", "acknowledge", "resolve", "escalate", "note", "get", "list")
RECOVERED, FAILED_CLEANLY, VIOLATED = "recovered", "failed cleanly", "violated"


def conn_id(vendor: str) -> str:
    return f"faults_{vendor}"


def connection_extra() -> dict[str, Any]:
    """What the matrix adds to each sandbox connection: short timeouts, no client-side limit."""
    return {
        "read_timeout": READ_TIMEOUT,
        "connect_timeout": 1.0,
        "total_timeout": TOTAL_TIMEOUT,
        "rate_limit_per_minute": 10_000_000,
    }


@dataclass
class Outcome:
    vendor: str
    operation: str
    fault: str
    result: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Snapshot:
    """What the matrix compares between a case and its control."""

    status: str
    title: str | None
    severity: str | None
    creating_writes: int


@dataclass
class VendorRun:
    """One vendor's cases against the sandbox's admin routes."""

    vendor: str
    admin: httpx.Client
    outcomes: list[Outcome] = field(default_factory=list)

    # -- sandbox ---------------------------------------------------------------------------------

    def spawn(self) -> str:
        title = f"Fault matrix {uuid.uuid4().hex[:8]}"
        answer = self.admin.post(
            f"/{self.vendor}/incidents/schedule", json={"title": title, "after_seconds": 0}
        )
        answer.raise_for_status()
        return str(answer.json()["ref"])

    def last_request_id(self) -> int:
        records = self.admin.get("/requests", params={"vendor": self.vendor}).json()["requests"]
        return int(records[-1]["id"]) if records else 0

    def creating_writes(self, after: int) -> int:
        records = self.admin.get("/requests", params={"vendor": self.vendor, "after": after}).json()
        return sum(1 for r in records["requests"] if r["method"] == "POST" and r["applied"])

    @contextmanager
    def fault(self, rule: dict[str, Any], methods: tuple[str, ...]) -> Iterator[None]:
        ids = []
        try:
            for method in methods:
                answer = self.admin.post("/faults", json={"vendor": self.vendor, "method": method, **rule})
                answer.raise_for_status()
                ids.append(answer.json()["id"])
            yield
        finally:
            for rule_id in ids:
                self.admin.delete(f"/faults/{rule_id}")

    # -- operations ------------------------------------------------------------------------------

    def operator(self, operation: str, ref: str, marker: str) -> IncidentConnectionOperator:
        common: dict[str, Any] = {"task_id": f"{operation}_{marker}", "conn_id": conn_id(self.vendor)}
        # On a status page every change is a public message, which the caller must say it means.
        public: dict[str, Any] = (
            {"public": True} if getattr(vendor_module(self.vendor), "STATUS_PAGE", False) else {}
        )
        factories: dict[str, Callable[[], IncidentConnectionOperator]] = {
            "create": lambda: CreateIncidentOperator(
                title=f"Created {marker}", **CREATE_ARGS.get(self.vendor, {}), **common
            ),
            "update": lambda: UpdateIncidentOperator(
                incident_id=ref, title=f"Renamed {marker}", **public, **common
            ),
            "acknowledge": lambda: AcknowledgeIncidentOperator(incident_id=ref, **common),
            "resolve": lambda: ResolveIncidentOperator(incident_id=ref, **public, **common),
            "escalate": lambda: EscalateIncidentOperator(incident_id=ref, **public, **common),
            "note": lambda: AddIncidentNoteOperator(
                incident_id=ref, note=f"Note {marker}", **public, **common
            ),
            "get": lambda: GetIncidentOperator(incident_id=ref, **common),
            "list": lambda: ListIncidentsOperator(statuses=["open"], limit=50, **common),
        }
        return factories[operation]()

    def snapshot(self, operation: str, result: Any, ref: str, after: int) -> Snapshot:
        """The incident as a fault-free read shows it, and the creating writes taken since ``after``."""
        if operation == "create":
            ref = result["ref"]
        if operation == "list" or not ref:
            return Snapshot("-", None, None, self.creating_writes(after))
        incident = get_incident_hook(conn_id(self.vendor)).get_incident(ref)
        title = incident.title if operation in ("create", "update") else None
        return Snapshot(incident.status, title, incident.severity, self.creating_writes(after))

    def run_once(self, operation: str, fault: dict[str, Any] | None) -> tuple[str, Snapshot, str, float]:
        """One case: (result, snapshot, detail, seconds of the faulted attempt)."""
        marker = uuid.uuid4().hex[:8]
        ref = "" if operation in ("create", "list") else self.spawn()
        start = self.last_request_id()
        methods = ("GET",) if operation in ("get", "list") else WRITES
        context = task_context(f"{operation}_{marker}")
        result: Any = None
        detail = ""
        began = time.monotonic()
        try:
            if fault is None:
                result = self.operator(operation, ref, marker).execute(context)
                outcome = RECOVERED
            else:
                with self.fault(fault, methods):
                    try:
                        result = self.operator(operation, ref, marker).execute(context)
                        outcome = RECOVERED
                    except IncidentError as exc:
                        outcome, detail = FAILED_CLEANLY, f"{type(exc).__name__}: {exc}"
        except UnsupportedOperationError:
            raise
        except Exception as exc:  # an unhandled type is itself the violation
            return VIOLATED, Snapshot("-", None, None, 0), f"{type(exc).__name__}: {exc}", 0.0
        seconds = time.monotonic() - began
        if outcome == FAILED_CLEANLY:  # Airflow retries the task: same task instance, the fault gone
            try:
                result = self.operator(operation, ref, marker).execute(context)
            except Exception as exc:
                return (
                    VIOLATED,
                    Snapshot("-", None, None, 0),
                    f"retry failed: {type(exc).__name__}: {exc}",
                    seconds,
                )
        snapshot = self.snapshot(operation, result, ref, start)
        if snapshot.title is not None:  # titles carry the case's marker: compare their shape
            snapshot.title = snapshot.title.replace(marker, "<marker>")
        return outcome, snapshot, detail, seconds

    def run(self) -> list[Outcome]:
        credentials = get_incident_hook(conn_id(self.vendor)).credentials()
        for operation in OPERATIONS:
            try:
                _, control, _, _ = self.run_once(operation, None)
            except UnsupportedOperationError:
                self.outcomes.append(Outcome(self.vendor, operation, "-", "not supported"))
                continue
            for name, rule in FAULTS.items():
                result, snapshot, detail, seconds = self.run_once(operation, rule)
                if result != VIOLATED and snapshot != control:
                    result, detail = VIOLATED, f"ended {snapshot}, a fault-free run ends {control}; {detail}"
                if any(secret in detail for secret in credentials):  # error paths are where tokens leak
                    result, detail = VIOLATED, "the connection's credential is in the error message"
                if result != VIOLATED and seconds > TOTAL_TIMEOUT + SLACK:
                    result, detail = VIOLATED, f"took {seconds:.1f} s, past the {TOTAL_TIMEOUT:g} s deadline"
                self.outcomes.append(Outcome(self.vendor, operation, name, result, detail, seconds))
        return self.outcomes


def run_matrix(sandbox_url: str, vendors: tuple[str, ...] = VENDORS) -> list[Outcome]:
    """Every case for ``vendors``, concurrently by vendor; connections must already point at the sandbox."""

    def one(vendor: str) -> list[Outcome]:
        with httpx.Client(base_url=f"{sandbox_url}/_sandbox", timeout=30, trust_env=False) as admin:
            admin.put(f"/config/{vendor}", json={"rate_limit_per_minute": 10_000_000}).raise_for_status()
            return VendorRun(vendor, admin).run()

    with ThreadPoolExecutor(max_workers=len(vendors)) as pool:
        return [outcome for outcomes in pool.map(one, vendors) for outcome in outcomes]


def table(outcomes: list[Outcome]) -> str:
    """Cases tried, recovered, failed cleanly and violated, by fault and by vendor, as Markdown."""
    tried = [o for o in outcomes if o.result != "not supported"]
    results = (RECOVERED, FAILED_CLEANLY, VIOLATED)

    def rows(title: str, groups: list[str], key: Callable[[Outcome], str]) -> list[str]:
        lines = [
            f"| {title} | Cases | Recovered | Failed cleanly, then retried | Violated |",
            "|---|---|---|---|---|",
        ]
        for group in [*groups, "all"]:
            cases = [o for o in tried if group in ("all", key(o))]
            counts = [sum(1 for o in cases if o.result == result) for result in results]
            label = f"**{group}**" if group == "all" else group
            lines.append(f"| {label} | {len(cases)} | {counts[0]} | {counts[1]} | {counts[2]} |")
        return lines

    lines = rows("Fault", list(FAULTS), lambda o: o.fault)
    lines += ["", *rows("Vendor", sorted({o.vendor for o in outcomes}), lambda o: o.vendor)]
    skipped = sorted({f"{o.vendor} {o.operation}" for o in outcomes if o.result == "not supported"})
    if skipped:
        lines += ["", "Not supported by the vendor (refused before any request): " + ", ".join(skipped) + "."]
    return "\n".join(lines)
