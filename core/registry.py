"""The service registry: every service declares itself once, in its app config.

A service — the credential service and each business service alike — is a Django app
whose config subclasses `ServiceConfig` and sets what the rest of the platform needs to
know about it: its code (the URL segment under /api/v1/), display name, conflict policy
(docs/ARCHITECTURE.md, data rules), the models whose writes go to its home node, the
paths that need no session, and whether an admin may switch it off. The routing table's
seed, the gateway's public paths, the home-node router, the schema, the demo, the test
personas' grants and the cluster drills all derive from these declarations, so adding a
service touches only its own folder and INSTALLED_APPS.

This module imports nothing of the project; it reads the app registry at call time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import AppConfig, apps

from core.conflict_policy import ConflictPolicy

API_PREFIX = "/api/v1/"


@dataclass(frozen=True)
class Aggregate:
    """A parent row and its link rows: one object, settled as one unit when the two
    databases diverge (docs/ARCHITECTURE.md#rule-9).

    `parent` and `links` are "app_label.model_name"; `parent_field` is the links' foreign
    key to the parent; `member_fields` are the links' fields naming what a link points
    to (one live link per target). The parent carries the list of its live targets in
    `members_field` (core/aggregates.py), written with every change of its links, so the
    parent's version alone says what the whole object was, and reconcile can bring the
    links back in line with whichever version wins.
    """

    parent: str
    links: str
    parent_field: str
    member_fields: tuple[str, ...]
    members_field: str = "members"


class ServiceConfig(AppConfig):
    """Base of every service's app config; subclasses set the class attributes below."""

    default_auto_field = "django.db.models.BigAutoField"
    code: str = ""
    display_name: str = ""
    conflict_policy: str = ConflictPolicy.LAST_WRITER_WINS
    policy_notes: str = ""
    # A business service of the suite (granted per service); False for the platform's own.
    business: bool = True
    # Whether callers need a grant for this service before it runs (the gateway checks).
    requires_grant: bool = True
    # Whether an admin may disable it or put it in maintenance.
    may_switch_off: bool = True
    # Paths under /api/v1/<code>/ that need no session (served plain, outside the envelope).
    public_paths: tuple[str, ...] = ()
    # The models whose writes go to this service's home node ("app_label.model_name", or
    # "app_label.*" for all of an app's). None: all of the service's own models when its
    # policy is home-node, else none.
    home_node_models: tuple[str, ...] | None = None
    # Last-writer-wins objects made of a parent row and its link rows (rule 9).
    aggregates: tuple[Aggregate, ...] = ()
    # Models whose rows are never hard-deleted, because the other node may reference them
    # at any moment (rule 8): they are deactivated, and anonymised later.
    kept_models: tuple[str, ...] = ()
    # The module (in the service's package) whose CHECKS are the cross-row invariants
    # reconcile checks and repairs (rule 9); None: the service has none.
    invariants: str | None = None
    # How a request of this service is exercised in the cluster drills and the contract
    # suite: the dotted path of its examples module (None: the service has none).
    examples: str | None = "examples"

    @property
    def urlconf(self) -> str:
        return f"{self.name}.urls"

    @property
    def writes_to_home_node(self) -> bool:
        """Whether every write request of the service runs on its home database."""
        return self.conflict_policy == ConflictPolicy.HOME_NODE and self.home_node_models is None

    @property
    def has_home(self) -> bool:
        """Whether any of its writes go to a home node (it has a home to show and move)."""
        return self.writes_to_home_node or bool(self.home_node_models)

    @property
    def prefix(self) -> str:
        return f"{API_PREFIX}{self.code}/"

    def owns_home_writes_of(self, label: str) -> bool:
        """Does a write of model `label` ("app_label.model_name") go to this service's home?"""
        app_label = label.split(".", 1)[0]
        if self.home_node_models is None:
            return self.writes_to_home_node and app_label == self.label
        return label in self.home_node_models or f"{app_label}.*" in self.home_node_models

    def examples_module(self):
        from importlib import import_module

        return import_module(f"{self.name}.{self.examples}") if self.examples else None

    def invariants_module(self):
        from importlib import import_module

        return import_module(f"{self.name}.{self.invariants}") if self.invariants else None


def services() -> list[ServiceConfig]:
    """Every installed service, in INSTALLED_APPS order."""
    return [c for c in apps.get_app_configs() if isinstance(c, ServiceConfig)]


def business_services() -> list[ServiceConfig]:
    return [c for c in services() if c.business]


def business_codes() -> list[str]:
    return [c.code for c in business_services()]


def service(code: str) -> ServiceConfig | None:
    return _by_code().get(code)


def service_of_module(module: str) -> ServiceConfig | None:
    """The service whose package holds `module` (a dotted path), if any."""
    config = apps.get_containing_app_config(module)
    return config if isinstance(config, ServiceConfig) else None


def home_service_of(model) -> str | None:
    """The code of the service whose home node takes writes of `model`, if any."""
    meta = model._meta
    return _home_services().get(f"{meta.app_label}.{meta.model_name}")


def aggregates() -> list[Aggregate]:
    """Every aggregate the services declare."""
    return [aggregate for config in services() for aggregate in config.aggregates]


def kept_models() -> frozenset[str]:
    """Labels ("app_label.model_name") of the models never hard-deleted (rule 8)."""
    return frozenset(label for config in services() for label in config.kept_models)


def invariant_checks() -> list:
    """Every service's cross-row invariant checks (their invariants modules' CHECKS)."""
    modules = (config.invariants_module() for config in services())
    return [check for module in modules if module is not None for check in module.CHECKS]


def public_paths() -> frozenset[str]:
    """Full paths that need no session, from every service's declaration."""
    return frozenset(c.prefix + path for c in services() for path in c.public_paths)


@cache
def _by_code() -> dict[str, ServiceConfig]:
    return {c.code: c for c in services()}


@cache
def _home_services() -> dict[str, str]:
    homes = {}
    for model in apps.get_models(include_auto_created=True):
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        for config in services():
            if config.owns_home_writes_of(label):
                homes[label] = config.code
    return homes
