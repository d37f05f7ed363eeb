"""The opt-in pytest plugin: its fixtures and helper, the documented example, and nobody gets it unasked."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from airflow_incident_provider.registry import VENDOR_NAMES

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "user_tests"
DISTRIBUTION = "airflow-incident-provider"


def _clean_env() -> dict[str, str]:
    """The environment a user's CI would have: none of this suite's Airflow or pytest settings."""
    dropped = ("AIRFLOW", "PYTEST_", "INCIDENT_")
    return {key: value for key, value in os.environ.items() if not key.startswith(dropped)}


def _pytest(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider", "--rootdir", str(cwd)],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_the_documented_example_project_passes() -> None:
    done = _pytest(EXAMPLE, EXAMPLE)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_the_plugin_is_not_loaded_without_asking(tmp_path: Path) -> None:
    (tmp_path / "test_unasked.py").write_text("def test_it(incident_sandbox):\n    pass\n")
    done = _pytest(tmp_path, tmp_path)
    assert done.returncode != 0
    assert "fixture 'incident_sandbox' not found" in done.stdout
    plugins = importlib.metadata.entry_points(group="pytest11")
    assert not [ep for ep in plugins if ep.dist is not None and ep.dist.name == DISTRIBUTION]


def test_importing_the_plugin_starts_nothing() -> None:
    code = (
        "import sys, threading\n"
        "import airflow_incident_provider.testing\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "assert 'airflow' not in sys.modules, 'Airflow is imported only when a fixture needs it'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_docs_show_the_example_test_as_it_is() -> None:
    page = (ROOT / "docs" / "testing.md").read_text()
    for name in ("conftest.py", "dags/restart_checkout.py", "test_remediation.py"):
        assert (EXAMPLE / name).read_text().strip() in page, name


# The helper through the fixtures, as a user's suite gets them: one pytest run in a child process, whose
# tests run in file order (each later one checks that nothing leaked from the earlier ones).
HELPER_TESTS = """
import json
import os
from pathlib import Path

import pytest

from airflow_incident_provider.hooks import ratelimit, transport
from airflow_incident_provider.registry import VENDOR_NAMES as VENDORS
from airflow_incident_provider.sandbox import SandboxAdminError


def test_a_connection_for_every_vendor(incident_sandbox):
    assert sorted(incident_sandbox.vendors) == sorted(VENDORS)
    assert incident_sandbox.url.startswith("http://127.0.0.1:")
    for vendor in VENDORS:
        conn_id = incident_sandbox.conn_id(vendor)
        assert conn_id == f"{vendor}_sandbox"
        connection = json.loads(os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"])
        assert connection == incident_sandbox.connection(vendor)
        assert connection["conn_type"] == f"{vendor}_incidents"
    assert "127.0.0.1" in os.environ["NO_PROXY"].split(",")
    with pytest.raises(KeyError, match="opsgenie"):
        incident_sandbox.conn_id("opsgenie")
    Path("sandbox_url.txt").write_text(incident_sandbox.url)


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_incident_a_responder_resolves_later(incident_sandbox, vendor):
    ref = incident_sandbox.create_incident(vendor, f"{vendor}: checkout errors")
    seen = incident_sandbox.incident(vendor, ref)
    assert (seen["vendor"], seen["ref"], seen["title"], seen["phase"]) == (
        vendor, ref, f"{vendor}: checkout errors", "open"
    )
    pending = incident_sandbox.schedule_status(vendor, ref, "resolved", after_seconds=600)
    assert pending["state"] == "pending"
    assert incident_sandbox.incident(vendor, ref)["phase"] == "open"
    incident_sandbox.clock(advance_seconds=601)
    assert incident_sandbox.incident(vendor, ref)["phase"] == "resolved"
    assert [action["state"] for action in incident_sandbox.schedules()] == ["applied", "applied"]
    assert [r["method"] for r in incident_sandbox.requests(vendor)].count("GET") >= 3


def test_an_incident_appears_later(incident_sandbox):
    action = incident_sandbox.schedule_incident("rootly", "Backlog", after_seconds=30, status="mitigated")
    assert (action["state"], action["ref"]) == ("pending", None)
    assert incident_sandbox.clock(time_scale=50)["time_scale"] == 50
    incident_sandbox.clock(advance_seconds=31)
    (applied,) = incident_sandbox.schedules()
    assert applied["state"] == "applied"
    assert incident_sandbox.incident("rootly", applied["ref"])["status"] == "mitigated"


def test_mistakes_are_named(incident_sandbox):
    ref = incident_sandbox.create_incident("pagerduty", "Disk full")
    with pytest.raises(SandboxAdminError, match="resovled"):
        incident_sandbox.schedule_status("pagerduty", ref, "resovled", after_seconds=5)
    with pytest.raises(SandboxAdminError, match="resovled"):
        incident_sandbox.create_incident("pagerduty", "Disk full", status="resovled")
    with pytest.raises(SandboxAdminError, match="bogus"):
        incident_sandbox.configure("pagerduty", bogus=True)


def test_configure_changes_one_vendor(incident_sandbox):
    settings = incident_sandbox.configure("pinghome", rate_limit_per_minute=2, bare_429=True)
    assert (settings["rate_limit_per_minute"], settings["bare_429"]) == (2, True)
    incident_sandbox.incident("pagerduty", incident_sandbox.create_incident("pagerduty", "Pooled"))
    assert ratelimit._limiters and transport._sync_clients


def test_the_next_test_starts_fresh(incident_sandbox, incident_sandbox_server):
    assert incident_sandbox.schedules() == []
    assert incident_sandbox.requests("pagerduty") == []
    assert incident_sandbox.clock()["time_scale"] == 1
    assert incident_sandbox_server.state.settings["pinghome"].as_dict() == {
        "rate_limit_per_minute": 60, "omit_rate_limit_headers": False, "bare_429": False
    }
    assert not ratelimit._limiters and not transport._sync_clients
"""


def test_the_helper_through_its_fixtures(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest('pytest_plugins = ["airflow_incident_provider.testing"]\n')
    pytester.makepyfile(test_helper=HELPER_TESTS)
    # A dead proxy in the environment: the fixture keeps loopback traffic away from it.
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(passed=5 + len(VENDOR_NAMES))  # five tests, and one per vendor
    url = urlsplit((pytester.path / "sandbox_url.txt").read_text())
    assert url.hostname == "127.0.0.1"
    assert url.port is not None
    with pytest.raises(ConnectionRefusedError), socket.create_connection((url.hostname, url.port), timeout=2):
        pass  # the session's sandbox was stopped at the end


def test_the_database_fixture_refuses_the_default_home(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(Path.home() / "airflow"))  # pytester's own HOME, never a real one
    pytester.makeconftest('pytest_plugins = ["airflow_incident_provider.testing"]\n')
    pytester.makepyfile(test_db="def test_it(incident_airflow_db):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*set AIRFLOW_HOME to a temporary directory*"])
