"""End to end: each vendor's connection form in the real Airflow UI, driven in headless Chromium.

For every connection type the test opens **Admin -> Connections -> Add Connection** in the session's
deployment (``conftest.py``), picks the type and checks what a user sees: the relabelled standard
fields and their placeholders (none cut off), the hidden ones gone, every extra field's label, each
default shown as itself (never ``***``: Airflow masks any extra whose name looks sensitive), the API
token and the proxy masked. It fills the form with the sandbox's settings, saves it, reads the
stored connection back, and tests it with Airflow's connection-test endpoint. It also presses the
UI's own Test button, which Airflow 3.3 breaks for every connection type (docs/connections.md).

Chromium and its driver come from Debian (``chromium``, ``chromium-driver``); the test installs them
with apt-get when they are missing, and gives Selenium the driver's path so that it never downloads
one. A failing check leaves a screenshot and the page's HTML in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from airflow_incident_provider.get_provider_info import get_provider_info
from airflow_incident_provider.registry import VENDORS, VendorRecord
from tests.e2e.shared import Running

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PACKAGES = ("chromium", "chromium-driver")
INSTALL_TIMEOUT = 900.0
UI_WAIT = 20.0
"""Seconds any one element, dialog or message may take to appear."""
FORMS = {c["connection-type"]: c for c in get_provider_info()["connection-types"]}

MEASURE_PLACEHOLDER = """
const input = arguments[0];
const style = getComputedStyle(input);
const context = document.createElement("canvas").getContext("2d");
context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
return [context.measureText(input.placeholder).width, room];
"""
"""The width the placeholder's text needs and the width the input shows, in CSS pixels."""


def install_chromium() -> None:
    """Debian's Chromium and chromedriver, installed with apt-get unless both are there already."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} is missing: install the Debian packages {PACKAGES}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", *PACKAGES]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr}"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium through Debian's chromedriver, named explicitly (no Selenium Manager)."""
    install_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def evidence(driver: webdriver.Chrome, folder: Path, name: str) -> Iterator[None]:
    """On any failure inside, save a screenshot and the page's HTML to ``folder`` and say where."""
    try:
        yield
    except BaseException:
        png, html = folder / f"{name}.png", folder / f"{name}.html"
        try:
            driver.save_screenshot(str(png))
            html.write_text(driver.page_source)
            print(f"screenshot of the failure: {png}\npage: {html}")
        except WebDriverException as exc:  # the browser itself is gone: the original error tells more
            print(f"no screenshot: {exc}")
        raise


def wait_for(driver: webdriver.Chrome, what: str, find: Any) -> Any:
    """Poll ``find(driver)`` until it returns something truthy, at most :data:`UI_WAIT` seconds."""
    return WebDriverWait(driver, UI_WAIT).until(find, f"{what} did not appear within {UI_WAIT:.0f} s")


def label_of(field: WebElement) -> str:
    """The text of the ``<label>`` in the field group holding ``field`` (the UI's one row per field)."""
    group = field.find_element(By.XPATH, "./ancestor::*[@role='group'][1]")
    text = group.find_element(By.TAG_NAME, "label").get_attribute("textContent") or ""
    return text.rstrip(" *").strip()


def open_form(driver: webdriver.Chrome, api_url: str, record: VendorRecord, conn_id: str) -> WebElement:
    """The Add Connection dialog with ``conn_id`` typed and the vendor's connection type picked."""
    driver.get(f"{api_url}/connections")
    wait_for(
        driver,
        "the Add Connection button",
        lambda d: d.find_element(By.XPATH, "//button[normalize-space()='Add Connection']"),
    ).click()
    dialog: WebElement = wait_for(
        driver, "the dialog", lambda d: d.find_element(By.CSS_SELECTOR, "[role=dialog]")
    )
    dialog.find_element(By.NAME, "connection_id").send_keys(conn_id)
    kind = dialog.find_element(By.CSS_SELECTOR, "input[role=combobox]")
    kind.send_keys(record.hook_name)
    wait_for(
        driver,
        f"the option {record.hook_name}",
        lambda d: d.find_elements(By.XPATH, f"//*[@role='option'][normalize-space()='{record.hook_name}']"),
    )
    kind.send_keys(Keys.ENTER)
    wait_for(driver, "the standard fields", lambda d: dialog.find_elements(By.NAME, "password"))
    return dialog


def check_standard_fields(driver: webdriver.Chrome, dialog: WebElement, form: dict[str, Any]) -> None:
    """Hidden fields gone; the others relabelled, with their placeholders whole; the token masked."""
    behaviour = form["ui-field-behaviour"]
    for name in behaviour["hidden-fields"]:
        assert dialog.find_elements(By.NAME, name) == [], f"{name} should be hidden"
    for name, label in behaviour["relabeling"].items():
        assert label_of(dialog.find_element(By.NAME, name)) == label, name
    for name, placeholder in behaviour["placeholders"].items():
        inputs = dialog.find_elements(By.NAME, name)
        if not inputs:  # an extra's placeholder: Airflow 3.3's form shows none (docs/connections.md)
            continue
        assert inputs[0].get_attribute("placeholder") == placeholder, name
        needed, room = driver.execute_script(MEASURE_PLACEHOLDER, inputs[0])
        assert needed <= room, (
            f"the {name} placeholder {placeholder!r} needs {needed:.0f}px, shows {room:.0f}px"
        )
    assert dialog.find_element(By.NAME, "password").get_attribute("type") == "password"


def check_extra_fields(driver: webdriver.Chrome, dialog: WebElement, form: dict[str, Any]) -> None:
    """Every extra labelled as declared, each default shown as itself, the secret ones masked."""
    dialog.find_element(By.XPATH, ".//button[.//p[.='Extra Fields']]").click()
    for name, field in form["conn-fields"].items():
        element = wait_for(
            driver, f"the {name} field", lambda d, n=name: dialog.find_element(By.NAME, f"element_{n}")
        )
        assert label_of(element) == field["label"], name
        schema = field["schema"]
        if "default" in schema:
            assert element.get_attribute("value") == str(schema["default"]), f"{name}'s default"
        masked = element.get_attribute("type") == "password"
        assert masked == (schema.get("format") == "password"), f"{name} masked: {masked}"


def fill(dialog: WebElement, values: dict[str, Any]) -> None:
    """Type each value into the field of that name (an extra's field is ``element_<name>``)."""
    for name, value in values.items():
        dialog.find_element(By.NAME, name).send_keys(str(value))


def save(driver: webdriver.Chrome, dialog: WebElement) -> None:
    """Press Save and wait for the dialog to close."""
    dialog.find_element(By.XPATH, ".//button[contains(., 'Save')]").click()
    wait_for(driver, "the dialog to close", lambda d: not d.find_elements(By.CSS_SELECTOR, "[role=dialog]"))


def stored(api: httpx.Client, conn_id: str) -> dict[str, Any]:
    response = api.get(f"/connections/{conn_id}")
    assert response.status_code == 200, f"{conn_id} was not saved: {response.text}"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("record", VENDORS, ids=[record.name for record in VENDORS])
def test_the_form_adds_a_working_connection(
    record: VendorRecord, browser: webdriver.Chrome, airflow_e2e: Running, tmp_path: Path
) -> None:
    deployment = airflow_e2e.deployment
    form = FORMS[record.conn_type]
    sandbox = airflow_e2e.sandbox.connections()[f"{record.name}_sandbox"]
    conn_id = f"{record.name}_form"
    with evidence(browser, tmp_path, conn_id), deployment.client() as api:
        dialog = open_form(browser, deployment.api_url, record, conn_id)
        check_standard_fields(browser, dialog, form)
        fill(dialog, {"host": sandbox["host"], "password": sandbox["password"]})
        check_extra_fields(browser, dialog, form)  # opening them folds the standard fields away
        fill(dialog, {f"element_{name}": value for name, value in sandbox["extra"].items()})
        save(browser, dialog)

        saved = stored(api, conn_id)
        assert (saved["conn_type"], saved["host"], saved["password"]) == (
            record.conn_type,
            sandbox["host"],
            "***",  # the API masks the token it stored
        )
        extras = json.loads(saved["extra"])
        for name, field in form["conn-fields"].items():
            expected = sandbox["extra"].get(name, field["schema"].get("default"))
            assert extras.get(name) == expected, f"{name} was saved as {extras.get(name)!r}"

        # The call that tests a stored connection (the UI's Test button does not: see below).
        test = api.post("/connections/test", json={"connection_id": conn_id, "conn_type": record.conn_type})
        assert test.status_code == 200, test.text
        result = test.json()
        assert result["status"] is True, result
        assert result["message"].startswith(("Connected to ", "Reached ")), result
        assert record.display_name in result["message"], result


def test_the_ui_test_button_answers_bad_request_an_airflow_issue(
    browser: webdriver.Chrome, airflow_e2e: Running, tmp_path: Path
) -> None:
    """Airflow 3.3's Test button sends ``"port": 0`` for an empty port with the stored connection's
    masked password; the API takes the port for another endpoint, refuses to test it without the
    credentials in clear, and the toast shows "Bad Request": for every type, core ``http`` too.

    Pinned so that the day Airflow fixes it, this fails and docs/connections.md gets updated.
    """
    deployment = airflow_e2e.deployment
    sandbox = airflow_e2e.sandbox.connections()["pagerduty_sandbox"]
    connections = {
        "pagerduty_stored": {**sandbox, "extra": json.dumps(sandbox["extra"])},
        "http_stored": {"conn_type": "http", "host": deployment.api_url},
    }
    with evidence(browser, tmp_path, "test_button"), deployment.client() as api:
        for conn_id, connection in connections.items():
            created = api.post("/connections", json={"connection_id": conn_id, **connection})
            assert created.status_code == 201, created.text
            browser.get(f"{deployment.api_url}/connections")
            row = wait_for(
                browser,
                f"the row of {conn_id}",
                lambda d, c=conn_id: d.find_element(By.XPATH, f"//tr[td[normalize-space()='{c}']]"),
            )
            row.find_element(By.CSS_SELECTOR, "button[aria-label='Test Connection']").click()
            toast = wait_for(
                browser,
                "the test's message",
                lambda d: [  # a title and a message: the toast fills in its text as it appears
                    toast.text
                    for toast in d.find_elements(By.CSS_SELECTOR, "[data-scope='toast'][data-part='root']")
                    if len(toast.text.splitlines()) >= 2
                ],
            )
            assert [line.strip() for line in toast[0].splitlines()] == [
                "Test Connection Failed",
                "Bad Request",
            ]

            # What the button sends, and what it gets; then the call that works (the stored connection).
            sent = {**connection, "port": 0, "password": "***", "connection_id": conn_id}
            refused = api.post("/connections/test", json=sent)
            assert refused.status_code == 400, refused.text
            assert "differs from the stored connection" in refused.json()["detail"]
            test = api.post(
                "/connections/test", json={"connection_id": conn_id, "conn_type": connection["conn_type"]}
            )
            assert test.status_code == 200, test.text
            if conn_id == "pagerduty_stored":
                assert test.json() == {
                    "status": True,
                    "message": f"Connected to PagerDuty at {sandbox['host']}",
                }


def test_a_refused_setting_is_reported_without_airflows_random_id(airflow_e2e: Running) -> None:
    """What a connection saved by the old form (``token_kind: "***"``) answers when tested.

    Airflow tests a connection under a random id of its own, so the message names the connection type.
    """
    sandbox = airflow_e2e.sandbox.connections()["pagerduty_sandbox"]
    body = {
        "connection_id": "pagerduty_masked_default",
        "conn_type": "pagerduty_incidents",
        "host": sandbox["host"],
        "password": sandbox["password"],
        "extra": json.dumps({**sandbox["extra"], "token_kind": "***"}),
    }
    with airflow_e2e.deployment.client() as api:
        response = api.post("/connections/test", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": False,
        "message": "PagerDuty Incidents connection: token_kind '***' is not one of api_key, oauth (a value "
        "Airflow masked and the form saved back: set auth_scheme and remove token_kind)",
    }
