"""The report's sections on cost per layer and the py-spy profile."""

from __future__ import annotations

PROJECT_FUNCTIONS = (
    "gateway/",
    "credential/",
    "services/",
    "platform_site/",
    "replication/",
    "core/",
)
GATEWAY_LAYERS = (
    "nonce check (node-local store)",
    "revocation check (node-local store)",
    "session and grants",
    "envelope crypto (AES-GCM open and seal)",
    "routing table and breaker",
    "gateway, the rest",
)


def _n(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _get(data: dict, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _web_rows(results: dict) -> list[str]:
    web, direct = results.get("web_server") or {}, results
    nginx = _get(web, "scenarios", "c", "cpu_us_per_request", "nginx")
    gunicorn = [
        _get(served, "scenarios", "c", "cpu_us_per_request", "gunicorn") for served in (web, direct)
    ]
    p50 = [
        _get(served, "light_load", "scenarios", "c", "latency_ms", "p50")
        for served in (web, direct)
    ]
    rows = [
        f"| web server: nginx (TLS, HTTP, proxying, access log) | {_n(nginx)} | nginx's CPU "
        "per (c) request through it, loaded rounds |"
    ]
    if None not in gunicorn:
        rows.append(
            f"| web server: gunicorn's side (Unix socket, X-Real-IP) | "
            f"{_n(round(gunicorn[0] - gunicorn[1], 1))} | gunicorn's CPU per (c) request through "
            "nginx minus directly (negative: cheaper behind nginx) |"
        )
    if None not in p50:
        rows.append(
            f"| web server: latency it adds, p50 at concurrency 1 | "
            f"{_n(round((p50[0] - p50[1]) * 1000, 1))} | client-side p50 of (c) through nginx "
            "minus directly (µs of wall time, TLS on both ends included) |"
        )
    return rows


def layers(results: dict) -> list[str]:
    found = _get(results, "profile", "cpu", "layers") or []
    cpu = _get(results, "profile", "cpu", "cpu_us_per_request") or {}
    lines = [
        "## The cost of each layer of a gateway read, per request",
        "",
        "gunicorn's layers: py-spy's on-CPU samples of both workers while (c) ran through the web "
        "server, each sample given to one layer (bench/layers.py), times the workers' CPU per "
        f"request in that window ({_n(cpu.get('gunicorn'))} µs; the table adds up to it). The "
        "web server's rows come from the measured windows.",
        "",
        "| layer | µs of CPU per request | how |",
        "|---|---|---|",
        *_web_rows(results),
    ]
    for row in found:
        lines.append(
            f"| {row['layer']} | {_n(row['us_per_request'])} | {row['share'] * 100:.1f} % of "
            "the workers' samples |"
        )
    gateway = sum(r["us_per_request"] for r in found if r["layer"] in GATEWAY_LAYERS)
    if found:
        lines.append(f"| **the gateway (sum of its rows above)** | {_n(round(gateway, 1))} | |")
    return [*lines, ""]


def profile(results: dict) -> list[str]:
    found = results.get("profile")
    if not found:
        return []
    lines = [
        "## Profile of (c) through the web server, py-spy on every worker "
        "(share of request-handling time)",
        "",
    ]
    if "skipped" in found:
        return [*lines, f"Skipped: {found['skipped']}", ""]
    for mode, label in (("cpu", "on CPU"), ("wall", "wall clock, waits included")):
        p = found.get(mode) or {}
        if not p.get("samples"):
            continue
        areas = ", ".join(f"{name} {share}%" for name, share in p["self_by_area"][:8])
        own = "; ".join(f"{name} {share}%" for name, share in p["self_top"][:6])
        ours = [
            f"{name} {share}%"
            for name, share in p["inclusive_top"]
            if name.split(" (")[-1].startswith(PROJECT_FUNCTIONS)
        ]
        lines += [
            f"- {label} ({p['samples']} samples at {p['rps_while_sampled']} req/s): self time by "
            f"area: {areas}",
            f"  - top self: {own}",
            f"  - project functions, inclusive: {'; '.join(ours[:12])}",
        ]
    return [*lines, ""]
