"""Provider registration: what Airflow's providers manager reads from the entry point."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points, version
from pathlib import Path
from typing import Any

import pytest

from airflow_incident_provider import __version__
from airflow_incident_provider.get_provider_info import get_provider_info
from airflow_incident_provider.hooks import HOOK_CLASSES
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.registry import VENDORS


def test_entry_point_is_registered_under_the_distribution_name() -> None:
    points = [
        ep
        for ep in entry_points(group="apache_airflow_provider")
        if ep.dist and ep.dist.name == "airflow-incident-provider"
    ]
    assert len(points) == 1
    info = points[0].load()()
    assert info["package-name"] == "airflow-incident-provider"


def test_connection_type_matches_the_hook() -> None:
    connection = next(
        c for c in get_provider_info()["connection-types"] if c["connection-type"] == "pagerduty_incidents"
    )
    assert connection["connection-type"] == PagerDutyIncidentHook.conn_type == "pagerduty_incidents"
    assert connection["hook-name"] == PagerDutyIncidentHook.hook_name == "PagerDuty Incidents"
    assert connection["hook-class-name"] == HOOK_CLASSES["pagerduty_incidents"]
    fields = connection["conn-fields"]
    assert {
        "auth_scheme",
        "from_email",
        "region",
        "connect_timeout",
        "read_timeout",
        "total_timeout",
        "proxy",
        "ca_bundle",
        "rate_limit_per_minute",
    } <= set(fields)
    for field in fields.values():
        assert set(field) <= {"label", "schema", "description"}
        assert "type" in field["schema"]
    assert fields["proxy"]["schema"]["format"] == "password"
    assert set(connection["ui-field-behaviour"]["hidden-fields"]) == {"schema", "login", "port"}


def test_providers_manager_sees_hook_and_form() -> None:
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    manager = ProvidersManager()  # type: ignore[no-untyped-call]
    assert "airflow-incident-provider" in manager.providers
    runtime = ProvidersManagerTaskRuntime()  # type: ignore[no-untyped-call]
    hook = runtime.hooks["pagerduty_incidents"]
    assert hook is not None
    assert hook.hook_name == "PagerDuty Incidents"
    assert hook.connection_id_attribute_name == "pagerduty_incidents_conn_id"
    widgets = manager.connection_form_widgets
    assert widgets["extra__pagerduty_incidents__proxy"].is_sensitive
    assert not widgets["extra__pagerduty_incidents__from_email"].is_sensitive
    behaviour = manager.field_behaviours["pagerduty_incidents"]
    assert behaviour["relabeling"]["password"] == "API token"


def test_provider_info_validates_against_airflows_schema_and_every_module_imports() -> None:
    import importlib
    import json
    from pathlib import Path

    import airflow
    import jsonschema  # type: ignore[import-untyped]

    from airflow_incident_provider.get_provider_info import get_provider_info

    info = get_provider_info()
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(info, schema)
    modules = [
        module
        for kind in ("hooks", "operators", "sensors", "triggers")
        for entry in info[kind]
        for module in entry["python-modules"]
    ]
    assert any(module.endswith(".sensors.incident_status") for module in modules)
    for module in modules:
        importlib.import_module(module)


def test_one_connection_type_per_registry_record() -> None:
    info = get_provider_info()
    connections = {c["connection-type"]: c for c in info["connection-types"]}
    assert list(connections) == [record.conn_type for record in VENDORS]
    for record in VENDORS:
        connection = connections[record.conn_type]
        assert connection["hook-class-name"] == record.hook_path == HOOK_CLASSES[record.conn_type]
        assert connection["hook-name"] == record.hook_name
    assert [hook["python-modules"] for hook in info["hooks"]] == [[r.hook_module] for r in VENDORS]
    docs = {i["integration-name"]: i["external-doc-url"] for i in info["integrations"]}
    assert all(docs[record.hook_name].startswith("https://") for record in VENDORS)
    assert list(docs)[1:] == [record.hook_name for record in VENDORS], "one integration per vendor"
    assert all(record.display_name in info["name"] for record in VENDORS), "the provider's name lists them"


def test_the_prose_that_lists_vendors_names_every_registered_one() -> None:
    """The package description, the README's and the docs index's vendor tables are prose, kept by hand:
    a vendor missing there is a vendor users do not find."""
    root = Path(__file__).parents[1]
    description = tomllib.loads((root / "pyproject.toml").read_text())["project"]["description"]
    readme, index = (root / "README.md").read_text(), (root / "docs" / "index.md").read_text()
    for record in VENDORS:
        assert record.display_name in description, record.name
        assert f"`{record.conn_type}`" in readme, record.name
        assert f"`{record.conn_type}`" in index, record.name


def test_version_is_written_once() -> None:
    """pyproject reads it from the package (hatch's dynamic version), get_provider_info imports it."""
    assert get_provider_info()["versions"] == [__version__] == [version("airflow-incident-provider")]


def test_every_call_returns_a_fresh_copy() -> None:
    first = get_provider_info()
    first["connection-types"][0]["conn-fields"].clear()
    assert get_provider_info()["connection-types"][0]["conn-fields"]


def test_labels_are_capitalised() -> None:
    for connection in get_provider_info()["connection-types"]:
        labels = [field["label"] for field in connection["conn-fields"].values()]
        labels += list(connection["ui-field-behaviour"]["relabeling"].values())
        for label in labels:
            assert label[:1].isupper(), (connection["connection-type"], label)


def _form_as_the_ui_gets_it() -> dict[str, dict[str, Any]]:
    """Our types' extra fields as the UI's ``/ui/connections/hook_meta`` serves them (masking included)."""
    from airflow.api_fastapi.core_api.datamodels.connections import ConnectionHookMetaData
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    ours = {record.conn_type for record in VENDORS}
    return {
        meta.connection_type: dict(ConnectionHookMetaData.model_validate(meta).extra_fields or {})
        for meta in HookMetaService.hook_meta_data()
        if meta.connection_type in ours
    }


def test_the_form_shows_every_default_unmasked() -> None:
    """Airflow masks an extra whose name looks secret, its default too: the form then saves ``***``.

    A PagerDuty connection saved with the form's defaults had ``token_kind: "***"`` and failed.
    """
    forms = _form_as_the_ui_gets_it()
    assert set(forms) == {record.conn_type for record in VENDORS}
    for connection in get_provider_info()["connection-types"]:
        served = forms[connection["connection-type"]]
        for name, field in connection["conn-fields"].items():
            if field["schema"].get("format") == "password":
                continue
            assert served[name]["value"] == field["schema"].get("default"), (
                connection["connection-type"],
                name,
            )


def test_only_the_proxy_and_the_shared_limit_redis_are_secret_extras() -> None:
    """Both URLs may carry a password: masked in the form, and by name in logs (``proxy``, ``dsn``)."""
    from airflow._shared.secrets_masker import should_hide_value_for_key

    for connection in get_provider_info()["connection-types"]:
        for name, field in connection["conn-fields"].items():
            secret = field["schema"].get("format") == "password"
            assert secret == (name in ("proxy", "rate_limit_redis_dsn")), name
            assert should_hide_value_for_key(name) == secret, name  # type: ignore[no-untyped-call]


PROBE = """
import json, sys
from airflow_incident_provider.get_provider_info import get_provider_info
get_provider_info()
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("heavy", ["pydantic", "httpx", "airflow", "airflow_incident_provider.vendors"])
def test_get_provider_info_imports_nothing_heavy(heavy: str) -> None:
    """Airflow calls it in every process it starts, while loading its configuration."""
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout)
    assert "airflow_incident_provider.forms.pinghome" in modules
    assert not [module for module in modules if module == heavy or module.startswith(f"{heavy}.")]
