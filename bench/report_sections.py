"""The markdown report's sections below the targets table, one function each."""

from __future__ import annotations


def _n(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ms(summary: dict | None, *keys: str) -> list[str]:
    summary = summary or {}
    return [_n(summary.get(k), 2) for k in keys]


def machine(results: dict) -> list[str]:
    m, s = results.get("machine") or {}, results["settings"]
    packages = ", ".join(f"{k} {v}" for k, v in (m.get("packages") or {}).items())
    return [
        "## Machine and settings",
        "",
        f"- {m.get('cores')} cores, {m.get('cpu_model')}; Linux {m.get('kernel')}; "
        f"Python {m.get('python')}; MariaDB {m.get('mariadb')}; {packages}",
        f"- bench node: {s['workers']} workers ({s['bench_node']}); rate limits: "
        f"{s['bench_node_rate_limits']}",
        f"- scenarios: concurrency {s['concurrency']}, {s['rounds']} rounds of "
        f"{s['window_s']:g} s, warm-up {s['warmup_s']:g} s; cluster: {s['cluster_nodes']}",
        f"- phases (s): {results.get('phases_s')}",
        "",
    ]


def scenarios(results: dict) -> list[str]:
    found = results.get("scenarios") or {}
    lines = [
        f"## Scenarios (a) to (d): one node, concurrency {results['settings']['concurrency']}",
        "",
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | req/s per round | CPU µs/req: "
        "gunicorn / MariaDB A / MariaDB B | unexpected answers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for code, s in found.items():
        cpu = s["cpu_us_per_request"]
        rounds = " ".join(_n(r, 0) for r in s["rps_per_round"])
        lines.append(
            f"| ({code}) {s['title']} | {_n(s['rps'])} | "
            + " | ".join(_ms(s["latency_ms"], "p50", "p95", "p99"))
            + f" | {rounds} | {_n(cpu.get('gunicorn'), 0)} / {_n(cpu.get('mariadb_a'), 0)} / "
            f"{_n(cpu.get('mariadb_b'), 0)} | {s['unexpected_answers']} |"
        )
    lines += ["", *_database(found)]
    basis = results.get("headline_basis") or {}
    same = results.get("same_body") or {}
    c_over_b = _n(results.get("gateway_vs_drf_token_rps_ratio"), 3)
    c_over_a = _n(results.get("gateway_vs_bare_rps_ratio"), 3)
    lines += [
        "",
        f"Per round: (c)/(b) {basis.get('c_over_b_per_round')}, (c)/(a) "
        f"{basis.get('c_over_a_per_round')}; other programs' share of the machine per round "
        f"{basis.get('others_share_per_round')}. Headline ratios: median over rounds "
        f"{basis.get('rounds_used')} (0-based; quiet rounds {basis.get('quiet_rounds')}): "
        f"(c)/(b) = {c_over_b}, (c)/(a) = {c_over_a}. The pooled req/s and latencies in the "
        "table include every round"
        + (
            "; over the quiet rounds only, p50/p95/p99 ms: "
            + "; ".join(
                f"({code}) " + "/".join(_ms(s.get("latency_ms_quiet_rounds"), "p50", "p95", "p99"))
                for code, s in found.items()
            )
            if basis.get("quiet_rounds")
            else " (no round was quiet, so the headline figures use every round)"
        )
        + ". "
        f"(a), (b), (c) answered identical JSON: {same.get('equal')} ({same.get('bytes')} bytes).",
        "",
    ]
    return lines


DB_COLUMNS = (
    ("Questions", "statements"),
    ("Com_select", "SELECT"),
    ("Com_insert", "INSERT"),
    ("Com_insert_select", "INSERT…SELECT"),
    ("Com_update", "UPDATE"),
    ("Com_set_option", "SET"),
    ("Com_commit", "COMMIT"),
    ("Com_admin_commands", "ping etc."),
    ("Binlog_commits", "binlog commits"),
    ("Innodb_data_fsyncs", "InnoDB fsyncs"),
)


def _database(found: dict) -> list[str]:
    header = " | ".join(label for _, label in DB_COLUMNS)
    lines = [
        "Database A per request (MariaDB status counters around each window):",
        "",
        f"| scenario | {header} |",
        "|---|" + "---|" * len(DB_COLUMNS),
    ]
    for code, s in found.items():
        db = s.get("database_a_per_request") or {}
        lines.append(f"| ({code}) | " + " | ".join(_n(db.get(k), 2) for k, _ in DB_COLUMNS) + " |")
    return lines


def where_time_goes(results: dict) -> list[str]:
    light = results.get("light_load") or {}
    lines = [
        "## Where the time goes (the node's request log, server side)",
        "",
        "`total_ms`: the whole middleware chain; `gateway_ms`: total minus the time inside "
        "the routed service ((a) and (b) are not routed, so theirs equals their total). "
        "Loaded rows: the rounds the headline ratios use (see above).",
        "",
        "| scenario | concurrency | total p50 / p99 ms | gateway_ms p50 / p95 / p99 ms |",
        "|---|---|---|---|",
    ]
    for label, figures, concurrency in (
        ("loaded", results.get("request_log") or {}, results["settings"]["concurrency"]),
        ("light", light.get("request_log") or {}, 1),
    ):
        for code, f in figures.items():
            total = " / ".join(_ms(f.get("total_ms"), "p50", "p99"))
            gateway = " / ".join(_ms(f.get("gateway_ms"), "p50", "p95", "p99"))
            lines.append(f"| ({code}) {label} | {concurrency} | {total} | {gateway} |")
    diffs = results.get("client_side_p99_differences_ms") or {}
    lines += ["", f"Client-side p99 differences, ms: {diffs}.", ""]
    for code, s in (light.get("scenarios") or {}).items():
        lat = s["latency_ms"]
        lines.append(
            f"- concurrency 1, ({code}): {_n(s['rps'])} req/s, p50 {_n(lat.get('p50'), 2)} ms, "
            f"p99 {_n(lat.get('p99'), 2)} ms"
        )
    return [*lines, ""]


def generator(results: dict) -> list[str]:
    lines = [
        "## Load generator headroom",
        "",
        "| scenario | generator CPU µs/req | server CPU µs/req (gunicorn + both MariaDB) | "
        "generator share of one core | machine busy | steal | other programs |",
        "|---|---|---|---|---|---|---|",
    ]
    for code, s in (results.get("scenarios") or {}).items():
        cpu = s["cpu_us_per_request"]
        server = sum(v for k, v in cpu.items() if k != "generator")
        lines.append(
            f"| ({code}) | {_n(cpu['generator'], 0)} | {_n(server, 0)} | "
            f"{s['generator_share_of_one_core'] * 100:.1f} % | "
            f"{s['machine_busy_share'] * 100:.1f} % | {s['steal_share'] * 100:.1f} % | "
            f"{s['others_share'] * 100:.1f} % |"
        )
    lines += [
        "",
        'Shares are of the whole machine but the generator\'s (of one core). "Other programs": '
        "busy time that neither the generator, gunicorn nor MariaDB account for (kernel "
        "softirq work for loopback traffic, and anything else running on the machine).",
    ]
    return [*lines, ""]


def login(results: dict) -> list[str]:
    found = results.get("login") or {}
    parts = found.get("parts_ms") or {}
    lines = [
        f"## Login ({found.get('n')} logins; hasher {found.get('hasher')})",
        "",
        "| part | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| end to end over HTTP | {' | '.join(_ms(found.get('http_ms'), 'p50', 'p95'))} |",
    ]
    names = {
        "rsa_unwrap": "RSA-OAEP unwrap of K",
        "password_hash": "password check (Argon2id)",
        "database": "database and the rest of credential.login (login() minus the hash)",
        "server_total": "in process: unwrap + login()",
    }
    for key, label in names.items():
        lines.append(f"| {label} | {' | '.join(_ms(parts.get(key), 'p50', 'p95'))} |")
    return [*lines, ""]


def drills(results: dict) -> list[str]:
    prop = results.get("route_propagation") or {}
    lag = results.get("replication_lag") or {}
    fo = results.get("failover") or {}
    load = lag.get("write_load") or {}
    idle = "/".join(_ms((lag.get("idle_ms") or {}).get("both"), "p50", "p99"))
    light = lag.get("lighter_load") or {}
    light_lag = "/".join(_ms((light.get("lag_ms") or {}).get("both"), "p50", "p99"))
    light_rps = _n((light.get("write_load") or {}).get("rps"), 0)
    loaded = "/".join(_ms((lag.get("under_load_ms") or {}).get("both"), "p50", "p95", "p99", "max"))
    lines = [
        "## Drills on the cluster",
        "",
        f"- Route propagation (maintenance on, node A): p50 {_n(prop.get('p50_s'), 3)} s, "
        f"max {_n(prop.get('max_s'), 3)} s; runs "
        f"{[r['seconds'] for r in prop.get('runs', [])]}",
        f"- Replication lag, heartbeat probes, ms: idle p50/p99 "
        f"{idle}; under {_n(load.get('rps'), 0)} writes/s (concurrency "
        f"{load.get('concurrency')}, both nodes) p50/p95/p99/max {loaded}; under "
        f"{light_rps} writes/s (one in flight per node) p50/p99 {light_lag}",
        f"- Failover (kill node A under {fo.get('clients')} writing clients through HAProxy): "
        f"{fo.get('failed_operations')} failed, {fo.get('applied_answer_lost')} applied with "
        f"the answer lost (OutcomeUnknown), {fo.get('acknowledged_writes')} acknowledged; "
        f"detection {_n(fo.get('detection_s'), 3)} s, every client writing again after "
        f"{_n(fo.get('recovery_s'), 3)} s; node A back in rotation "
        f"{_n(fo.get('readmitted_after_restart_s'), 3)} s after its restart; acknowledged "
        f"writes missing per database {fo.get('acknowledged_writes_missing')}",
        "",
    ]
    return lines


PROJECT_FUNCTIONS = ("gateway/", "credential/", "services/", "platform_site/", "replication/")


def profile(results: dict) -> list[str]:
    found = results.get("profile")
    if not found:
        return []
    lines = ["## Profile of (c), py-spy on every worker (share of request-handling time)", ""]
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
            f"  - project functions, inclusive: {'; '.join(ours[:10])}",
        ]
    return [*lines, ""]


def sections(results: dict) -> list[str]:
    out: list[str] = []
    for part in (machine, scenarios, where_time_goes, generator, login, drills, profile):
        out += part(results)
    return out
