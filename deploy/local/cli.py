"""`deploy/cluster`: the local two-node cluster behind HAProxy, on loopback, over HTTPS.

    deploy/cluster up | down | status
    deploy/cluster stop COMPONENT | start COMPONENT     (db-a db-b node-a node-b lb)
    deploy/cluster env NODE                             (node-a or node-b)
    deploy/cluster rebuild db-b [--apply]               (database B lost, rebuilt from A)
    deploy/cluster restore-check db-a                   (a backup restored and compared)
    deploy/cluster --engine galera up | down | status | stop | start | env
                                        (three Galera members, nodes A-C; var/cluster-galera)
    deploy/cluster migrate-to-galera [--apply]          (the pair's data into that cluster)

Everything lives under var/cluster (pid files, logs, data, the throwaway CA and node
certificates in var/cluster/tls; clients trust var/cluster/tls/ca.pem). A node is its
nginx and gunicorn: `stop node-a` stops both. `env node-a` prints the
environment that makes `.venv/bin/python manage.py …` act as node A:
    eval "$(deploy/cluster env node-a)"
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys

from deploy.local import backup, rebuild, to_galera
from deploy.local import galera_cluster as galera_topology
from deploy.local.cluster import COMPONENTS, LocalCluster
from deploy.local.galera_cluster import LocalGaleraCluster
from deploy.local.node import PROJECT_DIR

RUN_DIR = PROJECT_DIR / "var" / "cluster"
GALERA_RUN_DIR = PROJECT_DIR / "var" / "cluster-galera"


def cluster(engine: str = "pair"):
    if engine == "galera":
        return LocalGaleraCluster(GALERA_RUN_DIR, workers=2, tied=False)
    return LocalCluster(RUN_DIR, workers=2, tied=False)


def components(c) -> tuple[str, ...]:
    return galera_topology.COMPONENTS if c.engine == "galera" else COMPONENTS


def up(c) -> None:
    c.start_databases()
    marker = c.run_dir / "initialised"
    if not marker.exists():
        c.migrate()
        print(
            c.manage(
                1, "seed_demo", "--admin-password-file", str(c.run_dir / "admin.txt")
            ).stdout.strip()
        )
        c.wait_in_sync()
        marker.touch()
    c.start_nodes()
    c.start_lb()
    print(f"load balancer  {c.lb.url}   (HAProxy stats {c.lb.stats_url})")
    for node in c.nodes:
        print(f"node {node.name.upper()}         {node.url}   (admin {node.url}/admin/)")
    print(f"CA file        {c.ca_file}   (trust it for the URLs above, e.g. curl --cacert)")
    databases = c.databases if c.engine == "galera" else c.pair.nodes
    listed = ", ".join(f"127.0.0.1:{db.port} ({db.name.upper()})" for db in databases)
    print(f"databases      {listed}")
    print(f"demo admin     {(c.run_dir / 'admin.txt').read_text().strip()}")


def status(c) -> int:
    down = 0
    for name in components(c):
        target = c.component(name)
        running = target.running()
        down += not running
        print(f"{name:<7} {'running' if running else 'stopped'}")
    if c.lb.running():
        for server, state in sorted(c.lb.server_states().items()):
            print(f"  haproxy: {server} {state}")
    return 1 if down else 0


def env(c, node: str) -> None:
    names = [f"node-{n.name}" for n in c.nodes]
    if node not in names:
        raise SystemExit(f"env takes {' or '.join(names)}")
    values = {**c.node_env(names.index(node) + 1), "PLATFORM_ENV_FILE": ""}
    for key, value in values.items():
        print(f"export {key}={shlex.quote(value)}")


def rebuild_database(c: LocalCluster, target: str, *, apply: bool) -> None:
    """Lose the target database and rebuild it from a backup of the other (docs/DEPLOY.md §6)."""
    if target not in ("db-a", "db-b"):
        raise SystemExit("rebuild takes db-a or db-b")
    if not apply:
        print(f"dry run: would delete {target}'s data and rebuild it from the other's backup:")
        for name, command in rebuild.STEPS.items():
            print(f"  {name}: {command}")
        print("add --apply to do it")
        return
    letter = target[-1]
    print(f"losing {target}: killed, datadir deleted")
    rebuild.lose_database(c.pair.a if letter == "a" else c.pair.b)
    report = rebuild.rebuild(c.pair, letter, work_dir=RUN_DIR / "rebuild", tied=c.tied)
    print(json.dumps(report, indent=2))


def restore_check(c: LocalCluster, source: str) -> int:
    if source not in ("db-a", "db-b"):
        raise SystemExit("restore-check takes db-a or db-b")
    db = c.pair.a if source == "db-a" else c.pair.b
    report = backup.restore_check(db, RUN_DIR / "restore-check", tied=c.tied)
    print(json.dumps(report, indent=2))
    return 1 if report["differing"] else 0


def migrate_to_galera(*, apply: bool) -> int:
    """The pair's data (var/cluster) into the local Galera cluster (docs/DEPLOY.md §9)."""
    if not apply:
        print("dry run: would stop the pair's nodes, back up database A and make it the first")
        print("member of the Galera cluster in var/cluster-galera (its data replaced):")
        for name, command in to_galera.STEPS.items():
            print(f"  {name}: {command}")
        print("add --apply to do it")
        return 0
    # The same SECRET_KEY and master key as the pair's nodes: server keys and sessions
    # are wrapped with it. The demo admin's password comes along with the data.
    GALERA_RUN_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("node-secrets.json", "admin.txt"):
        if (RUN_DIR / name).exists():
            shutil.copy2(RUN_DIR / name, GALERA_RUN_DIR / name)
    pair, target = cluster("pair"), cluster("galera")
    target.lb.stop()
    for node in pair.nodes + target.nodes:
        node.stop()
    pair.start_databases()
    report = to_galera.migrate(pair.pair, target.galera, work_dir=RUN_DIR / "to-galera", tied=False)
    (target.run_dir / "initialised").touch()
    print(json.dumps(report, indent=2))
    print("now: deploy/cluster --engine galera up")
    return 1 if report["differing"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/cluster", description=__doc__.splitlines()[0])
    parser.add_argument(
        "action",
        choices=[
            "up",
            "down",
            "status",
            "stop",
            "start",
            "env",
            "rebuild",
            "restore-check",
            "migrate-to-galera",
        ],
    )
    parser.add_argument("target", nargs="?")
    parser.add_argument(
        "--apply",
        action="store_true",
        help="rebuild, migrate-to-galera: really do it (else a plan)",
    )
    parser.add_argument(
        "--engine",
        choices=["pair", "galera"],
        default="pair",
        help="pair: two replicating databases (the default); galera: three Galera members",
    )
    args = parser.parse_args(argv)
    if args.action == "migrate-to-galera":
        return migrate_to_galera(apply=args.apply)
    c = cluster(args.engine)
    if args.engine == "galera" and args.action in ("rebuild", "restore-check"):
        parser.error(f"{args.action} is the pair's; a Galera member rejoins by IST or SST")
    if args.action in ("stop", "start", "env", "rebuild", "restore-check") and not args.target:
        parser.error(f"{args.action} needs a component")
    if args.action == "rebuild":
        rebuild_database(c, args.target, apply=args.apply)
        return 0
    if args.action == "restore-check":
        return restore_check(c, args.target)
    if args.action == "up":
        up(c)
    elif args.action == "down":
        c.down()
        print("cluster stopped")
    elif args.action == "status":
        return status(c)
    elif args.action == "env":
        env(c, args.target)
    else:
        getattr(c, args.action)(args.target)
        print(
            f"{args.target} {args.action}ed" if args.action == "start" else f"{args.target} stopped"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
