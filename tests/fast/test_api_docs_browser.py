"""Swagger UI and Redoc render the whole schema in real headless Chromium, offline.

The node runs in-process (pytest-django's live server); Chromium resolves no host but
the loopback one, so a page that needed anything from the internet would fail here.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD
from tests.support.error_answers import schema

# live_server commits; serialized like every committing test (tests/fast/conftest.py).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
    # Every name but the live server's fails to resolve: no CDN, no web font.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)
# What each page shows once it has read the schema: one element per operation.
# The one thing Redoc's bundle fetches from outside: the badge of its "API docs by
# Redocly" footer, an <img> that hides itself when it fails to load. Nothing else may.
DECORATION = "https://cdn.redoc.ly/redoc/logo-mini.svg"
OPERATIONS = {
    "/api/docs/": ".opblock",
    "/api/redoc/": "[data-section-id^='operation/']",
}


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def staff_browser(browser, live_server, make_user, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain HTTP here
    make_user("root", superuser=True, is_staff=True)
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys("root")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=platform-links]")
    )
    browser.get_log("browser")  # what the admin's pages logged is not the docs' business
    return browser


@pytest.mark.parametrize("page", OPERATIONS)
def test_the_page_renders_every_operation_with_nothing_from_outside(
    staff_browser, live_server, page
):
    expected = sum(len(item) for item in schema()["paths"].values())
    staff_browser.get(f"{live_server.url}{page}")
    selector = OPERATIONS[page]
    with contextlib.suppress(TimeoutException):  # the assertion below says what was there
        WebDriverWait(staff_browser, 60).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, selector)) >= expected
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    staff_browser.save_screenshot(str(ARTIFACTS / f"api{page.replace('/', '-')[4:-1]}.png"))
    shown = len(staff_browser.find_elements(By.CSS_SELECTOR, selector))
    assert shown == expected, f"{page} shows {shown} operations of {expected}"
    logged = staff_browser.get_log("browser")
    failures = [e["message"] for e in logged if e["level"] == "SEVERE"]
    assert [f for f in failures if not f.startswith(DECORATION)] == [], failures
