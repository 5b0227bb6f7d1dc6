"""The results: the headline numbers, the targets they are held to, JSON and markdown.

`headline` pulls the top-level numbers out of the raw figures; `evaluate` holds them to
TARGETS (met / missed / not measured); `markdown` renders the table the README links;
`write` stores `<stamp>.json` and `<stamp>.md` and copies both to `latest.*`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    op: str  # ">=" or "<="
    bound: float
    unit: str = ""

    def met(self, value) -> bool | None:
        if value is None:
            return None
        return value >= self.bound if self.op == ">=" else value <= self.bound


TARGETS = (
    Target("gateway_vs_drf_token_rps_ratio", "gateway read ÷ DRF token read, req/s", ">=", 1.0),
    Target("gateway_vs_bare_rps_ratio", "gateway read ÷ bare Django view, req/s", ">=", 0.8),
    Target(
        "web_server_gateway_vs_drf_token_rps_ratio",
        "through the web server: gateway read ÷ DRF token read, req/s",
        ">=",
        1.0,
    ),
    Target(
        "web_server_gateway_vs_bare_rps_ratio",
        "through the web server: gateway read ÷ bare Django view, req/s",
        ">=",
        0.8,
    ),
    Target("gateway_added_p99_ms", "gateway-added latency, p99, concurrency 1", "<=", 1.0, "ms"),
    Target(
        "web_server_gateway_added_p99_ms",
        "through the web server: gateway-added latency, p99, concurrency 1",
        "<=",
        1.0,
        "ms",
    ),
    Target("login_p50_ms", "login over HTTP, p50", "<=", 30.0, "ms"),
    Target("web_server_login_p50_ms", "login through the web server, p50", "<=", 30.0, "ms"),
    Target("route_propagation_s", "route change → all workers, both nodes (max)", "<=", 1.0, "s"),
    Target("replication_lag_p99_ms", "replication lag under write load, p99", "<=", 5.0, "ms"),
    Target("failover_failed_ops", "failed operations when a node is killed", "<=", 0),
    Target("failover_detection_s", "failover detection (kill → out of rotation)", "<=", 1.0, "s"),
)


def _get(data: dict, *path, default=None):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def _ratio(served: dict, top: str, bottom: str):
    """The headline ratio of one way of serving: the median of the quiet rounds' ratios,
    else the pooled req/s."""
    basis = _get(served, "headline_basis", f"{top}_over_{bottom}")
    if basis is not None:
        return basis
    rps = {code: _get(served, "scenarios", code, "rps") for code in (top, bottom)}
    if not rps[top] or not rps[bottom]:
        return None
    return round(rps[top] / rps[bottom], 3)


def headline(raw: dict) -> dict:
    """The top-level numbers of the results JSON, from the raw figures (None if absent).

    Unprefixed: the node reached directly (plain HTTP to gunicorn); `web_server_`: through
    its nginx (HTTPS, kept-alive connections); `single_database_`: with B's replication
    stopped. All on the replicated pair unless they say otherwise."""
    web = raw.get("web_server") or {}
    single = raw.get("single_database") or {}
    return {
        "gateway_vs_drf_token_rps_ratio": _ratio(raw, "c", "b"),
        "gateway_vs_bare_rps_ratio": _ratio(raw, "c", "a"),
        "web_server_gateway_vs_drf_token_rps_ratio": _ratio(web, "c", "b"),
        "web_server_gateway_vs_bare_rps_ratio": _ratio(web, "c", "a"),
        "single_database_gateway_vs_drf_token_rps_ratio": _ratio(
            single.get("direct") or {}, "c", "b"
        ),
        "single_database_gateway_vs_bare_rps_ratio": _ratio(single.get("direct") or {}, "c", "a"),
        "single_database_web_server_gateway_vs_drf_token_rps_ratio": _ratio(
            single.get("web_server") or {}, "c", "b"
        ),
        "single_database_web_server_gateway_vs_bare_rps_ratio": _ratio(
            single.get("web_server") or {}, "c", "a"
        ),
        "gateway_added_p99_ms": _get(raw, "light_load", "request_log", "c", "gateway_ms", "p99"),
        "web_server_gateway_added_p99_ms": _get(
            web, "light_load", "request_log", "c", "gateway_ms", "p99"
        ),
        "gateway_added_p99_ms_loaded": _get(raw, "request_log", "c", "gateway_ms", "p99"),
        "web_server_gateway_added_p99_ms_loaded": _get(
            web, "request_log", "c", "gateway_ms", "p99"
        ),
        "web_server_cpu_us_per_request": _get(web, "scenarios", "c", "cpu_us_per_request", "nginx"),
        "login_p50_ms": _get(raw, "login", "http_ms", "p50"),
        "web_server_login_p50_ms": _get(raw, "login", "web_server_ms", "p50"),
        "route_propagation_s": _get(raw, "route_propagation", "max_s"),
        "replication_lag_p99_ms": _get(raw, "replication_lag", "under_load_ms", "both", "p99"),
        "failover_failed_ops": _get(raw, "failover", "failed_operations"),
        "failover_detection_s": _get(raw, "failover", "detection_s"),
    }


def evaluate(numbers: dict) -> list[dict]:
    return [
        {
            "key": t.key,
            "label": t.label,
            "measured": numbers.get(t.key),
            "target": f"{t.op} {t.bound:g}{(' ' + t.unit) if t.unit else ''}",
            "met": t.met(numbers.get(t.key)),
        }
        for t in TARGETS
    ]


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}".strip()


def markdown(results: dict) -> str:
    from bench.report_sections import sections

    units = {t.key: t.unit for t in TARGETS}
    lines = [
        f"# Platform benchmark, {results['generated_at']} ({results['mode']} run)",
        "",
        *results["method"],
        "",
        "## Targets",
        "",
        "| measure | measured | target | verdict |",
        "|---|---|---|---|",
    ]
    for row in results["targets"]:
        measured = _fmt(row["measured"], units[row["key"]])
        lines.append(f"| {row['label']} | {measured} | {row['target']} | {_verdict(row['met'])} |")
    lines.append("")
    others = [s.get("others_share", 0.0) for s in (results.get("scenarios") or {}).values()]
    if others and max(others) > 0.10:
        lines += [
            f"> Other programs kept up to {max(others) * 100:.0f} % of the machine busy during "
            "the measured windows (see the headroom table): absolute rates are low; the ratios, "
            "measured in alternating rounds, are less affected.",
            "",
        ]
    lines += sections(results)
    return "\n".join(lines) + "\n"


def write(results: dict, stamp: str, directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / f"{stamp}.json", directory / f"{stamp}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(results))
    shutil.copyfile(json_path, directory / "latest.json")
    shutil.copyfile(md_path, directory / "latest.md")
    return json_path, md_path
