"""Render the shipped configs for real hosts, from the templates the local cluster tests.

    python -m deploy.render mariadb --node-index 1 --node-count 2 --bind-address 10.0.0.11 \\
        --memory 8192 --connections 150 --max-body-bytes 10485760 \\
        > /etc/mysql/mariadb.conf.d/60-platform.cnf   (sizing rules: deploy/mariadb_settings.py)
    python -m deploy.render haproxy --bind :443 --stats-bind 127.0.0.1:8404 \\
        --stats-socket /run/haproxy/admin.sock \\
        --node node-a=10.0.0.11:8000 --node node-b=10.0.0.12:8000 > /etc/haproxy/haproxy.cfg
"""

from __future__ import annotations

import argparse
import string
import sys
from pathlib import Path

from deploy import mariadb_settings

DEPLOY = Path(__file__).resolve().parent


def mariadb(args) -> str:
    try:
        return mariadb_settings.render(mariadb_settings.from_arguments(args))
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def haproxy(args) -> str:
    servers = []
    for spec in args.node:
        name, _, address = spec.partition("=")
        if not name or ":" not in address:
            raise SystemExit(f"--node takes NAME=HOST:PORT, not {spec!r}")
        servers.append(f"    server {name} {address} check")
    return string.Template((DEPLOY / "haproxy" / "haproxy.cfg.template").read_text()).substitute(
        bind=args.bind,
        stats_bind=args.stats_bind,
        stats_socket=args.stats_socket,
        servers="\n".join(servers),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.render", description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    db = sub.add_parser("mariadb", help="A node's MariaDB server settings.")
    mariadb_settings.add_arguments(db)
    lb = sub.add_parser("haproxy", help="The load balancer in front of the nodes.")
    lb.add_argument("--bind", default=":8080")
    lb.add_argument("--stats-bind", default="127.0.0.1:8404")
    lb.add_argument("--stats-socket", default="/run/haproxy/admin.sock")
    lb.add_argument("--node", action="append", required=True, help="NAME=HOST:PORT, repeatable.")
    args = parser.parse_args(argv)
    sys.stdout.write(mariadb(args) if args.what == "mariadb" else haproxy(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
