"""The way from the pair to Galera, rehearsed: a pair with the platform's data moves into a
new three-member cluster (deploy/local/to_galera.py, the steps of docs/DEPLOY.md §9).

The pair is migrated and written through both nodes (each writes its own database), then
quiesced; A's backup becomes member 1 of the cluster, members 2 and 3 join it by full state
transfers (mariadb-backup, over socat), and every table is compared, checksum by checksum,
between the pair and each member. A node of the cluster then serves the moved data: its
system check passes and it counts the pair's rows. Figures: var/test-artifacts/galera.json.
"""

from __future__ import annotations

import base64
import json
import os
from secrets import token_urlsafe

from deploy.local import to_galera
from deploy.local.galera import GaleraCluster, GaleraPorts
from deploy.local.node import PlatformNode
from deploy.local.pair import ReplicatedPair
from deploy.local.processes import free_port
from tests.galera.support import record

WRITES = """
from django.contrib.auth import get_user_model
from services.task.models import Task
user, _ = get_user_model().objects.get_or_create(username="mover")
for n in range(25):
    Task.objects.create(title=f"{tag}-{{n}}", creator=user)
print(Task.objects.count())
"""
COUNT = (
    "from services.task.models import Task; "
    "print(Task.objects.filter(title__startswith='on-').count())"
)


def _pair_node(pair, index: int, run_dir, secrets) -> PlatformNode:
    own, peer = pair.nodes[index - 1], pair.nodes[2 - index]
    env = {
        **secrets,
        "PLATFORM_NODE_INDEX": str(index),
        "PLATFORM_NODE_COUNT": "2",
        "DATABASE_URL": pair.database_url(own),
        "PEER_DATABASE_URL": pair.database_url(peer),
    }
    return PlatformNode("ab"[index - 1], run_dir / f"pair-node-{index}", free_port(), env)


def test_a_pairs_data_moves_into_a_new_galera_cluster_table_for_table(tmp_path):
    secrets = {  # fresh for the run, the same for the pair's nodes and the cluster's
        "SECRET_KEY": token_urlsafe(40),
        "PLATFORM_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    pair = ReplicatedPair(tmp_path / "pair", (free_port(), free_port()))
    galera = GaleraCluster(tmp_path / "galera", GaleraPorts.free())
    try:
        pair.start()
        a, b = (_pair_node(pair, i, tmp_path, secrets) for i in (1, 2))
        a.manage("migrate", "--noinput")
        pair.wait_in_sync()
        pair.start_heartbeats()
        a.manage("shell", "-c", WRITES.format(tag="on-a"))
        b.manage("shell", "-c", WRITES.format(tag="on-b"))
        report = to_galera.migrate(pair, galera, work_dir=tmp_path / "move", tied=True)
        node = PlatformNode("m", tmp_path / "galera-node", free_port(), {
            **secrets,
            "PLATFORM_DB_ENGINE": "galera",
            "PLATFORM_NODE_INDEX": "2",
            "PLATFORM_NODE_COUNT": "3",
            "DATABASE_URL": galera.database_url(galera.nodes[1]),
        })  # fmt: skip
        check = node.manage("check", "--database", "default", check=False)
        moved = node.manage("shell", "-c", COUNT).stdout.split()[-1]
        status = node.manage("replication_status", "--json", check=False)
        record("move_from_pair", {k: v for k, v in report.items() if k != "differing"})
    finally:
        galera.remove()
        pair.remove()
    assert report["differing"] == {}, report["differing"]
    assert check.returncode == 0, check.stdout + check.stderr
    assert moved == "50"
    assert status.returncode == 0, status.stdout
    assert json.loads(status.stdout)["cluster_size"] == 3
