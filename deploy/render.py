"""Render the shipped configs for real hosts, from the templates the local cluster tests.

    python -m deploy.render mariadb --node-index 1 --node-count 2 \\
        --log-bin /var/lib/mysql/mariadb-bin > /etc/mysql/mariadb.conf.d/60-platform.cnf
    python -m deploy.render haproxy --bind :443 --stats-bind 127.0.0.1:8404 \\
        --stats-socket /run/haproxy/admin.sock \\
        --node node-a=10.0.0.11:8000 --node node-b=10.0.0.12:8000 > /etc/haproxy/haproxy.cfg
"""

from __future__ import annotations

import argparse
import string
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent


def mariadb(args) -> str:
    if not 1 <= args.node_index <= args.node_count:
        raise SystemExit("--node-index must be between 1 and --node-count")
    return string.Template((DEPLOY / "mariadb" / "node.cnf.template").read_text()).substitute(
        server_id=args.server_id or args.node_index,
        gtid_domain_id=args.node_index,
        node_count=args.node_count,
        node_index=args.node_index,
        log_bin=args.log_bin,
    )


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
    db.add_argument("--node-index", type=int, required=True)
    db.add_argument("--node-count", type=int, default=2)
    db.add_argument("--server-id", type=int, default=0, help="Default: the node index.")
    db.add_argument("--log-bin", default="/var/lib/mysql/mariadb-bin")
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
