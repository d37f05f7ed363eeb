"""End to end: the example DAGs in a real Airflow (api-server, scheduler, dag-processor, triggerer).

``make e2e`` (and ``make test``) runs this module. It uses the session's deployment of
``scripts/deployment.py`` (``conftest.py``, ``shared.py``) in a temporary home, against a sandbox
whose every credential is a distinctive token, and proves through Airflow's REST API (``/api/v2``)
and the sandbox what unit tests cannot: the scheduler runs a conf-triggered remediation to the end;
the real triggerer's asset watcher turns one new incident into exactly one run; a deferrable sensor
really waits in the triggerer; the DAGs change only the incidents they were given; and, in the
secrets audit, no credential, derived token or meeting password reaches a log, an XCom value, a
rendered field or an asset event, even from runs that fail. Every wait is bounded and fails with the
log tail that explains it; the deployment is stopped whatever happens, and the session fails if any
of its processes outlives it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest

from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.registry import BY_CONN_TYPE, VENDOR_NAMES
from airflow_incident_provider.sandbox import SandboxServer
from airflow_incident_provider.sandbox.pinghome.router import PinghomeBackend
from airflow_incident_provider.sandbox.pinghome.seed import ACCOUNT_EMAIL
from airflow_incident_provider.sandbox.rootly.router import RootlyBackend
from airflow_incident_provider.sandbox.rootly.seed import MEETING
from airflow_incident_provider.triggers.incident_event import MEMORY_PREFIX
from airflow_incident_provider.vendors import pinghome, vendor_module
from tests.e2e.shared import (
    ACK_AND_RESOLVE,
    HAND_OVER,
    ON_EVENT,
    PAGERDUTY_HEADERS,
    POSTMORTEM,
    REMEDIATION,
    SIGN_IN_CONN_ID,
    STATUS_PAGE_SYNC,
    TESTED_DAGS,
    TOKENS,
    Running,
)

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
from deployment import WATCHER_MEMORY_PREFIX, Deployment

pytestmark = pytest.mark.e2e

MEETING_SECRETS = tuple(
    str(MEETING[name])
    for name in ("zoom_meeting_password", "zoom_meeting_pstn_password", "zoom_meeting_start_url")
)
"""The Rootly sample bridge's passwords and host link: vendor data that must not leave the hook."""
WAIT = 90.0
"""Default bound of every wait; the whole module stays well under four minutes."""

RESOLUTION = "Resolved automatically: restarted the failed workers; error rate back under 0.1%."
"""The resolution the remediation runbook writes (its ``verify`` result in the resolve template)."""
ACKNOWLEDGEMENT = "Automated remediation has started"
T = TypeVar("T")


@dataclass
class E2E:
    """The running deployment, its sandbox and REST client, and what the tests opened in the sandbox."""

    deployment: Deployment
    sandbox: SandboxServer
    api: httpx.Client
    conf_incident: str
    """A PagerDuty incident opened before Airflow started: in the event watcher's baseline."""
    baseline: dict[str, str]
    """PagerDuty incident id -> status before Airflow started."""
    opened: set[str] = field(default_factory=set)
    """Refs of the incidents the tests opened (the only ones any DAG may change)."""
    runs: list[tuple[str, str]] = field(default_factory=list)
    """(dag id, run id) of every run the tests triggered, for the secrets audit."""
    conn_ids: set[str] = field(default_factory=set)
    """The connections the triggered runs' confs name (``conn_id``, ``source_conn_id``...)."""

    # ------------------------------------------------------------ waiting

    def wait_for(
        self, what: str, check: Callable[[], T | None], *, logs: tuple[str, ...], timeout: float = WAIT
    ) -> T:
        """Poll ``check`` until it returns a value; after ``timeout``, fail with the named logs' tails."""
        deadline = time.monotonic() + timeout
        while True:
            self.deployment.check_running()
            value = check()
            if value is not None:
                return value
            if time.monotonic() > deadline:
                pytest.fail(
                    f"timed out after {timeout:.0f} s waiting for {what}\n"
                    f"{self.deployment.log_tails(*logs)}\nhome: {self.deployment.home}"
                )
            time.sleep(0.5)

    # ------------------------------------------------------------ Airflow's REST API

    def get(self, path: str, **params: Any) -> Any:
        response = self.api.get(path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        response = self.api.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
        assert response.status_code in (200, 201), response.text
        run_id = str(response.json()["dag_run_id"])
        self.runs.append((dag_id, run_id))
        self.conn_ids.update(str(value) for key, value in conf.items() if key.endswith("conn_id"))
        return run_id

    def vendors_used(self) -> set[str]:
        """The vendors whose connections the triggered runs used."""
        connections = self.deployment.connections()
        return {BY_CONN_TYPE[connections[conn_id]["conn_type"]].name for conn_id in self.conn_ids}

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """Task id -> task instance of one run."""
        body = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti for ti in body["task_instances"]}

    def all_task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of one run, mapped ones included, page by page (the API's pages hold 100)."""
        found: list[dict[str, Any]] = []
        while True:
            path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
            page = self.get(path, limit=100, offset=len(found), order_by="id")["task_instances"]
            found.extend(page)
            if len(page) < 100:
                return found

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        return {task_id: ti["state"] for task_id, ti in self.task_instances(dag_id, run_id).items()}

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """One try's log as the UI shows it (task and trigger lines), one JSON record per line."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"
        response = self.api.get(path, params={"full_content": True})
        if response.status_code != 200:
            return f"(no log: {response.status_code} {response.text})"
        return "\n".join(log_line(record) for record in response.json().get("content") or ())

    def stored_values(self, dag_id: str, run_id: str) -> Iterator[tuple[str, str]]:
        """(where, JSON text) of every task's rendered fields and XCom values in one run."""
        base = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        for ti in self.all_task_instances(dag_id, run_id):
            where = f"{dag_id}/{run_id}/{ti['task_id']}[{ti['map_index']}]"
            yield f"{where} rendered fields", json.dumps(ti.get("rendered_fields"))
            entries = self.get(f"{base}/{ti['task_id']}/xcomEntries", map_index=ti["map_index"])
            for entry in entries["xcom_entries"]:
                key = entry["key"]
                value = self.get(
                    f"{base}/{ti['task_id']}/xcomEntries/{key}", map_index=ti["map_index"], stringify=False
                )
                yield f"{where} XCom {key!r}", json.dumps(value)

    def report(self, dag_id: str, run_id: str) -> str:
        """Task states, and the log tail of every task that did not succeed (for failure messages)."""
        lines = [f"{dag_id} / {run_id}"]
        for task_id, ti in self.task_instances(dag_id, run_id).items():
            lines.append(f"  {task_id}: {ti['state']}")
            if ti["state"] not in ("success", "skipped") and ti["try_number"]:
                log = self.task_log(dag_id, run_id, task_id, ti["try_number"])
                lines.append("    " + log[-3000:].replace("\n", "\n    "))
        return "\n".join(lines)

    def finished(self, dag_id: str, run_id: str, timeout: float = WAIT) -> str:
        """Wait until the run succeeded or failed; the state, or a failure with the task report."""

        def state() -> str | None:
            value = self.get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            return str(value) if value in ("success", "failed") else None

        try:
            return self.wait_for(
                f"{dag_id} run {run_id} to finish", state, logs=("scheduler",), timeout=timeout
            )
        except pytest.fail.Exception as exc:
            pytest.fail(f"{exc}\n{self.report(dag_id, run_id)}")

    def asset_id(self, name: str) -> int:
        assets = self.get("/assets", name_pattern=name)["assets"]
        assert [asset["name"] for asset in assets] == [name], assets
        return int(assets[0]["id"])

    def get_asset_events(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Asset events from ``path``, waiting out Airflow's 500 while a run they created is queued.

        Airflow 3.3.2 requires ``created_dagruns[].start_date`` in an asset event's response, so the
        asset-event endpoints answer 500 until each run the events created has started, a second or
        two (apache/airflow#71360, fixed by #71379). Any other error fails at once.
        """

        def events() -> list[dict[str, Any]] | None:
            response = self.api.get(path, params=params)
            if response.status_code == 500:
                return None
            assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
            return list(response.json()["asset_events"])

        return self.wait_for(f"GET {path} to answer", events, logs=("api-server",), timeout=30)

    def asset_events(self, asset_id: int) -> list[dict[str, Any]]:
        return self.get_asset_events("/assets/events", asset_id=asset_id, limit=100)

    def runs_for(self, dag_id: str, ref: str) -> list[str]:
        """The runs of ``dag_id`` whose triggering asset events carry incident ``ref``."""
        found = []
        for run in self.get(f"/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]:
            events = self.get_asset_events(f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/upstreamAssetEvents")
            if any(event_ref(event) == ref for event in events):
                found.append(str(run["dag_run_id"]))
        return found

    # ------------------------------------------------------------ the sandbox

    def open_incident(self, vendor: str, title: str) -> str:
        """A new incident appears at ``vendor`` now, as if someone opened it in the vendor's UI."""
        ref = str(self.sandbox.schedule_incident(vendor, title, after_seconds=0)["ref"])
        self.opened.add(ref)
        return ref

    def pagerduty(self, path: str, **params: Any) -> Any:
        """A GET on the sandbox's PagerDuty API, as any PagerDuty client makes it."""
        response = httpx.get(
            f"{self.sandbox.vendor_url('pagerduty')}{path}",
            params=params,
            headers=PAGERDUTY_HEADERS,
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def pinghome_sessions(self) -> list[str]:
        """Every session token the sandbox's Pinghome issued to a sign-in (the derived secrets)."""
        backend = self.sandbox.state.vendors["pinghome"]
        assert isinstance(backend, PinghomeBackend)
        return list(backend.store.sessions)

    def rootly_incident_with_a_bridge(self) -> str:
        """The id of the Rootly sample incident whose Zoom bridge has a password."""
        backend = self.sandbox.state.vendors["rootly"]
        assert isinstance(backend, RootlyBackend)
        password = MEETING["zoom_meeting_password"]
        found = [
            i.id
            for i in backend.store.incidents.values()
            if i.meeting.get("zoom_meeting_password") == password
        ]
        assert found, "no Rootly sample incident has a meeting password"
        return found[0]

    def incident(self, vendor: str, ref: str) -> Incident:
        """The incident as the provider's hook reads it from the sandbox (raw vendor object included)."""
        return get_incident_hook(f"{vendor}_sandbox").get_incident(ref, include_raw=True)

    def requests(self, vendor: str) -> list[dict[str, Any]]:
        """The sandbox's log of the requests ``vendor``'s API received, oldest first."""
        response = httpx.get(f"{self.sandbox.url}/_sandbox/requests", params={"vendor": vendor}, timeout=10)
        response.raise_for_status()
        return list(response.json()["requests"])

    def watcher_polls(self) -> int:
        """How many times the event watcher has listed PagerDuty's incidents so far."""
        return sum(
            1
            for r in self.requests("pagerduty")
            if (r["method"], r["path"]) == ("GET", "/pagerduty/incidents")
        )

    def assert_pagerduty_resolved_by_the_runbook(self, ref: str) -> None:
        """Resolved, with the runbook's resolution, after its acknowledgement note."""
        incident = self.pagerduty(f"/incidents/{ref}")["incident"]
        assert incident["status"] == "resolved", incident
        entries = self.pagerduty(f"/incidents/{ref}/log_entries")["log_entries"]
        resolutions = [entry.get("note") for entry in entries if entry["type"] == "resolve_log_entry"]
        assert resolutions == [RESOLUTION], entries
        notes = [note["content"] for note in self.pagerduty(f"/incidents/{ref}/notes")["notes"]]
        assert any(ACKNOWLEDGEMENT in note for note in notes), notes


def log_line(record: Any) -> str:
    """One structured log record as a line: time, level, message, and the exception if any."""
    if not isinstance(record, dict):
        return str(record)
    line = f"{record.get('timestamp', '')} {record.get('level', '')} {record.get('event', '')}"
    for error in record.get("error_detail") or ():
        line += f"\n  {error.get('exc_type')}: {error.get('exc_value')}"
    return line


def event_ref(event: dict[str, Any]) -> str | None:
    """The incident ref an asset event from ``IncidentEventTrigger`` carries."""
    incident = ((event.get("extra") or {}).get("payload") or {}).get("incident") or {}
    ref = incident.get("ref")
    return str(ref) if ref is not None else None


@pytest.fixture(scope="module")
def e2e(airflow_e2e: Running) -> Iterator[E2E]:
    """The session's deployment (``conftest.py``), with a REST client and this module's bookkeeping."""
    with airflow_e2e.deployment.client() as api:
        yield E2E(
            airflow_e2e.deployment,
            airflow_e2e.sandbox,
            api,
            airflow_e2e.conf_incident,
            airflow_e2e.baseline,
            {airflow_e2e.conf_incident},
        )


def test_a_conf_triggered_remediation_resolves_its_incident(e2e: E2E) -> None:
    run_id = e2e.trigger(REMEDIATION, {"conn_id": "pagerduty_sandbox", "incident_id": e2e.conf_incident})

    assert e2e.finished(REMEDIATION, run_id) == "success", e2e.report(REMEDIATION, run_id)
    assert e2e.task_states(REMEDIATION, run_id) == {
        "acknowledge": "success",
        "remediate": "success",
        "verify": "success",
        "resolve": "success",
        "on_failure.escalate": "skipped",
        "on_failure.has_escalation_target": "skipped",
        "on_failure.reassign": "skipped",
    }
    e2e.assert_pagerduty_resolved_by_the_runbook(e2e.conf_incident)
    # The Incident extra link, as the task's Details tab gets it (the provider's "extra-links").
    links = e2e.get(f"/dags/{REMEDIATION}/dagRuns/{run_id}/taskInstances/resolve/links")["extra_links"]
    assert links == {"Incident": e2e.pagerduty(f"/incidents/{e2e.conf_incident}")["incident"]["html_url"]}


def test_a_new_incident_starts_the_event_driven_dag_exactly_once(e2e: E2E) -> None:
    asset_id = e2e.asset_id("incident_events_new")

    def baseline_taken() -> list[str] | None:
        entries = e2e.get(f"/assets/{asset_id}/state-store")["asset_state_store"]
        keys = [str(entry["key"]) for entry in entries if str(entry["key"]).startswith(WATCHER_MEMORY_PREFIX)]
        return keys or None

    assert f"{MEMORY_PREFIX}/" == WATCHER_MEMORY_PREFIX, "the deployment forgets what the trigger remembers"
    e2e.wait_for("the watcher's baseline in the asset's state store", baseline_taken, logs=("triggerer",))
    ref = e2e.open_incident("pagerduty", "Search API returning 503s")

    runs = e2e.wait_for(
        f"a run of {ON_EVENT} for incident {ref}",
        lambda: e2e.runs_for(ON_EVENT, ref) or None,
        logs=("triggerer", "scheduler"),
    )
    assert e2e.finished(ON_EVENT, runs[0]) == "success", e2e.report(ON_EVENT, runs[0])
    states = e2e.task_states(ON_EVENT, runs[0])
    assert {
        task: states[task] for task in ("incident_from_event", "acknowledge", "resolve")
    } == dict.fromkeys(("incident_from_event", "acknowledge", "resolve"), "success")
    e2e.assert_pagerduty_resolved_by_the_runbook(ref)

    # The watcher keeps polling; none of its next polls reports that incident (or another) again.
    polls = e2e.watcher_polls()
    e2e.wait_for("three more polls", lambda: e2e.watcher_polls() >= polls + 3 or None, logs=("triggerer",))
    assert e2e.runs_for(ON_EVENT, ref) == runs, "one incident, one run"
    events = e2e.asset_events(asset_id)
    assert [event_ref(event) for event in events] == [ref], "one asset event, for the new incident only"
    payload = events[0]["extra"]["payload"]
    assert payload["transition"] == "appeared"
    assert payload["conn_id"] == "pagerduty_sandbox"
    assert "raw" not in payload["incident"], "no raw vendor object in an event"
    assert len(e2e.get(f"/dags/{ON_EVENT}/dagRuns")["dag_runs"]) == 1, "the baseline started nothing"


def test_the_postmortem_wait_defers_to_the_triggerer(e2e: E2E) -> None:
    ref = e2e.open_incident("devhelm", "Login is slow for some customers")
    url = "https://wiki.example.com/postmortems/login-slow"
    run_id = e2e.trigger(
        POSTMORTEM, {"conn_id": "devhelm_sandbox", "incident_id": ref, "postmortem_url": url}
    )
    sensor = f"/dags/{POSTMORTEM}/dagRuns/{run_id}/taskInstances/wait_for_resolution"

    # The incident stays open until the sensor is seen deferred, so seeing it cannot be a race.
    def sensor_deferred() -> dict[str, Any] | None:
        """The sensor's task instance once deferred and its trigger taken by the running triggerer."""
        ti: dict[str, Any] = e2e.get(sensor)
        return ti if ti["state"] == "deferred" and (ti["trigger"] or {}).get("triggerer_id") else None

    deferred = e2e.wait_for(
        "the sensor to be deferred to the triggerer", sensor_deferred, logs=("scheduler", "triggerer")
    )
    assert deferred["trigger"]["classpath"].endswith("IncidentStatusTrigger"), deferred["trigger"]
    e2e.sandbox.schedule_status("devhelm", ref, "RESOLVED", after_seconds=3)

    assert e2e.finished(POSTMORTEM, run_id) == "success", e2e.report(POSTMORTEM, run_id)
    assert e2e.task_states(POSTMORTEM, run_id) == {
        "wait_for_resolution": "success",
        "summarize": "success",
        "where_it_goes": "success",
        "postmortem_fields": "success",
        "summary_note": "skipped",
    }
    incident = e2e.incident("devhelm", ref).raw or {}
    assert incident["status"] == "RESOLVED", incident
    assert incident["postmortemUrl"] == url
    assert url in incident["postmortemBody"]


def test_secrets_of_every_kind_pass_through_runs_that_succeed_and_fail(e2e: E2E) -> None:
    """A signed-in Pinghome connection, a Rootly incident with a bridge password (also mirrored on an
    UptimeIO page by ``status_page_sync``, its sensors in the triggerer), and two runs failing on a vendor
    that quotes the credentials it was sent in its error (the secrets audit below scans them all)."""
    signed_in = e2e.open_incident("pinghome", "Webhook deliveries delayed")
    bridge = e2e.rootly_incident_with_a_bridge()
    e2e.opened.add(bridge)
    failing = {
        "pinghome": e2e.open_incident("pinghome", "Status page not updating"),
        "rootly": e2e.open_incident("rootly", "Payments webhook retries piling up"),
    }
    for vendor, ref in failing.items():  # every request naming the incident: 401, credentials quoted
        e2e.sandbox.add_fault(vendor, "echo_credentials", path=f"/*{ref.rsplit('/', 1)[-1]}*")
    conn_ids = {"pinghome": SIGN_IN_CONN_ID, "rootly": "rootly_sandbox"}
    page_incident = e2e.open_incident("uptimeio", "Checkout is slow for some customers")
    mirror = {  # the bridge incident mirrored on an UptimeIO page; its sensors wait in the triggerer
        "source_conn_id": "rootly_sandbox",
        "source_incident_id": bridge,
        "page_conn_id": "uptimeio_sandbox",
        "page_incident_id": page_incident,
    }
    synced = e2e.trigger(STATUS_PAGE_SYNC, mirror)
    good = [
        e2e.trigger(ACK_AND_RESOLVE, {"conn_id": SIGN_IN_CONN_ID, "incident_id": signed_in}),
        e2e.trigger(ACK_AND_RESOLVE, {"conn_id": "rootly_sandbox", "incident_id": bridge}),
    ]
    bad = [
        e2e.trigger(ACK_AND_RESOLVE, {"conn_id": conn_ids[vendor], "incident_id": ref})
        for vendor, ref in failing.items()
    ]

    for run_id in good:
        assert e2e.finished(ACK_AND_RESOLVE, run_id) == "success", e2e.report(ACK_AND_RESOLVE, run_id)
    assert e2e.incident("pinghome", signed_in).status == "resolved"
    assert e2e.incident("rootly", bridge).status == "resolved"
    assert e2e.finished(STATUS_PAGE_SYNC, synced) == "success", e2e.report(STATUS_PAGE_SYNC, synced)
    assert e2e.incident("uptimeio", page_incident).status == "resolved"
    for run_id in bad:
        assert e2e.finished(ACK_AND_RESOLVE, run_id) == "failed", e2e.report(ACK_AND_RESOLVE, run_id)
        states = e2e.task_states(ACK_AND_RESOLVE, run_id)
        assert states["acknowledge"] == "failed", states
        log = e2e.task_log(ACK_AND_RESOLVE, run_id, "acknowledge", 1)
        assert "AuthenticationError" in log, log[-3000:]
        assert "these credentials were refused: " in log, "the vendor's message (quoting them) was logged"
    assert len(e2e.pinghome_sessions()) >= 2, "signed in, and again after the failing run's first 401"


def test_every_vendor_no_other_run_reached_runs_a_runbook_its_api_can(e2e: E2E) -> None:
    """So that every vendor's credential goes through a run the secrets audit below searches: each
    registered vendor no earlier test used runs a runbook on an incident of its own, the one its API can
    run (as ``make demo`` picks it): the remediation runbook, resolved by the DAG; or, where the API cannot
    acknowledge with a note or resolve (its module's ``UNSUPPORTED_OPERATIONS``), the hand-over, which
    escalates and waits until a person (played by the sandbox) resolves the incident in the app."""
    runs = {}
    for vendor in sorted(set(VENDOR_NAMES) - e2e.vendors_used()):
        ref = e2e.open_incident(vendor, "Payment workers crash-looping")
        unsupported = set(getattr(vendor_module(vendor), "UNSUPPORTED_OPERATIONS", ()))
        dag_id = HAND_OVER if unsupported & {"acknowledge", "note", "resolve"} else REMEDIATION
        opened = e2e.incident(vendor, ref).severity
        runs[vendor] = (
            ref,
            dag_id,
            opened,
            e2e.trigger(dag_id, {"conn_id": f"{vendor}_sandbox", "incident_id": ref}),
        )
    for vendor, (ref, dag_id, opened, run_id) in runs.items():
        if dag_id == HAND_OVER:
            e2e.wait_for(
                f"{vendor} incident {ref} to be escalated",
                lambda: e2e.incident(vendor, ref).severity != opened or None,  # noqa: B023  # waited here
                logs=("scheduler",),
            )
            resolved = vendor_module(vendor).PHASE_STATUSES[Phase.RESOLVED]
            e2e.sandbox.schedule_status(vendor, ref, resolved, after_seconds=0)
        assert e2e.finished(dag_id, run_id) == "success", e2e.report(dag_id, run_id)
        assert e2e.incident(vendor, ref).phase == Phase.RESOLVED
    assert e2e.vendors_used() == set(VENDOR_NAMES), "every vendor's connection was used by a run"


def test_the_dags_changed_only_the_incidents_they_were_given(e2e: E2E) -> None:
    listing = e2e.pagerduty("/incidents", date_range="all", limit=100)["incidents"]
    untouched = {
        i["id"]: i["status"] for i in listing if i["id"] in e2e.baseline and i["id"] not in e2e.opened
    }
    assert untouched == {ref: s for ref, s in e2e.baseline.items() if ref not in e2e.opened}
    opened_ids = {ref.rsplit("/", 1)[-1] for ref in e2e.opened}
    # The one write that names no incident: Pinghome's sign-in, where the hook sends it.
    sign_in_url = get_incident_hook("pinghome_sandbox").url_for(pinghome.build_sign_in(ACCOUNT_EMAIL, ""))
    sign_in = urlsplit(sign_in_url).path
    for vendor in VENDOR_NAMES:
        for record in e2e.requests(vendor):
            if record["method"] in ("POST", "PUT", "PATCH", "DELETE") and record["path"] != sign_in:
                assert any(part in opened_ids for part in record["path"].split("/")), record
    assert all(action["state"] == "applied" for action in e2e.sandbox.schedules()), e2e.sandbox.schedules()


def test_no_secret_reaches_a_log_xcom_value_asset_event_or_rendered_field(e2e: E2E) -> None:
    """The secrets audit: every credential, derived token and meeting password, searched for in every
    task, trigger and component log (exceptions included), XCom value, rendered field and asset event."""
    sessions = e2e.pinghome_sessions()
    secrets = {
        **{f"the {credential} credential": token for credential, token in TOKENS.items()},
        **{f"Pinghome session token {n}": token for n, token in enumerate(sessions)},
        **{f"Rootly meeting secret {n}": value for n, value in enumerate(MEETING_SECRETS)},
    }
    assert sessions, "the sign-in connection was used: its derived tokens are searched for"
    assert all(len(secret) >= 8 for secret in secrets.values()), secrets

    def assert_clean(where: str, text: str) -> None:
        for what, secret in secrets.items():
            assert secret not in text, f"{what} is in {where}"

    files = [path for path in e2e.deployment.logs_dir.rglob("*") if path.is_file()]
    names = [str(path.relative_to(e2e.deployment.logs_dir)) for path in files]
    assert any(name.startswith("dag_id=") for name in names), names
    assert any(".log.trigger." in name for name in names), f"no trigger log was written: {names}"
    assert any(name.startswith("components/triggerer") for name in names), names
    for path in files:
        assert_clean(str(path), path.read_text(errors="replace"))

    runs = [
        (dag_id, str(run["dag_run_id"]))
        for dag_id in sorted({*TESTED_DAGS, *(dag_id for dag_id, _ in e2e.runs)})
        for run in e2e.get(f"/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]
    ]
    assert set(e2e.runs) <= set(runs)
    assert len(runs) > len(e2e.runs), "the event-driven runs are searched too"
    values = [value for dag_id, run_id in runs for value in e2e.stored_values(dag_id, run_id)]
    assert any("XCom 'return_value'" in where for where, _ in values), values
    for where, text in values:
        assert_clean(where, text)
    events = e2e.get_asset_events("/assets/events", limit=100)
    assert events, "the event-driven run's asset event is searched"
    assert_clean("an asset event", json.dumps(events))
    print(  # the audit's size, for docs/reliability.md (pytest -s)
        f"secrets audit: {len(secrets)} secrets; {len(files)} log files; {len(runs)} runs, "
        f"{len(values)} rendered-field sets and XCom values; {len(events)} asset events"
    )

    environment = json.dumps(e2e.deployment.environment())
    assert all(token in environment for token in TOKENS.values()), (
        "every credential was in the deployment (so the scan above means something)"
    )
