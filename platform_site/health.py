"""Health answers: the checks' names and reasons for monitoring networks, up or down for others.

The checks (replication/health.py, credential/health.py) stay as they are; this wrapper
decides what their answer may say to whom. An address in METRICS_ALLOWED_NETWORKS (the
same setting that guards `/metrics`, gateway/metrics.py) gets django-health-check's
answer unchanged (HTML, or JSON with `Accept: application/json` / `?format=json`).
Anyone else gets the same status code and one word, `up` or `down`, as plain text: a
load balancer needs no more, and check names, failure reasons and thread states tell
an outsider how the node is built and what is broken.

A failing check answers 503 Service Unavailable, not django-health-check's 500: the
node is healthy software reporting that it cannot serve now, and a 500 would count, in
logs, metrics and alerts, as a fault of the code.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from health_check.views import HealthCheckView

from gateway.metrics import address_allowed


def health_view(checks: list[str]):
    """A view running `checks`, answering in full only to monitoring addresses.

    django-health-check 4's view is asynchronous (the checks run concurrently), so this
    one is too; Django runs it under WSGI as it runs the original.
    """
    full = HealthCheckView.as_view(checks=checks)

    @never_cache
    async def view(request, *args, **kwargs):
        response = await full(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
            response.reason_phrase = "Service Unavailable"
        if address_allowed(request.META.get("REMOTE_ADDR")):
            return response
        word = "up" if response.status_code < 400 else "down"
        return HttpResponse(
            f"{word}\n", status=response.status_code, content_type="text/plain; charset=utf-8"
        )

    # As on the class-based view: the rotation metric (gateway/rotation.py) reads the
    # checks from here, so it runs exactly the ones the balancer's answer comes from.
    view.view_initkwargs = full.view_initkwargs
    return view
