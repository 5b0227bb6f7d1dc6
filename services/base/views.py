"""The API view base every service uses: its grant check, pagination, lookups and 409s."""

from __future__ import annotations

from django.http import Http404
from rest_framework.views import APIView

from core.registry import service_of_module
from services.base.pagination import Pagination
from services.base.permissions import ServiceGrant


class ServiceAPIView(APIView):
    """`read`/`write` on the view's service is checked before any handler runs.

    `serializer_class` is the resource's output serializer: a version conflict answers
    409 with the current object as it renders it. The service code comes from the app
    the view lives in (core.registry).
    """

    permission_classes = [ServiceGrant]
    serializer_class = None

    @property
    def service_code(self) -> str:
        return service_of_module(type(self).__module__).code

    def render_current(self, row) -> dict:
        serializer = self.serializer_class
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is not None and isinstance(row, model):
            return serializer(row, context={"request": self.request}).data
        return {"id": row.pk, "version": row.version}

    def paginate(self, request, queryset, serializer_class, **context):
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = serializer_class(page, many=True, context={"request": request, **context}).data
        return paginator.get_paginated_response(data)


def get_or_404(queryset, **lookup):
    """One object from `queryset` (already narrowed to what the caller may see), or 404."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
