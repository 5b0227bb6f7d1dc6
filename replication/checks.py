"""System checks: the node's database must agree with the node's identity.

Registered with the database tag, so they run on `migrate` and on
`manage.py check --database default` (the launchers run that before serving).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connections
from django.db.utils import OperationalError

from core import registry
from replication.identity import (
    galera_identity_problems,
    identity_problems,
    read_galera_identity,
    read_server_identity,
)
from replication.schema_audit import audit


@register(Tags.database)
def check_node_identity(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "mysql":
            continue
        try:
            server = read_server_identity(connection)
            problems = _problems(connection, server)
        except OperationalError as exc:
            errors.append(
                Error(
                    f"cannot read the identity of database {alias!r}: {exc.args[-1]}",
                    id="replication.E001",
                )
            )
            continue
        for problem in problems:
            errors.append(
                Error(
                    f"database {alias!r}: {problem}",
                    hint="Render the server's config with `python -m deploy.render mariadb` "
                    "(--engine galera for a Galera member) with this node's index, count "
                    "and server id.",
                    id="replication.E002",
                )
            )
    return errors


def _problems(connection, server) -> list[str]:
    if settings.PLATFORM_DB_ENGINE == "galera":
        return galera_identity_problems(
            server, read_galera_identity(connection), server_id=settings.PLATFORM_DB_SERVER_ID
        )
    return identity_problems(
        server,
        node_index=settings.PLATFORM_NODE_INDEX,
        node_count=settings.PLATFORM_NODE_COUNT,
        server_id=settings.PLATFORM_DB_SERVER_ID,
    )


@register("active_active")
def check_unique_constraints(app_configs=None, **kwargs):
    """Data rule 2: no UNIQUE constraint two nodes can race on (see schema_audit.py)."""
    return [
        Error(
            f"{rule.model}: UNIQUE {rule.columns} ({rule.source}) can be written on both nodes; "
            "a value written on both during a partition stops replication (error 1062)",
            hint="Send the model's writes to a home node, or remove the constraint and enforce "
            "it in code; only if two nodes truly cannot race, declare it in "
            "replication/schema_audit.py with the reason.",
            id="replication.E003",
        )
        for rule in audit()
        if rule.verdict == "UNSAFE"
    ]


@register("active_active")
def check_kept_rows_are_not_deletable(app_configs=None, **kwargs):
    """Data rule 8: no admin offers to delete a kept model's rows (users, groups); the
    write guard refuses the DELETE anyway (replication/guard.py)."""
    from django.contrib.admin.sites import all_sites

    errors = []
    for label in sorted(registry.kept_models()):
        model = apps.get_model(label)
        for site in all_sites:
            if not site.is_registered(model):
                continue
            if site.get_model_admin(model).has_delete_permission(_EVERY_PERMISSION):
                errors.append(
                    Error(
                        f"{label}: the admin ({site.name}) offers to delete rows that other "
                        "nodes may reference at any moment; a delete racing their inserts "
                        "stops replication (errors 1451/1452)",
                        hint="Deactivate instead: deny has_delete_permission "
                        "(core.admin.NoHardDeleteMixin); see docs/ARCHITECTURE.md#rule-8.",
                        id="replication.E004",
                    )
                )
    return errors


class _EveryPermission:
    """A request whose user holds every permission: what would the admin offer?"""

    class user:
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(perm, obj=None) -> bool:
            return True


_EVERY_PERMISSION = _EveryPermission()
