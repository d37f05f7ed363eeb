"""Reading a PagerDuty connection: base URL, region, auth scheme, timeouts, and refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk import Connection

from airflow_incident_provider.exceptions import ConnectionConfigError
from airflow_incident_provider.forms import pagerduty as PAGERDUTY_FORM
from airflow_incident_provider.hooks import hook_class_for
from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.hooks.settings import ConnectionSettings, Timeouts, read_extras
from airflow_incident_provider.vendors import pagerduty as pd


def settings(
    host: str | None = None,
    password: str | None = "secret-token-123",  # noqa: S107
    **extra: object,
) -> ConnectionSettings:
    conn = Connection(conn_id="pd", conn_type="pagerduty_incidents", host=host, password=password)
    return PagerDutyIncidentHook.settings_from_connection(conn, read_extras(extra, "pagerduty_incidents"))


def test_defaults_to_the_us_api() -> None:
    result = settings()
    assert result.base_url == "https://api.pagerduty.com"
    assert result.extra("auth_scheme") == "api_key"
    assert (result.timeouts.connect, result.timeouts.read, result.timeouts.total) == (10.0, 30.0, 120.0)


def test_form_defaults_are_the_defaults_the_hook_uses() -> None:
    """The timeouts and choices the form shows are the ones a connection without them gets."""
    fields = PAGERDUTY_FORM.CONN_FIELDS
    result = settings()
    assert fields["connect_timeout"]["schema"]["default"] == result.timeouts.connect
    assert fields["read_timeout"]["schema"]["default"] == result.timeouts.read
    assert fields["total_timeout"]["schema"]["default"] == result.timeouts.total
    assert fields["auth_scheme"]["schema"]["default"] == result.extra("auth_scheme")
    assert fields["region"]["schema"]["default"] == result.extra("region")
    assert Timeouts() == result.timeouts


@pytest.mark.parametrize("key", ["auth_scheme", "token_kind", "extra__pagerduty_incidents__token_kind"])
def test_auth_scheme_and_its_older_name_token_kind_mean_the_same(key: str) -> None:
    result = settings(**{key: "OAuth"})
    assert result.extra("auth_scheme") == "oauth"
    headers = PagerDutyIncidentHook(settings=result).request_headers(pd.build_get("Q1"))
    assert headers["Authorization"] == "Bearer secret-token-123"


def test_auth_scheme_wins_over_token_kind() -> None:
    assert settings(auth_scheme="api_key", token_kind="oauth").extra("auth_scheme") == "api_key"


def test_a_masked_token_kind_saved_by_the_old_form_is_explained() -> None:
    """The old form showed the token_kind default as *** (Airflow masks names with "token") and saved it."""
    with pytest.raises(ConnectionConfigError) as info:
        settings(token_kind="***")
    message = str(info.value)
    assert message.startswith("connection 'pd': token_kind '***' is not one of api_key, oauth")
    assert "set auth_scheme" in message


def test_eu_region_and_overrides() -> None:
    result = settings(
        region="EU",
        auth_scheme="oauth",
        connect_timeout="2.5",
        read_timeout=4,
        total_timeout=9,
        rate_limit_per_minute="100",
        ca_bundle="/etc/ca.pem",
        proxy="http://proxy:3128",
    )
    assert result.base_url == "https://api.eu.pagerduty.com"
    assert result.extra("auth_scheme") == "oauth"
    assert (result.timeouts.connect, result.timeouts.read, result.timeouts.total) == (2.5, 4.0, 9.0)
    assert result.rate_limit_per_minute == 100
    assert result.ca_bundle == "/etc/ca.pem"
    assert result.proxy == "http://proxy:3128"


def test_prefixed_extras_are_read_too() -> None:
    assert read_extras(
        {"extra__pagerduty_incidents__region": "eu", "from_email": ""}, "pagerduty_incidents"
    ) == {"region": "eu"}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("http://127.0.0.1:8080/pagerduty/", "http://127.0.0.1:8080/pagerduty"),
        ("http://localhost:9000", "http://localhost:9000"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("https://pd.internal.example.com/api", "https://pd.internal.example.com/api"),
        ("api.pagerduty.com", "https://api.pagerduty.com"),
    ],
)
def test_host_overrides_base_url(host: str, expected: str) -> None:
    assert settings(host=host).base_url == expected


@pytest.mark.parametrize(
    ("host", "match"),
    [
        ("http://10.0.0.5", "loopback"),
        ("http://pagerduty.example.com", "loopback"),
        ("ftp://127.0.0.1", "not an http"),
        ("https://h/?q=1", "query"),
    ],
)
def test_unsafe_hosts_are_refused(host: str, match: str) -> None:
    with pytest.raises(ConnectionConfigError, match=match):
        settings(host=host)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"region": "apac"}, "region 'apac' is not one of us, eu"),
        ({"auth_scheme": "basic"}, "connection 'pd': auth_scheme 'basic' is not one of api_key, oauth"),
        ({"token_kind": "basic"}, "connection 'pd': token_kind 'basic' is not one of api_key, oauth"),
        ({"read_timeout": "soon"}, "read_timeout"),
        ({"total_timeout": 0}, "total_timeout"),
        ({"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
        ({"proxy": "proxy:3128"}, "proxy"),
    ],
)
def test_bad_extras_are_refused(extra: dict[str, Any], match: str) -> None:
    with pytest.raises(ConnectionConfigError, match=match):
        settings(**extra)


def test_missing_token_is_refused_and_token_never_in_repr() -> None:
    with pytest.raises(ConnectionConfigError, match="API token"):
        settings(password=None)
    result = settings(proxy="http://user:proxy-pass@proxy:3128")
    assert "secret-token-123" not in repr(result)
    assert "proxy-pass" not in repr(result)
    assert len(result.credential_id) == 16
    assert "secret" not in result.credential_id


def test_registry_explains_unknown_and_uri_typed_connections() -> None:
    assert hook_class_for(Connection(conn_id="a", conn_type="pagerduty_incidents")) is PagerDutyIncidentHook
    with pytest.raises(ConnectionConfigError, match="pagerduty_incidents"):
        hook_class_for(Connection(conn_id="a", conn_type="pagerduty"))
    with pytest.raises(ConnectionConfigError, match="pagerduty-incidents://"):
        hook_class_for(Connection(conn_id="a", conn_type=None))


def test_the_test_button_names_the_connection_type_not_airflows_random_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``POST /api/v2/connections/test`` runs the hook under a random id exported as a URI, as here."""
    from airflow.models.connection import Connection as StoredConnection

    transient = StoredConnection(
        conn_id="Xq7bR2mZ",
        conn_type="pagerduty_incidents",
        password="secret-token-123",
        extra=json.dumps({"token_kind": "***"}),
    )
    monkeypatch.setenv("AIRFLOW_CONN_XQ7BR2MZ", transient.get_uri())
    ok, message = transient.test_connection()  # type: ignore[no-untyped-call]
    assert not ok
    assert message.startswith("PagerDuty Incidents connection: token_kind '***' is not one of api_key, oauth")
    assert "Xq7bR2mZ" not in message
    assert "secret-token-123" not in message
