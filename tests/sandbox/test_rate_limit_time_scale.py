"""Under a scaled clock every rate-limit wait the sandbox states is in real seconds: a client sleeps on its
own clock, so a 60-second window that lasts 6 real seconds must never tell it to wait 60."""

from __future__ import annotations

import time

from tests.fixtures import Sandbox, VendorSandbox
from tests.fixtures_devhelm import DEVHELM_PAGE_PATH
from tests.fixtures_uptimeio import UPTIMEIO_PAGE_PATH

SCALE = 10
REAL_WINDOW = 60 / SCALE
MILLISECOND_ROUNDING = 0.0005  # a scaled reset epoch is sent rounded to the nearest millisecond


def refused(handle: VendorSandbox, path: str) -> dict[str, str]:
    """Spend a budget of one on ``path`` at the scaled clock; the 429's headers."""
    handle.configure(rate_limit_per_minute=1)
    handle.admin.put("/_sandbox/clock", json={"time_scale": SCALE}).raise_for_status()
    assert handle.api.get(path).status_code == 200
    answer = handle.api.get(path)
    assert answer.status_code == 429
    return dict(answer.headers)


def test_pagerduty_reset_is_real_seconds(pd: Sandbox) -> None:
    reset = float(refused(pd, "/priorities")["ratelimit-reset"])
    assert 0 < reset <= REAL_WINDOW


def test_devhelm_reset_epoch_and_retry_after_are_real_time(devhelm: VendorSandbox) -> None:
    headers = refused(devhelm, f"{DEVHELM_PAGE_PATH}/incidents")
    assert 0 < float(headers["x-ratelimit-reset"]) - time.time() <= REAL_WINDOW + MILLISECOND_ROUNDING
    assert 0 < int(headers["retry-after"]) <= REAL_WINDOW


def test_uptimeio_retry_after_is_real_seconds(uptimeio: VendorSandbox) -> None:
    assert 0 < int(refused(uptimeio, f"{UPTIMEIO_PAGE_PATH}/incidents")["retry-after"]) <= REAL_WINDOW
