"""The app config every business service subclasses (see core.registry for what it declares)."""

from __future__ import annotations

from core.registry import ServiceConfig


class ServiceAppConfig(ServiceConfig):
    """A business service. Subclasses set `name`, `label`, `code`, `display_name` and
    `conflict_policy`; the registry derives the rest of the platform's view of it."""
