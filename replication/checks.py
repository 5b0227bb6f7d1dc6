"""System checks: the node's database must agree with the node's identity.

Registered with the database tag, so they run on `migrate` and on
`manage.py check --database default` (the launchers run that before serving).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connections
from django.db.utils import OperationalError

from replication.identity import identity_problems, read_server_identity


@register(Tags.database)
def check_node_identity(app_configs=None, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "mysql":
            continue
        try:
            server = read_server_identity(connection)
        except OperationalError as exc:
            errors.append(
                Error(
                    f"cannot read the identity of database {alias!r}: {exc.args[-1]}",
                    id="replication.E001",
                )
            )
            continue
        for problem in identity_problems(
            server,
            node_index=settings.PLATFORM_NODE_INDEX,
            node_count=settings.PLATFORM_NODE_COUNT,
            server_id=settings.PLATFORM_DB_SERVER_ID,
        ):
            errors.append(
                Error(
                    f"database {alias!r}: {problem}",
                    hint="Render the server's config from deploy/mariadb/node.cnf.template "
                    "with this node's index, count and server id.",
                    id="replication.E002",
                )
            )
    return errors
