"""Prometheus metrics of the node.

Under gunicorn every worker is its own process, so the node runs prometheus-client in
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by deploy/gunicorn.conf.py) and
`/metrics` aggregates all workers. In a single process (tests, `manage.py`) the default
registry is used.
"""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from gateway.breaker import BREAKER_STATES
from replication.metrics import ClockSkewCollector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUESTS = Counter(
    "platform_requests", "Requests answered, by service and status.", ["service", "status"]
)
LATENCY = Histogram(
    "platform_request_duration_seconds",
    "Whole request time in the node, by service.",
    ["service"],
    buckets=LATENCY_BUCKETS,
)
GATEWAY_LATENCY = Histogram(
    "platform_gateway_overhead_seconds",
    "Time spent in the gateway alone (envelope, routing, logging), by service.",
    ["service"],
    buckets=LATENCY_BUCKETS,
)
BREAKER_STATE = Gauge(
    "platform_breaker_state",
    "Circuit breaker of each service in each worker: 0 closed, 1 half-open, 2 open.",
    ["service"],
    multiprocess_mode="liveall",
)


class ActiveSessionsCollector:
    """Counts live sessions at scrape time, from the database."""

    def collect(self):
        from django.utils import timezone

        from credential.models import Session

        now = timezone.now()
        count = Session.objects.filter(revoked_at__isnull=True, expires_at__gt=now).count()
        yield GaugeMetricFamily("platform_active_sessions", "Sessions not yet ended.", count)


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(ActiveSessionsCollector())
    registry.register(ClockSkewCollector())
    return registry


def address_allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    """Prometheus exposition, only for the monitoring addresses configured."""
    if not address_allowed(request.META.get("REMOTE_ADDR")):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def breaker_states() -> dict[str, list[tuple[str, str]]]:
    """Breaker state per service and worker, as the metrics see it (for the admin)."""
    names = {value: name for name, value in BREAKER_STATES.items()}
    states: dict[str, list[tuple[str, str]]] = {}
    for metric in registry().collect():
        if metric.name != "platform_breaker_state":
            continue
        for sample in metric.samples:
            worker = sample.labels.get("pid", str(os.getpid()))
            state = names.get(int(sample.value), "closed")
            states.setdefault(sample.labels["service"], []).append((worker, state))
    return states
