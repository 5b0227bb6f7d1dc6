"""Render the shipped configs for real hosts, from the templates the local cluster runs.

    python -m deploy.render mariadb --node-index 1 --node-count 2 --bind-address 10.0.0.11 \\
        --memory 8192 --connections 150 --max-body-bytes 10485760 \\
        > /etc/mysql/mariadb.conf.d/60-platform.cnf   (sizing rules: deploy/mariadb_settings.py)
    python -m deploy.render mariadb --engine galera --node-index 1 --bind-address 10.0.0.11 \\
        --member 10.0.0.11 --member 10.0.0.12 --member 10.0.0.13 --memory 8192 \\
        > /etc/mysql/mariadb.conf.d/60-platform.cnf   (Galera: deploy/galera_settings.py)
    python -m deploy.render nginx --node-name node-a --balancer-address 10.0.0.10 \\
        > /etc/nginx/platform-node.conf
    python -m deploy.render haproxy --bind :443 \\
        --node node-a=10.0.0.11:8443 --node node-b=10.0.0.12:8443 > /etc/haproxy/haproxy.cfg

deploy/local renders through the same functions (`nginx_config`, `haproxy_config`),
changing only what its docstrings say.
"""

from __future__ import annotations

import argparse
import re
import string
import sys
from pathlib import Path

from deploy import galera_settings, mariadb_settings

DEPLOY = Path(__file__).resolve().parent
NGINX_TEMPLATE = DEPLOY / "nginx" / "platform-node.conf.template"
HAPROXY_TEMPLATE = DEPLOY / "haproxy" / "haproxy.cfg.template"
PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
# What the production `global` section keeps from Debian's own haproxy.cfg.
HAPROXY_PRIVILEGES = "    chroot /var/lib/haproxy\n    user haproxy\n    group haproxy"
# Failed health checks, 250 ms apart, that take a node out of rotation (the template says
# why Galera needs one more than the pair).
CHECK_FALL = {"pair": 2, "galera": 3}


def mariadb(args) -> str:
    try:
        if args.engine == "galera":
            return galera_settings.render(galera_settings.from_arguments(args))
        return mariadb_settings.render(mariadb_settings.from_arguments(args))
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def haproxy_config(
    *,
    bind: str,
    stats_bind: str,
    stats_socket: str,
    nodes: dict[str, str],
    ca_file: str,
    source: str = "",
    log: str = "/dev/log",
    privileges: bool = True,
    engine: str = "pair",
) -> str:
    """The load balancer. `nodes`: server name → HOST:PORT of that node's balancer listener.

    Each node's certificate must name its server (node-a, …): the TLS health check
    verifies the chain against `ca_file` and that name. `source` binds the connections
    to the nodes to one local address; `privileges=False` drops chroot/user/group.
    `engine` ("pair" or "galera") sets how many failed checks take a node out.
    """
    if engine not in CHECK_FALL:
        raise SystemExit(f"the engine is one of {', '.join(CHECK_FALL)}, not {engine}")
    servers = []
    for name, address in nodes.items():
        if not name or ":" not in address:
            raise SystemExit(f"a node is NAME=HOST:PORT, not {name}={address}")
        servers.append(f"    server {name} {address} check verifyhost {name}")
    options = f"check-ssl verify required ca-file {ca_file}"
    if source:
        options += f" source {source}"
    privileged = HAPROXY_PRIVILEGES if privileges else "    # (no chroot, no user switch)"
    return string.Template(HAPROXY_TEMPLATE.read_text()).substitute(
        log=log,
        privileges=privileged,
        bind=bind,
        stats_bind=stats_bind,
        stats_socket=stats_socket,
        fall=CHECK_FALL[engine],
        server_options=options,
        servers="\n".join(servers),
    )


def nginx_config(
    *,
    node_name: str,
    balancer_addresses: list[str],
    balancer_listen: str = "8443",
    direct_listen: str = "443",
    certificate: str = "/etc/nginx/tls/node.pem",
    certificate_key: str = "/etc/nginx/tls/node.key",
    app_socket: str = "/run/platform/gunicorn.sock",
    static_root: str = "/opt/platform/static",
    max_body_bytes: int = 10 * 1024 * 1024,
    conn_per_address: int = 64,
    user: str = "www-data",
    pid_file: str = "/run/nginx.pid",
    error_log: str = "/var/log/nginx/error.log",
    access_log: str = "/var/log/nginx/platform-access.log",
    temp_dir: str = "/var/lib/nginx",
) -> str:
    """A node's nginx. The defaults are a Debian host's; the local launcher passes paths,
    ports and its own user. `max_body_bytes` must equal the node's PLATFORM_MAX_BODY_BYTES.
    """
    if not balancer_addresses:
        raise SystemExit("nginx needs the load balancer's address(es) (--balancer-address)")
    values = {
        "node_name": node_name,
        "balancer_addresses": "\n".join(
            f"        set_real_ip_from {address};" for address in balancer_addresses
        ),
        "balancer_listen": balancer_listen,
        "direct_listen": direct_listen,
        "certificate": certificate,
        "certificate_key": certificate_key,
        "app_socket": app_socket,
        "static_root": static_root.rstrip("/"),
        "max_body_bytes": str(max_body_bytes),
        "conn_per_address": str(conn_per_address),
        "user": user,
        "pid_file": pid_file,
        "error_log": error_log,
        "access_log": access_log,
        "temp_dir": temp_dir.rstrip("/"),
    }
    return fill(NGINX_TEMPLATE.read_text(), values)


def fill(template: str, values: dict[str, str]) -> str:
    """Replace every {{ name }}; a missing or an unused value is an error, not a blank."""
    used = set(PLACEHOLDER.findall(template))
    if used != set(values):
        raise ValueError(f"template and values differ: {sorted(used ^ set(values))}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _nginx(args) -> str:
    return nginx_config(
        node_name=args.node_name,
        balancer_addresses=args.balancer_address,
        balancer_listen=args.balancer_listen,
        direct_listen=args.direct_listen,
        certificate=args.certificate,
        certificate_key=args.certificate_key,
        app_socket=args.app_socket,
        static_root=args.static_root,
        max_body_bytes=args.max_body_bytes,
        conn_per_address=args.conn_per_address,
    )


def _haproxy(args) -> str:
    nodes = {}
    for spec in args.node:
        name, _, address = spec.partition("=")
        nodes[name] = address
    return haproxy_config(
        bind=args.bind,
        stats_bind=args.stats_bind,
        stats_socket=args.stats_socket,
        nodes=nodes,
        ca_file=args.ca_file,
        engine=args.engine,
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m deploy.render",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = top.add_subparsers(dest="what", required=True)
    db = sub.add_parser("mariadb", help="A node's MariaDB server settings.")
    db.add_argument(
        "--engine",
        choices=["pair", "galera"],
        default="pair",
        help="pair: two servers replicating both ways; galera: a node of a Galera cluster.",
    )
    mariadb_settings.add_arguments(db)
    galera_settings.add_arguments(db)
    web = sub.add_parser("nginx", help="A node's web server (whole nginx configuration).")
    web.add_argument("--node-name", required=True, help="As in HAProxy, e.g. node-a.")
    web.add_argument(
        "--balancer-address",
        action="append",
        required=True,
        help="Address the load balancer connects from; PROXY headers are believed from it only"
        " (repeatable).",
    )
    web.add_argument("--balancer-listen", default="8443", help="[ADDR:]PORT for the balancer.")
    web.add_argument("--direct-listen", default="443", help="[ADDR:]PORT for direct TLS.")
    web.add_argument("--certificate", default="/etc/nginx/tls/node.pem", help="Chain, PEM.")
    web.add_argument("--certificate-key", default="/etc/nginx/tls/node.key", help="Key, PEM.")
    web.add_argument("--app-socket", default="/run/platform/gunicorn.sock", help="gunicorn's.")
    web.add_argument("--static-root", default="/opt/platform/static", help="The STATIC_ROOT.")
    web.add_argument(
        "--max-body-bytes", type=int, default=10485760, help="= PLATFORM_MAX_BODY_BYTES."
    )
    web.add_argument(
        "--conn-per-address", type=int, default=64, help="Concurrent requests per address."
    )
    lb = sub.add_parser("haproxy", help="The load balancer in front of the nodes (whole file).")
    lb.add_argument(
        "--engine",
        choices=list(CHECK_FALL),
        default="pair",
        help="The nodes' databases: a replicated pair or a Galera cluster (check timing).",
    )
    lb.add_argument("--bind", default=":443", help="[ADDR]:PORT clients connect to.")
    lb.add_argument("--stats-bind", default="127.0.0.1:8404", help="The stats page.")
    lb.add_argument("--stats-socket", default="/run/haproxy/admin.sock", help="Admin socket.")
    lb.add_argument(
        "--ca-file",
        default="/etc/haproxy/platform-ca.pem",
        help="CA that signed the node certificates (checks verify them).",
    )
    lb.add_argument(
        "--node",
        action="append",
        required=True,
        help="NAME=HOST:PORT of a node's balancer listener, repeatable.",
    )
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    render = {"mariadb": mariadb, "nginx": _nginx, "haproxy": _haproxy}[args.what]
    sys.stdout.write(render(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
