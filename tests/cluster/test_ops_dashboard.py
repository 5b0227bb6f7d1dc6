"""The operations dashboard in real headless Chromium, on node A of the real pair.

Over HTTPS through node A's nginx: Chromium accepts that one certificate by its public
key (the run's CA is not in its store), so the admin's Secure cookies work as in
production.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from django.apps import apps
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from deploy.local.tls import spki_sha256
from tests.cluster.conftest import PASSWORD, login
from tests.support.browser import chromium
from tests.support.browser import save_full_page as save_admin_artifact

SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "ops-dashboard.png"
# Read in one script, so the page's refresh cannot swap elements between two reads.
READ_PAGE = """
const all = (selector, read) => Array.from(document.querySelectorAll(selector), read);
const points = (id) => (document.getElementById(id).getAttribute("points") || "")
  .split(" ").filter(Boolean).length;
const count = document.getElementById("session-count");
return {
  node: document.getElementById("node-name").textContent,
  node_title: document.querySelector("#node-health h2").textContent,
  peer_title: document.querySelector("#peer-health h2").textContent,
  directions: all("#replication tr[data-running]", (r) => [r.dataset.testid, r.dataset.running]),
  samples: Number(document.getElementById("lag-chart").dataset.samples),
  lag_points: {out: points("lag-out"), in: points("lag-in")},
  routes: Object.fromEntries(all("#routes tr[data-code]",
    (r) => [r.dataset.code, r.querySelector("[data-policy]").dataset.policy])),
  route_links: all("#routes tr[data-code] a", (a) => a.getAttribute("href")),
  chart_shown: !document.getElementById("lag-area").hidden,
  page_width: document.documentElement.scrollWidth,
  sessions: count ? Number(count.textContent) : 0,
  session_users: all("#sessions tr[data-ref]", (r) => r.cells[0].textContent),
  updated_at: document.getElementById("updated-at").textContent,
  status: document.getElementById("poll-status").textContent,
  errors: all("[data-testid=section-error]", (e) => e.textContent),
};
"""
RUNNING_BOTH_WAYS = [["direction-out", "true"], ["direction-in", "true"]]


@pytest.fixture
def browser(tmp_path, cluster):
    node_key = spki_sha256(cluster.node(1).certificate.cert_file)
    # A 1280 x 800 viewport; the node's certificate trusted by its key (the local CA).
    driver = chromium(
        tmp_path / "chromium-profile",
        extra_flags=[f"--ignore-certificate-errors-spki-list={node_key}"],
    )
    yield driver
    driver.quit()


def admin_login(browser, base_url: str, next_path: str) -> None:
    browser.get(f"{base_url}/admin/login/?next={next_path}")
    browser.find_element(By.NAME, "username").send_keys("root")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()


def wait_for_page(browser, ready, *, timeout: float = 30) -> dict:
    """The page's state once `ready(state)` holds; on timeout, fail showing the last state."""
    seen = {}

    def check(driver):
        seen.update(driver.execute_script(READ_PAGE))
        return ready(seen)

    try:
        WebDriverWait(browser, timeout, poll_frequency=0.25).until(check)
    except TimeoutException:
        pytest.fail(f"dashboard never got there; last state: {seen}")
    return dict(seen)


def save_full_page(browser, path: Path) -> None:
    """A PNG of the whole page, not only the window (Chromium's DevTools protocol)."""
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def expected_policies() -> dict[str, str]:
    declared = {
        config.code: str(config.conflict_policy)
        for config in apps.get_app_configs()
        if getattr(config, "code", "") and hasattr(config, "conflict_policy")
    }
    return {"credential": "home-node", **declared}


def test_the_dashboard_shows_health_replication_routes_and_sessions_live(cluster, browser):
    login(cluster, 1, "alice")  # a client session, for the sessions section
    base_url = cluster.node(1).url
    admin_login(browser, base_url, "/ops/")
    WebDriverWait(browser, 15).until(lambda d: d.current_url == f"{base_url}/ops/")

    state = wait_for_page(
        browser,
        lambda s: (
            s["directions"] == RUNNING_BOTH_WAYS
            and s["samples"] >= 2
            and min(s["lag_points"].values()) >= 2
        ),
    )

    assert state["node"] == "A" and "This node: A" in state["node_title"]
    assert "Peer: B" in state["peer_title"]
    assert state["errors"] == [] and state["status"] == "live"
    assert state["updated_at"] != "never"
    policies = expected_policies()
    assert {code: state["routes"].get(code) for code in policies} == policies
    assert state["sessions"] >= 1 and "alice" in state["session_users"]
    # Each route links to the admin form that acts on it; the page fits a laptop.
    assert len(state["route_links"]) == len(state["routes"])
    assert all(
        re.fullmatch(r"/admin/gateway/serviceroute/\d+/change/", h) for h in state["route_links"]
    )
    assert state["chart_shown"] is True and state["page_width"] <= 1280
    problems = [e for e in browser.get_log("browser") if "favicon.ico" not in e["message"]]
    assert problems == []

    save_full_page(browser, SCREENSHOT)
    assert SCREENSHOT.stat().st_size > 0
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    save_admin_artifact(browser, "ops-two-nodes.png")
