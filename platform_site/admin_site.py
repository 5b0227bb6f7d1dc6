"""The platform's admin site: its name, an index grouped by task, and links out.

Django's stock index lists apps alphabetically, so the platform's own pages sit among
the ten business services. Here the index (and the admin's side navigation) shows
**Access** (who may sign in and do what), **Routing**, **Audit**, then each business
service in the registry's order under its own name, then anything else registered.
The header links to the operations dashboard and the API docs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import Resolver404, resolve, reverse

from core import registry


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    description: str
    models: tuple[str, ...]  # "app_label.model_name", in the order shown


GROUPS = (
    Group(
        "access",
        "Access",
        "Who may sign in, and what each person may do in each service.",
        (
            "auth.user",
            "auth.group",
            "credential.grant",
            "credential.session",
            "credential.serverkey",
        ),
    ),
    Group(
        "routing",
        "Routing",
        "Where each service's requests go, maintenance, protection, and every change made.",
        ("gateway.serviceroute", "gateway.routechange"),
    ),
    Group(
        "audit",
        "Audit",
        "Sign-ins, revocations, key changes and admin changes, with who, when and where.",
        ("credential.auditevent", "credential.loginattempt"),
    ),
)
# Names clearer than the models' verbose names in the index.
MODEL_NAMES = {
    "credential.auditevent": "Audit trail",
    "credential.session": "Client sessions",
    "credential.loginattempt": "Sign-in attempts",
    "gateway.serviceroute": "Routes",
    "gateway.routechange": "Route history",
}


API_PAGES = (
    ("/api/docs/", "API docs"),  # Swagger UI: every operation, payloads, error answers
    ("/api/redoc/", "API reference"),  # Redoc: the schema to read
    ("/api/schema/", "OpenAPI schema"),  # YAML, for client generators
)


def api_links() -> list[tuple[str, str]]:
    """(label, path) of the API's description pages this node serves."""
    links = []
    for path, label in API_PAGES:
        try:
            resolve(path)
        except Resolver404:
            continue
        links.append((label, path))
    return links


def _label(model_dict: dict) -> str:
    meta = model_dict["model"]._meta
    return f"{meta.app_label}.{meta.model_name}"


def grouped_app_list(app_dict: dict) -> list[dict]:
    """The index's sections from Django's per-app dictionaries (see AdminSite)."""
    models = {_label(m): m for app in app_dict.values() for m in app["models"]}
    sections = []
    for group in GROUPS:
        listed = [models.pop(label) for label in group.models if label in models]
        if listed:
            sections.append(_section(group.key, group.name, listed, group.description))
    for config in registry.business_services():
        app = app_dict.get(config.label)
        listed = [models.pop(_label(m)) for m in app["models"]] if app else []
        if listed:
            description = f"/api/v1/{config.code}/ · {config.conflict_policy}"
            sections.append(_section(config.label, config.display_name, listed, description, app))
    if models:
        rest = sorted(models.values(), key=lambda m: m["name"])
        sections.append(_section("other", "Other", rest, ""))
    return sections


def _section(key: str, name: str, models: list, description: str, app: dict | None = None):
    for model in models:
        model["name"] = MODEL_NAMES.get(_label(model), model["name"])
    return {
        "name": name,
        "app_label": key,
        "app_url": app["app_url"] if app else "",
        "has_module_perms": True,
        "description": description,
        "models": models,
    }


class PlatformAdminSite(admin.AdminSite):
    site_url = "/"
    # At 1280 px the side navigation would leave a list too little room; the grouped
    # index and the breadcrumbs are one click away on every page.
    enable_nav_sidebar = False
    index_template = "admin/platform_index.html"

    @property
    def site_header(self) -> str:
        return f"{settings.PLATFORM_NAME} administration"

    @property
    def site_title(self) -> str:
        return f"{settings.PLATFORM_NAME} admin"

    @property
    def index_title(self) -> str:
        return f"Node {settings.PLATFORM_NODE}"

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)
        return grouped_app_list(self._build_app_dict(request))

    def each_context(self, request):
        context = super().each_context(request)
        links = [("Operations", reverse("ops:dashboard")), *api_links()]
        # The header keeps to two: operations and the first API page; the index has all.
        context.update(
            platform_name=settings.PLATFORM_NAME,
            platform_node=settings.PLATFORM_NODE,
            platform_links=links,
            platform_header_links=links[:2],
        )
        return context


class PlatformAdminConfig(AdminConfig):
    """django.contrib.admin, with the platform's site as `admin.site`."""

    default_site = "platform_site.admin_site.PlatformAdminSite"
