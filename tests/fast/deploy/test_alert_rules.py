"""The Prometheus alert rules (deploy/prometheus/): valid for promtool, each alert proven to
fire by a unit test against synthetic series, and built on the metrics nodes export.

promtool comes from Debian's `prometheus` package (scripts/system-deps test): missing, the
test fails rather than skips.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES_DIR = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"
RULES = RULES_DIR / "platform.rules.yml"
RULE_TESTS = RULES_DIR / "platform.rules.test.yml"
# What the operations brief asks to be alerted on, one alert or more each.
REQUIRED = {
    "replication stopped": "PlatformReplicationStopped",
    "replication SQL error": "PlatformReplicationSQLError",
    "lag over the bound": "PlatformReplicationLagHigh",
    "clock skew": "PlatformClockSkew",
    "a node out of rotation": "PlatformNodeOutOfRotation",
    "breaker open": "PlatformBreakerOpen",
    "lockouts spiking": "PlatformLockoutsSpiking",
    "5xx rate": "PlatformHigh5xxRate",
    "exactly-once doubles": "PlatformExactlyOnceDoubles",
}
METRICS = {
    "platform_replication_io_running",
    "platform_replication_sql_running",
    "platform_replication_last_sql_errno",
    "platform_replication_last_io_errno",
    "platform_replication_lag_seconds",
    "platform_replication_heartbeat_age_seconds",
    "platform_clock_skew_seconds",
    "platform_node_in_rotation",
    "platform_breaker_state",
    "platform_logins_total",
    "platform_requests_total",
    "platform_exactly_once_doubles",
    "up",
}


def promtool(*args: str) -> subprocess.CompletedProcess:
    binary = shutil.which("promtool")
    assert binary, "promtool missing: install Debian's prometheus (scripts/system-deps test)"
    return subprocess.run(
        [binary, *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=120
    )


def alerts() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_promtool_accepts_the_rules():
    done = promtool("check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in done.stdout


def test_the_rules_pass_their_unit_tests():
    done = promtool("test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("concern", sorted(REQUIRED))
def test_each_concern_has_its_alert(concern):
    assert REQUIRED[concern] in {rule["alert"] for rule in alerts()}


def test_every_alert_is_shown_firing_and_silent_by_a_unit_test():
    cases = [
        case
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]
    for rule in alerts():
        mine = [case for case in cases if case["alertname"] == rule["alert"]]
        assert any(case["exp_alerts"] for case in mine), f"{rule['alert']} never shown firing"
        assert any(not case["exp_alerts"] for case in mine), f"{rule['alert']} never silent"


def test_the_rules_use_only_the_metrics_nodes_export():
    for rule in alerts():
        names = set(re.findall(r"\b(platform_[a-z_]+|up)\b(?=\s*[{)\s]|$)", rule["expr"]))
        assert names, rule["alert"]
        assert names <= METRICS, (rule["alert"], names - METRICS)
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_promtool_accepts_the_sample_scrape_config_and_its_rule_file():
    done = promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = {
        job["job_name"]
        for job in yaml.safe_load((RULES_DIR / "prometheus.yml").read_text())["scrape_configs"]
    }
    assert jobs == {"platform", "mysqld"}  # the rules' `up{job="platform"}` needs that name
