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
                "count": serializers.IntegerField(help_text="Rows in all pages."),
                "next": serializers.URLField(allow_null=True, help_text="The next page, if any."),
                "previous": serializers.URLField(
                    allow_null=True, help_text="The previous page, if any."
                ),
                "results": serializer_class(many=True),
            },
        )
    return _cache[name]


def is_paginated(serializer) -> bool:
    """Whether `serializer` is a page object made by `paginated` (the list takes `page`)."""
    return any(serializer is page for page in _cache.values())


VERSION_HELP = (
    "The `version` of the object as you read it; if it changed since, the answer is "
    "409 `version_conflict` with the object as it is now in `current`."
)
VERSION_PARAMETER = inline_serializer(
    name="VersionQuery",
    fields={"version": serializers.IntegerField(min_value=1, help_text=VERSION_HELP)},
)
