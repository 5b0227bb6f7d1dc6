"""The API view base every service uses: its grant check, pagination and lookups."""

from __future__ import annotations

from django.http import Http404
from rest_framework.views import APIView

from services.base.pagination import Pagination
from services.base.permissions import ServiceGrant


class ServiceAPIView(APIView):
    """Set `service_code`; `read`/`write` is checked before any handler runs."""

    service_code: str = ""
    permission_classes = [ServiceGrant]

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
