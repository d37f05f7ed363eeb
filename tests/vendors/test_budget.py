"""Each vendor module reads its own budget headers (or says it has none); pure, no server."""

from __future__ import annotations

import pytest

from airflow_incident_provider.vendors import devhelm, pagerduty, pinghome, rootly, uptimeio
from airflow_incident_provider.vendors.base import Budget, Response, budget_from_headers

NOW = 1_800_000_000.0


def answer(headers: dict[str, str], status: int = 200) -> Response:
    return Response(status, headers, None)


def test_pagerduty_reset_is_seconds_from_now() -> None:
    headers = {"ratelimit-limit": "960", "ratelimit-remaining": "12", "ratelimit-reset": "31"}
    assert pagerduty.budget(answer(headers)) == Budget(960, 12, 31.0)


def test_pagerduty_may_send_a_429_without_headers() -> None:
    assert pagerduty.budget(answer({}, 429)) is None


@pytest.mark.parametrize("prefix", ["x-ratelimit-", "ratelimit-"])
def test_rootly_reads_both_spellings_and_its_policy_limit(prefix: str) -> None:
    headers = {
        f"{prefix}limit": "1000, 1000;window=60",
        f"{prefix}remaining": "40",
        f"{prefix}reset": str(int(NOW) + 18),
    }
    assert rootly.budget(answer(headers), now=NOW) == Budget(1000, 40, 18.0)


def test_devhelm_reset_is_an_epoch() -> None:
    headers = {
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(NOW) + 7),
    }
    assert devhelm.budget(answer(headers, 429), now=NOW) == Budget(100, 0, 7.0)


def test_a_reset_in_the_past_or_a_negative_remaining_is_read_as_zero() -> None:
    headers = {"x-ratelimit-remaining": "-3", "x-ratelimit-reset": str(int(NOW) - 5)}
    assert devhelm.budget(answer(headers), now=NOW) == Budget(None, 0, 0.0)


@pytest.mark.parametrize(
    "headers",
    [
        {"ratelimit-remaining": "5"},
        {"ratelimit-reset": "5"},
        {"ratelimit-remaining": "many", "ratelimit-reset": "5"},
        {"ratelimit-remaining": "5", "ratelimit-reset": "soon"},
    ],
)
def test_unreadable_headers_are_no_word(headers: dict[str, str]) -> None:
    assert budget_from_headers(headers, prefixes=("ratelimit-",), reset_is_epoch=False) is None


@pytest.mark.parametrize("module", [uptimeio, pinghome])
def test_vendors_that_document_no_budget_headers_say_nothing(module: object) -> None:
    """Pinghome's sandbox sends ``X-RateLimit-*`` on its answers; undocumented, they are not relied on."""
    headers = {
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(NOW) + 9),
    }
    assert module.budget(answer(headers)) is None  # type: ignore[attr-defined]
