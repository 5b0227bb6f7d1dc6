"""The operations dashboard (one staff-only page and the JSON snapshot it polls), and `/`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.snapshot import POLL_SECONDS, build_snapshot


@require_GET
@never_cache
def home(request):
    """Staff land on the dashboard; anyone else sees what this address is, and no detail."""
    user = request.user
    if user.is_active and user.is_staff:
        return redirect("ops:dashboard")
    context = {"platform_name": settings.PLATFORM_NAME, "node": settings.PLATFORM_NODE}
    return render(request, "ops/home.html", context)


@require_GET
@never_cache
@staff_member_required
def dashboard(request):
    context = {
        "node": settings.PLATFORM_NODE,
        "platform_name": settings.PLATFORM_NAME,
        "poll_ms": int(POLL_SECONDS * 1000),
    }
    return render(request, "ops/dashboard.html", context)


@require_GET
@never_cache
@staff_member_required
def dashboard_data(request):
    return JsonResponse(build_snapshot())
