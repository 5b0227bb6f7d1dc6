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
    bare_nginx = _get(web, "scenarios", "a", "cpu_us_per_request", "nginx")
    rows = [
        "| web server: nginx's CPU per request through it, loaded rounds (TLS, HTTP, the proxy "
        f"connection to gunicorn's socket, access log) | {_n(nginx)} | | {_n(bare_nginx)} |"
    ]
    if None not in gunicorn:
        difference = _n(round(gunicorn[0] - gunicorn[1], 1))
        rows.append(
            "| web server, gunicorn's side: its CPU per (c) request through nginx minus directly "
            f"(Unix socket, X-Real-IP; negative: cheaper) | {difference} | | |"
        )
    if None not in p50:
        rows.append(
            "| web server, latency: client-side p50 of (c) at concurrency 1 through nginx minus "
            f"directly (µs of wall time, not CPU; TLS on both ends) | "
            f"{_n(round((p50[0] - p50[1]) * 1000, 1))} | | |"
        )
    return rows


def layers(results: dict) -> list[str]:
    gateway = _get(results, "profile", "cpu") or {}
    bare = _get(results, "profile", "bare_cpu") or {}
    bare_rows = {row["layer"]: row for row in bare.get("layers") or []}
    cpu = [_get(found, "cpu_us_per_request", "gunicorn") for found in (gateway, bare)]
    lines = [
        "## The cost of each layer per request",
        "",
        "gunicorn's layers: py-spy's on-CPU samples of both workers while (c), then (a), ran "
        "through the web server at 4 in flight, each sample given to one layer "
        "(bench/layers.py), times the workers' CPU per request in that window "
        f"({_n(cpu[0])} µs for (c), {_n(cpu[1])} µs for (a); each column adds up to it). The "
        "web server's rows come from the measured windows.",
        "",
        "| layer | (c) µs of CPU per request | (c) share of samples | (a) µs per request |",
        "|---|---|---|---|",
        *_web_rows(results),
    ]
    for row in gateway.get("layers") or []:
        other = bare_rows.get(row["layer"]) or {}
        lines.append(
            f"| {row['layer']} | {_n(row['us_per_request'])} | {row['share'] * 100:.1f} % | "
            f"{_n(other.get('us_per_request'))} |"
        )
    total = sum(
        r["us_per_request"] for r in gateway.get("layers") or [] if r["layer"] in GATEWAY_LAYERS
    )
    if gateway.get("layers"):
        lines.append(f"| **the gateway (sum of its rows above)** | {_n(round(total, 1))} | | |")
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
    modes = (
        ("cpu", "(c) on CPU"),
        ("wall", "(c) wall clock, waits included"),
        ("bare_cpu", "(a) on CPU, for comparison"),
    )
    for mode, label in modes:
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


def pieces(results: dict) -> list[str]:
    found = results.get("pieces") or {}
    if not found:
        return []
    lines = [
        "## The pieces, timed alone in a node's process",
        "",
        "bench/pieces.py, with the bench node's settings and database: CPU µs per call, the "
        "lowest of seven rounds' means. A reload once a second in each worker, or a stamp "
        "four times a second, costs a request nothing on average but lands on one request "
        "in a few hundred (the latency tail at concurrency 1).",
        "",
        "| piece | µs per call |",
        "|---|---|",
    ]
    lines += [f"| {name} | {_n(value)} |" for name, value in found.items()]
    return [*lines, ""]
