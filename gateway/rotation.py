"""Whether this node is in its load balancer's rotation, as `/health/` would answer now.

The checks are the ones the `health` URL is configured with (`platform_site/urls.py`),
read from the view itself, so the metric and the balancer's verdict cannot drift apart.
Run at scrape time: the checks cost what one balancer check costs (a heartbeat write
and a lag read on this node's own database, with one-second timeouts), and Prometheus
scrapes far less often than the balancer checks.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from django.urls import resolve, reverse
from health_check.views import HealthCheckView


def health_checks() -> list:
    view = resolve(reverse("health")).func
    return list(HealthCheckView(**view.view_initkwargs).get_checks())


async def _results(checks: list) -> list:
    return await asyncio.gather(*(check.get_result() for check in checks))


def in_rotation() -> bool:
    """True when every check of `/health/` passes (the balancer sees 200)."""
    return not any(result.error for result in async_to_sync(_results)(health_checks()))
