"""A vendor error that quotes the credentials back never carries them into the provider's exception.

The sandbox's ``echo_credentials`` fault answers 401 quoting the request's credential header and body,
as a careless API or proxy might. The exception's text is logged by Airflow, and may be stored by user
code or in a bulk result's XCom: every credential the hook sent is replaced by ``***`` in it.
"""

from __future__ import annotations

import pytest

from airflow_incident_provider.exceptions import AuthenticationError
from airflow_incident_provider.hooks import get_incident_hook
from airflow_incident_provider.hooks.pinghome import PinghomeIncidentHook
from tests.fixtures import VendorSandbox
from tests.fixtures_pinghome import PinghomeSandbox
from tests.hooks.test_pinghome import signing_in
from tests.vendor_cases import FIXTURES

VENDOR_FIXTURES = tuple(FIXTURES.values())
INCIDENT_ID = "5f0c2a8e-4b1d-4e6f-9a3c-7d2e1f0b9c8a"
"""A well-formed id for every vendor (the fault answers before any look-up)."""


def echoed_error(handle: VendorSandbox, path: str | None = None) -> AuthenticationError:
    """The error a read gets while every request (or those to ``path``) is answered with its credentials."""
    handle.server.add_fault(handle.vendor, "echo_credentials", **({"path": path} if path else {}))
    with pytest.raises(AuthenticationError) as raised:
        get_incident_hook(handle.conn_id).get_incident(INCIDENT_ID)
    return raised.value


@pytest.mark.parametrize("fixture", VENDOR_FIXTURES)
def test_the_token_a_vendor_quotes_back_is_masked(fixture: str, request: pytest.FixtureRequest) -> None:
    handle: VendorSandbox = request.getfixturevalue(fixture)
    error = echoed_error(handle)
    assert "these credentials were refused: " in str(error), "the vendor's message still surfaces"
    assert handle.key not in str(error)
    assert "***" in error.vendor_message


def test_a_pinghome_sign_in_quoted_back_hides_the_password(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    signing_in(ph, monkeypatch)
    error = echoed_error(ph)
    assert ph.email in str(error), "the sign-in body is quoted (the email is not a secret)"
    assert ph.password not in str(error)


def test_a_pinghome_session_token_quoted_back_is_masked(
    ph: PinghomeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    signing_in(ph, monkeypatch)
    error = echoed_error(ph, path="/incident-query/*")  # the sign-in works; the reads echo its token
    hook = get_incident_hook(ph.conn_id)
    assert isinstance(hook, PinghomeIncidentHook)
    session = hook.credentials()[-1]
    assert session.startswith("ph-session-"), "signed in (twice: once more after the first 401)"
    assert "Bearer ***" in str(error)
    assert session not in str(error)
    assert ph.password not in str(error)
