"""The built wheel is what a newcomer installs: it must carry the license, the sandbox's declared
dependencies and the provider's entry point, and leave the example DAGs out."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("airflow_incident_provider-*.whl")
    return zipfile.ZipFile(built)


def _metadata(wheel: zipfile.ZipFile) -> tuple[list[str], dict[str, list[str]]]:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    message = Parser().parsestr(wheel.read(name).decode())
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(value)
    return wheel.namelist(), fields


def test_the_wheel_carries_the_apache_license(wheel: zipfile.ZipFile) -> None:
    names, fields = _metadata(wheel)
    (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert "Apache License" in wheel.read(license_file).decode()
    assert fields["License-Expression"] == ["Apache-2.0"]


def test_the_sandbox_dependencies_are_declared_as_an_extra(wheel: zipfile.ZipFile) -> None:
    _, fields = _metadata(wheel)
    assert "sandbox" in fields["Provides-Extra"]
    sandbox = [req for req in fields["Requires-Dist"] if req.endswith("extra == 'sandbox'")]
    assert {req.split(">=")[0] for req in sandbox} == {"fastapi", "uvicorn"}


def test_the_wheel_holds_the_package_and_entry_point_but_no_example_dags(wheel: zipfile.ZipFile) -> None:
    names, _ = _metadata(wheel)
    assert "airflow_incident_provider/sandbox/app.py" in names
    assert "airflow_incident_provider/py.typed" in names
    assert not [n for n in names if n.startswith(("example_dags/", "tests/"))]
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "apache_airflow_provider" in wheel.read(entry_points).decode()
