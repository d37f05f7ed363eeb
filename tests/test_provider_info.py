"""Provider registration: what Airflow's providers manager reads from the entry point."""

from __future__ import annotations

from importlib.metadata import entry_points

from airflow_incident_provider.get_provider_info import get_provider_info
from airflow_incident_provider.hooks import HOOK_CLASSES
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook


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
        "token_kind",
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
