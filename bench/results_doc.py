"""The results document: the headline numbers, their definitions, the method, the figures."""

from __future__ import annotations

from bench import report

DEFINITIONS = {
    "gateway_vs_drf_token_rps_ratio": (
        "node reached directly (plain HTTP to gunicorn, a connection per request), on the "
        "replicated pair: median over the quiet rounds of req/s (c) ÷ req/s (b) within the "
        "round (a round is quiet when other programs took at most 10 % of the machine in each "
        "of its windows; with no quiet round, over all rounds)"
    ),
    "gateway_vs_bare_rps_ratio": "as above, (c) ÷ (a)",
    "web_server_gateway_vs_drf_token_rps_ratio": (
        "as gateway_vs_drf_token_rps_ratio, the node reached through its nginx (HTTPS, one "
        "kept-alive connection per client), measured in the same rounds"
    ),
    "web_server_gateway_vs_bare_rps_ratio": "as above, (c) ÷ (a), through the web server",
    "single_database_gateway_vs_drf_token_rps_ratio": (
        "as gateway_vs_drf_token_rps_ratio with B's replication stopped (B applies nothing)"
    ),
    "single_database_gateway_vs_bare_rps_ratio": "as above, (c) ÷ (a)",
    "single_database_web_server_gateway_vs_drf_token_rps_ratio": (
        "as web_server_gateway_vs_drf_token_rps_ratio with B's replication stopped"
    ),
    "single_database_web_server_gateway_vs_bare_rps_ratio": "as above, (c) ÷ (a)",
    "gateway_added_p99_ms": (
        "p99 of the node's request-log field gateway_ms over the (c) requests at concurrency 1, "
        "the node reached directly: the middleware chain's time minus the time inside the "
        "routed service (request id, rate limits, envelope checks, session lookup, AES-GCM "
        "open, nonce check, routing table, sealing)"
    ),
    "web_server_gateway_added_p99_ms": "as above, the (c) requests through the web server",
    "gateway_added_p99_ms_loaded": (
        "as gateway_added_p99_ms at the scenarios' concurrency, over the quiet rounds"
    ),
    "web_server_gateway_added_p99_ms_loaded": "as above, through the web server",
    "web_server_cpu_us_per_request": (
        "nginx's CPU (master and workers) per gateway read through it: TLS, HTTP parsing, "
        "buffering, the proxy connection to gunicorn's socket, its access log"
    ),
    "login_p50_ms": "p50 of end-to-end logins over HTTP, one at a time, each built ahead",
    "web_server_login_p50_ms": "as above, through the web server (one kept-alive connection)",
    "route_propagation_s": "the slowest repetition: route row stamped → last old answer",
    "replication_lag_p99_ms": "p99 of heartbeat probes, both directions, under write load",
    "failover_failed_ops": "client-visible failures (not counting OutcomeUnknown) in the drill",
    "failover_detection_s": "kill of node A → HAProxy marks it DOWN",
}


def _method(plan: dict) -> list[str]:
    return [
        "Everything ran on this machine in one run, on loopback: the replicated MariaDB pair "
        "with the shipped config (binlog ROW, sync_binlog=1, innodb_flush_log_at_trx_commit=1), "
        "one node on database A with bench.settings serving all four scenarios, built as in "
        "production (nginx with TLS in front of gunicorn on a Unix socket; "
        f"{plan['workers']} sync workers, recycling off, rate limits out of reach) plus a "
        "plain-HTTP port of the same gunicorn; then nodes A and B "
        f"({plan['cluster_workers']} workers each, platform settings) behind HAProxy for the "
        "drills.",
        "",
        "Scenarios: (a) a bare Django view, (b) DRF with TokenAuthentication, (c) the encrypted "
        "gateway, all three reading the same task and answering the same JSON bytes (checked "
        "first, both ways); (d) an encrypted write creating a task. Each is served two ways, "
        "measured in the same rounds: directly (plain HTTP to gunicorn, a connection per "
        "request, as its sync workers close each one) and through the web server (HTTPS to the "
        "node's nginx, certificate checked against the run's CA, one kept-alive connection per "
        f"client). {plan['rounds']} rounds of {plan['window_s']:g} s windows, the order "
        f"rotating each round, at {plan['concurrency']} requests in flight after a "
        f"{plan['warmup_s']:g} s warm-up each; then (a) to (c) both ways at concurrency 1 "
        f"({plan['light_rounds']} rounds of {plan['light_window_s']:g} s); then all eight "
        f"again with B's replication stopped ({plan['single_rounds']} rounds of "
        f"{plan['single_window_s']:g} s): the single-database figures.",
        "",
        "Load generator (bench/loadgen.py, bench/connections.py): every request is pre-built "
        "as raw HTTP/1.1 bytes (sealed with the reference client's crypto, own nonce, a "
        "timestamp a little ahead so that none looks like a client's resend); one thread "
        "drives an epoll loop over non-blocking sockets, plain or TLS. Latency runs from the "
        "request's start (its connect and handshake, when it needs a new connection) to the "
        "last byte. Its own CPU (getrusage of its thread) is reported against the server's "
        "(/proc of gunicorn, nginx and both mariadbd).",
    ]


def _settings(plan: dict) -> dict:
    return {
        **plan,
        "bench_node": (
            "nginx (deploy/nginx, TLS) in front of gunicorn sync workers on a Unix socket, plus "
            "a plain-HTTP bind of the same gunicorn; --max-requests 0, deploy/gunicorn.conf.py "
            "otherwise"
        ),
        "bench_node_rate_limits": "10^9 per second and burst: the limiter runs, never refuses",
        "cluster_nodes": "platform_site.settings, rate limits off (as the cluster tests)",
        "haproxy": "deploy/haproxy/haproxy.cfg.template as shipped",
    }


def _p99_differences(scenarios: dict) -> dict:
    p99 = {code: s["latency_ms"].get("p99") for code, s in scenarios.items()}
    if None in (p99.get("a"), p99.get("b"), p99.get("c")):
        return {}
    return {"c_minus_a": round(p99["c"] - p99["a"], 3), "c_minus_b": round(p99["c"] - p99["b"], 3)}


def assemble(raw: dict, *, plan: dict, stamp: str) -> dict:
    numbers = report.headline(raw)
    scenarios = raw.get("scenarios", {})
    light = raw.get("light_load", {}).get("scenarios", {})
    web = raw.get("web_server", {})
    return {
        "generated_at": stamp,
        "mode": plan["mode"],
        **numbers,
        "definitions": DEFINITIONS,
        "targets": report.evaluate(numbers),
        "machine": raw.get("machine"),
        "settings": _settings(plan),
        "method": _method(plan),
        "client_side_p99_differences_ms": {
            f"concurrency_{plan['concurrency']}": _p99_differences(scenarios),
            "concurrency_1": _p99_differences(light),
        },
        "web_server_client_side_p99_differences_ms": {
            f"concurrency_{plan['concurrency']}": _p99_differences(web.get("scenarios", {})),
            "concurrency_1": _p99_differences(web.get("light_load", {}).get("scenarios", {})),
        },
        **{key: value for key, value in raw.items() if key != "machine"},
    }
