"""The results document: the headline numbers, their definitions, the method, the figures."""

from __future__ import annotations

from bench import report

DEFINITIONS = {
    "gateway_vs_drf_token_rps_ratio": (
        "median over the quiet rounds of req/s (c) ÷ req/s (b) within the round (a round is "
        "quiet when other programs took at most 10 % of the machine in each of its windows; "
        "with no quiet round, over all rounds)"
    ),
    "gateway_vs_bare_rps_ratio": "as above, (c) ÷ (a)",
    "gateway_added_p99_ms": (
        "p99 of the node's request-log field gateway_ms over the (c) requests of the quiet rounds: "
        "the middleware chain's time minus the time inside the routed service (request id, "
        "rate limits, envelope checks, session lookup, AES-GCM open, nonce claim, routing "
        "table, sealing, request log), at the scenarios' concurrency; the client-side p99 "
        "differences and the same figure at concurrency 1 are listed beside it"
    ),
    "login_p50_ms": "p50 of end-to-end logins over HTTP, one at a time, each built ahead",
    "route_propagation_s": "the slowest repetition: route row stamped → last old answer",
    "replication_lag_p99_ms": "p99 of heartbeat probes, both directions, under write load",
    "failover_failed_ops": "client-visible failures (not counting OutcomeUnknown) in the drill",
    "failover_detection_s": "kill of node A → HAProxy marks it DOWN",
}


def _method(plan: dict) -> list[str]:
    return [
        "Everything ran on this machine in one run, on loopback: the replicated MariaDB pair "
        "with the shipped config (binlog ROW, sync_binlog=1, innodb_flush_log_at_trx_commit=1), "
        f"one gunicorn node on database A with bench.settings ({plan['workers']} sync workers, "
        "recycling off, rate limits out of reach) serving all four scenarios, then nodes A and "
        f"B ({plan['cluster_workers']} workers each, platform settings) behind HAProxy for the "
        "drills.",
        "",
        "Scenarios: (a) a bare Django view, (b) DRF with TokenAuthentication, (c) the encrypted "
        "gateway, all three reading the same task and answering the same JSON bytes (checked "
        "first); (d) an encrypted write creating a task. Measured alternately in "
        f"{plan['rounds']} rounds of {plan['window_s']:g} s windows (order rotating each round) "
        f"at {plan['concurrency']} requests in flight, after a {plan['warmup_s']:g} s warm-up "
        f"each; then (a) to (c) at concurrency 1 ({plan['light_rounds']} rounds of "
        f"{plan['light_window_s']:g} s).",
        "",
        "Load generator (bench/loadgen.py): every request is pre-built as raw HTTP/1.1 bytes "
        "(sealed with the reference client's crypto, own nonce, a timestamp taken just before "
        "its window); one thread drives an epoll loop over non-blocking sockets, a new "
        "connection per request as gunicorn's sync workers close each one. Latency is connect "
        "to last byte. Its own CPU (getrusage of its thread) is reported against the server's "
        "(/proc of gunicorn and both mariadbd).",
    ]


def _settings(plan: dict) -> dict:
    return {
        **plan,
        "bench_node": "gunicorn sync workers, --max-requests 0, deploy/gunicorn.conf.py otherwise",
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
        **{key: value for key, value in raw.items() if key != "machine"},
    }
