"""Optimistic concurrency at the API edge: an update names the version it read, else 400."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError


def expected_version(data) -> int:
    """The `version` the client read; required on every update."""
    value = data.get("version") if hasattr(data, "get") else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)  # from query parameters (DELETE)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise ValidationError({"version": ["The version you read is required (an integer)."]})
    return value
