"""Real headless Chromium (Debian's chromium and chromedriver) for the admin's browser tests.

The window is a laptop's 1280 x 800 viewport, set through the DevTools protocol so the
browser's own chrome takes none of it.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "admin"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
)
# Read in one script: how wide the page and the list's table are against the viewport.
WIDTHS = """
const results = document.querySelector(".results");
return {
  page: document.documentElement.scrollWidth,
  viewport: window.innerWidth,
  table: results ? results.scrollWidth : 0,
  table_box: results ? results.clientWidth : 0,
};
"""


def chromium(profile_dir: Path, *, extra_flags: tuple | list = ()) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", *extra_flags):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_page_load_timeout(30)
    metrics = {**VIEWPORT, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    return driver


def admin_login(driver, base_url: str, username: str, password: str, next_path: str = "/admin/"):
    driver.get(f"{base_url}/admin/login/?next={next_path}")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: d.current_url == base_url + next_path)


def save_full_page(driver, name: str) -> Path:
    """A PNG of the whole page, not only the viewport, under var/test-artifacts/admin/."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def widths(driver) -> dict:
    return driver.execute_script(WIDTHS)


def wait_for(condition, *, timeout: float, what: str, poll: float = 0.1):
    """Poll `condition()` until it returns a truthy value; returns (value, seconds taken)."""
    started = time.monotonic()
    last = None
    while time.monotonic() - started < timeout:
        last = condition()
        if last:
            return last, time.monotonic() - started
        time.sleep(poll)
    raise AssertionError(f"{what} did not happen within {timeout} s; last seen: {last!r}")


def wait_for_page(driver, condition, *, timeout: float = 15):
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)
    except TimeoutException:
        raise AssertionError(f"the page never got there: {driver.current_url}") from None


def record(name: str, value) -> None:
    """Keep a measured figure in var/test-artifacts/admin/measured.json."""
    path = ARTIFACTS / "measured.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[name] = value
    path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
