"""`manage.py replication_status`: both directions, identities, config, lag, clock skew;
exit 1 on trouble."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from replication import clock, exactly_once, galera_report
from replication.lag import local_lag
from replication.status import config_problems, probe_lag_ms, read_server


class Command(BaseCommand):
    help = (
        "Report replication both ways (threads, errors, GTIDs, lag, config, clock skew), or "
        "every Galera member's state; non-zero on problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--no-probe", action="store_true", help="Skip the active lag probe.")

    def handle(self, *args, json: bool, no_probe: bool, **options):
        if settings.PLATFORM_DB_ENGINE == "galera":
            return self._galera(as_json=json)
        if "peer" not in settings.DATABASES:
            raise CommandError("no peer configured (PEER_DATABASE_URL)")
        me, count = settings.PLATFORM_NODE_INDEX, settings.PLATFORM_NODE_COUNT
        peer_index = 2 if me == 1 else 1
        servers = {
            "this": read_server("default", peer_index=peer_index),
            "peer": read_server("peer", peer_index=me),
        }
        problems = self._problems(servers, me, peer_index, count)
        probes = {} if no_probe or problems else self._probes(me, peer_index)
        behind = local_lag("default") if servers["this"].reachable else None
        doubles = exactly_once.doubles_count() if servers["this"].reachable else None
        if doubles:
            problems.append(f"{doubles} request(s) applied on both databases: run request_doubles")
        skews = clock.skews()
        problems += clock.problems(skews)
        report = {
            "node": settings.PLATFORM_NODE,
            "servers": {name: state.as_dict() for name, state in servers.items()},
            "lag_probe_ms": probes,
            "behind_ms": None if behind is None else behind.ms,
            "requests_applied_twice": doubles,
            "clock_skew": {k: None if r is None else r.as_dict() for k, r in skews.items()},
            "problems": problems,
        }
        self.stdout.write(_json_dumps(report) if json else self._text(report))
        if problems:
            raise CommandError(f"{len(problems)} problem(s)", returncode=1)

    def _galera(self, *, as_json: bool) -> None:
        """The cluster: size, each member's state, flow control, certification failures."""
        report = galera_report.cluster_report()
        self.stdout.write(_json_dumps(report) if as_json else galera_report.text_report(report))
        if report["problems"]:
            raise CommandError(f"{len(report['problems'])} problem(s)", returncode=1)

    def _problems(self, servers, me, peer_index, count) -> list[str]:
        problems = []
        for name, index in (("this", me), ("peer", peer_index)):
            server = servers[name]
            if not server.reachable:
                problems.append(f"{name} database unreachable: {server.error}")
                continue
            problems += [
                f"{name}: {p}" for p in config_problems(server, node_index=index, node_count=count)
            ]
            replica = server.replica
            if not replica.healthy:
                problems.append(
                    f"{name}: replication not running (IO {replica.io_running or '-'}, "
                    f"SQL {replica.sql_running or '-'}, IO error {replica.last_io_errno}, "
                    f"SQL error {replica.last_sql_errno}: {replica.last_sql_error[:120]})"
                )
        this, peer = servers["this"], servers["peer"]
        if this.reachable and peer.reachable:
            if this.server_id == peer.server_id:
                problems.append("both servers have the same server_id")
            if this.gtid_domain_id == peer.gtid_domain_id:
                problems.append("both servers have the same gtid_domain_id")
        return problems

    def _probes(self, me, peer_index) -> dict:
        return {
            "this_to_peer": probe_lag_ms(
                writer_alias="default", reader_alias="peer", node_index=me
            ),
            "peer_to_this": probe_lag_ms(
                writer_alias="peer", reader_alias="default", node_index=peer_index
            ),
        }

    def _text(self, report) -> str:
        lines = [f"node {report['node']}"]
        for name, server in report["servers"].items():
            if not server["reachable"]:
                lines.append(f"  {name}: UNREACHABLE ({server['error']})")
                continue
            replica = server["replica"]
            lines.append(
                f"  {name}: server_id {server['server_id']} domain {server['gtid_domain_id']} "
                f"auto_increment {server['auto_increment_offset']}/"
                f"{server['auto_increment_increment']}  binlog {server['gtid_binlog_pos']}"
            )
            lines.append(
                f"    replicating from {replica['source'] or '-'}: IO {replica['io_running']} "
                f"SQL {replica['sql_running']} gtid {replica['using_gtid']} "
                f"slave_pos {server['gtid_slave_pos']}  heartbeat age "
                f"{_ms(server['heartbeat_age_ms'])}"
            )
        for direction, value in report["lag_probe_ms"].items():
            lines.append(f"  lag {direction.replace('_', ' ')}: {_ms(value)}")
        for against, reading in report["clock_skew"].items():
            shown = "-" if reading is None else f"{reading['skew_ms']:+.2f} ms"
            where = "this node's database" if against == "database" else "the peer database"
            lines.append(f"  clock skew against {where}: {shown}")
        lines += [f"  PROBLEM: {p}" for p in report["problems"]] or ["  OK"]
        return "\n".join(lines)


def _ms(value) -> str:
    return "-" if value is None else f"{value:.2f} ms"


def _json_dumps(report) -> str:
    return json.dumps(report, indent=2, default=str)
