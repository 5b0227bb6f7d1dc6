"""OpenAPI helpers so every service's payloads are described the same way."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

_cache: dict = {}


def paginated(serializer_class):
    """The page object every list endpoint returns: count, next, previous, results."""
    name = f"Paginated{serializer_class.__name__.removesuffix('Serializer')}List"
    if name not in _cache:
        _cache[name] = inline_serializer(
            name=name,
            fields={
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": serializer_class(many=True),
            },
        )
    return _cache[name]


VERSION_PARAMETER = inline_serializer(
    name="VersionQuery", fields={"version": serializers.IntegerField(min_value=1)}
)
