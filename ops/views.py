"""The operations dashboard: one staff-only page and the JSON snapshot it polls."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.snapshot import POLL_SECONDS, build_snapshot


@require_GET
@never_cache
@staff_member_required
def dashboard(request):
    context = {"node": settings.PLATFORM_NODE, "poll_ms": int(POLL_SECONDS * 1000)}
    return render(request, "ops/dashboard.html", context)


@require_GET
@never_cache
@staff_member_required
def dashboard_data(request):
    return JsonResponse(build_snapshot())
