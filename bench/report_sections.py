"""The markdown report's sections below the targets table, one function each."""

from __future__ import annotations

from bench.report_profile import layers, pieces, profile

WAYS = (("", "directly (plain HTTP to gunicorn)"), ("web_server", "through the web server (HTTPS)"))


def _n(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ms(summary: dict | None, *keys: str) -> list[str]:
    summary = summary or {}
    return [_n(summary.get(k), 2) for k in keys]


def _served(results: dict, way: str) -> dict:
    """The figures of one way of reaching the node: the top level, or `web_server`."""
    return results if not way else results.get(way) or {}


def machine(results: dict) -> list[str]:
    m, s = results.get("machine") or {}, results["settings"]
    packages = ", ".join(f"{k} {v}" for k, v in (m.get("packages") or {}).items())
    load = results.get("load_average") or {}
    return [
        "## Machine and settings",
        "",
        f"- {m.get('cores')} cores, {m.get('cpu_model')}; Linux {m.get('kernel')}; "
        f"Python {m.get('python')}; MariaDB {m.get('mariadb')}; {m.get('web_server')}; "
        f"{packages}",
        f"- load average (1, 5, 15 min) at the start {load.get('start')}, at the end "
        f"{load.get('end')}",
        f"- bench node: {s['workers']} workers ({s['bench_node']}); rate limits: "
        f"{s['bench_node_rate_limits']}",
        f"- scenarios: concurrency {s['concurrency']}, {s['rounds']} rounds of "
        f"{s['window_s']:g} s, warm-up {s['warmup_s']:g} s; cluster: {s['cluster_nodes']}",
        f"- phases (s): {results.get('phases_s')}",
        "",
    ]


def _scenario_table(found: dict) -> list[str]:
    lines = [
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | req/s per round | CPU µs/req: "
        "gunicorn / nginx / MariaDB A / MariaDB B | connections | unexpected answers |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for code, s in found.items():
        cpu = s["cpu_us_per_request"]
        rounds = " ".join(_n(r, 0) for r in s["rps_per_round"])
        shares = " / ".join(
            _n(cpu.get(name), 0) for name in ("gunicorn", "nginx", "mariadb_a", "mariadb_b")
        )
        lines.append(
            f"| ({code}) {s['title']} | {_n(s['rps'])} | "
            + " | ".join(_ms(s["latency_ms"], "p50", "p95", "p99"))
            + f" | {rounds} | {shares} | {s.get('connections')} | {s['unexpected_answers']} |"
        )
    return lines


def _ratios(served: dict, top_keys: tuple[str, str], results: dict) -> str:
    basis = served.get("headline_basis") or {}
    found = served.get("scenarios") or {}
    quiet_rounds = basis.get("quiet_rounds")
    quiet = "; ".join(
        f"({code}) " + "/".join(_ms(s.get("latency_ms_quiet_rounds"), "p50", "p95", "p99"))
        for code, s in found.items()
    )
    return (
        f"Per round: (c)/(b) {basis.get('c_over_b_per_round')}, (c)/(a) "
        f"{basis.get('c_over_a_per_round')}. Headline ratios, the median over rounds "
        f"{basis.get('rounds_used')}: (c)/(b) = {_n(results.get(top_keys[0]), 3)}, (c)/(a) = "
        f"{_n(results.get(top_keys[1]), 3)}."
        + (f" Over the quiet rounds only, p50/p95/p99 ms: {quiet}." if quiet_rounds else "")
    )


def scenarios(results: dict) -> list[str]:
    concurrency = results["settings"]["concurrency"]
    basis = results.get("headline_basis") or {}
    same = results.get("same_body") or {}
    lines = [
        f"## Scenarios (a) to (d): one node, the replicated pair, concurrency {concurrency}",
        "",
        "Other programs' share of the machine per round "
        f"{basis.get('others_share_per_round')}; quiet rounds (0-based) "
        f"{basis.get('quiet_rounds')}"
        + ("" if basis.get("quiet_rounds") else " (none: the headline figures use every round)")
        + ". The pooled req/s and latencies in the tables include every round. "
        f"(a), (b), (c) answered identical JSON both ways: {same.get('equal')} "
        f"({same.get('bytes')} bytes, compared: {same.get('compared')}).",
        "",
    ]
    for way, label in WAYS:
        served = _served(results, way)
        prefix = f"{way}_" if way else ""
        keys = (f"{prefix}gateway_vs_drf_token_rps_ratio", f"{prefix}gateway_vs_bare_rps_ratio")
        found = served.get("scenarios") or {}
        lines += [f"### Reached {label}", "", *_scenario_table(found), ""]
        lines += [_ratios(served, keys, results), "", *_database(found), ""]
    return lines


def single_database(results: dict) -> list[str]:
    single = results.get("single_database") or {}
    if not single:
        return []
    lines = ["## Single database", "", f"How: {single.get('how')}.", ""]
    for key, label in (("direct", WAYS[0][1]), ("web_server", WAYS[1][1])):
        served = single.get(key) or {}
        prefix = "single_database_" + ("web_server_" if key == "web_server" else "")
        keys = (f"{prefix}gateway_vs_drf_token_rps_ratio", f"{prefix}gateway_vs_bare_rps_ratio")
        lines += [f"### Reached {label}", "", *_scenario_table(served.get("scenarios") or {}), ""]
        lines += [_ratios(served, keys, results), ""]
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
    lines = [
        "## Where the time goes (the node's request log, server side)",
        "",
        "`total_ms`: the whole middleware chain; `gateway_ms`: total minus the time inside "
        "the routed service ((a) and (b) are not routed, so theirs equals their total). "
        "Loaded rows: the rounds the headline ratios use.",
        "",
        "| scenario | reached | concurrency | total p50 / p99 ms | gateway_ms p50 / p95 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    for way, label in WAYS:
        served = _served(results, way)
        light = served.get("light_load") or {}
        for kind, figures, concurrency in (
            ("loaded", served.get("request_log") or {}, results["settings"]["concurrency"]),
            ("light", light.get("request_log") or {}, 1),
        ):
            for code, f in figures.items():
                total = " / ".join(_ms(f.get("total_ms"), "p50", "p99"))
                gateway = " / ".join(_ms(f.get("gateway_ms"), "p50", "p95", "p99"))
                lines.append(
                    f"| ({code}) {kind} | {label.split(' (')[0]} | {concurrency} | {total} | "
                    f"{gateway} |"
                )
    lines += [
        "",
        "Client-side p99 differences, ms: directly "
        f"{results.get('client_side_p99_differences_ms')}; through the web server "
        f"{results.get('web_server_client_side_p99_differences_ms')}.",
        "",
    ]
    for way, label in WAYS:
        light = _served(results, way).get("light_load") or {}
        for code, s in (light.get("scenarios") or {}).items():
            lat = s["latency_ms"]
            lines.append(
                f"- concurrency 1, ({code}) {label}: {_n(s['rps'])} req/s, p50 "
                f"{_n(lat.get('p50'), 2)} ms, p99 {_n(lat.get('p99'), 2)} ms"
            )
    return [*lines, ""]


def generator(results: dict) -> list[str]:
    lines = [
        "## Load generator headroom",
        "",
        "| scenario | reached | generator CPU µs/req | server CPU µs/req (gunicorn + nginx + "
        "both MariaDB) | generator share of one core | machine busy | steal | other programs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for way, label in WAYS:
        for code, s in (_served(results, way).get("scenarios") or {}).items():
            cpu = s["cpu_us_per_request"]
            server = sum(v for k, v in cpu.items() if k != "generator")
            lines.append(
                f"| ({code}) | {label.split(' (')[0]} | {_n(cpu['generator'], 0)} | "
                f"{_n(server, 0)} | {s['generator_share_of_one_core'] * 100:.1f} % | "
                f"{s['machine_busy_share'] * 100:.1f} % | {s['steal_share'] * 100:.1f} % | "
                f"{s['others_share'] * 100:.1f} % |"
            )
    lines += [
        "",
        'Shares are of the whole machine but the generator\'s (of one core). "Other programs": '
        "busy time that neither the generator, gunicorn, nginx nor MariaDB account for (kernel "
        "softirq work for loopback traffic, and anything else running on the machine).",
    ]
    return [*lines, ""]


def login(results: dict) -> list[str]:
    found = results.get("login") or {}
    parts = found.get("parts_ms") or {}
    lines = [
        f"## Login ({found.get('n')} logins each way; hasher {found.get('hasher')})",
        "",
        "| part | p50 ms | p95 ms |",
        "|---|---|---|",
        "| end to end over HTTP, directly | "
        f"{' | '.join(_ms(found.get('http_ms'), 'p50', 'p95'))} |",
        "| end to end through the web server (HTTPS, kept alive) | "
        f"{' | '.join(_ms(found.get('web_server_ms'), 'p50', 'p95'))} |",
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
    return [
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


def sections(results: dict) -> list[str]:
    out: list[str] = []
    parts = (machine, scenarios, single_database, layers, pieces, where_time_goes, generator)
    for part in (*parts, login, drills, profile):
        out += part(results)
    return out
