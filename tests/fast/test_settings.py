"""Node settings: every variable parsed, bad values refused with the variable named."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from platform_site import config
from platform_site.config import ConfigurationError
from platform_site.databases import mysql_init_command, node_database

PROJECT = Path(__file__).resolve().parents[2]
MASTER_KEY = base64.b64encode(bytes(range(32))).decode()

PRINT_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "node": settings.PLATFORM_NODE,
    "index": settings.PLATFORM_NODE_INDEX,
    "count": settings.PLATFORM_NODE_COUNT,
    "server_id": settings.PLATFORM_DB_SERVER_ID,
    "secret": settings.SECRET_KEY,
    "master_key_len": len(settings.PLATFORM_MASTER_KEY),
    "hosts": settings.ALLOWED_HOSTS,
    "engine": db["ENGINE"],
    "db_name": db["NAME"],
    "db_port": db.get("PORT"),
    "init_command": db.get("OPTIONS", {}).get("init_command"),
    "peer_name": (settings.PEER_DATABASE or {}).get("NAME"),
}))
"""


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "DATABASE"))}
    base.pop("SECRET_KEY", None)
    base.update({"PLATFORM_ENV_FILE": "", "DJANGO_SETTINGS_MODULE": "platform_site.settings"})
    base.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_SETTINGS],
        cwd=PROJECT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_parses_every_node_variable():
    result = run_settings(
        {
            "DEBUG": "false",
            "SECRET_KEY": "s" * 50,
            "PLATFORM_MASTER_KEY": MASTER_KEY,
            "PLATFORM_NODE": "B",
            "PLATFORM_NODE_INDEX": "2",
            "PLATFORM_NODE_COUNT": "2",
            "PLATFORM_DB_SERVER_ID": "12",
            "ALLOWED_HOSTS": "node-b.example, 10.0.0.2",
            "DATABASE_URL": "mysql://u:p@127.0.0.1:33062/platform",
            "PEER_DATABASE_URL": "mysql://u:p@127.0.0.1:33061/platform_peer",
        }
    )
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout.strip().splitlines()[-1])
    assert parsed["debug"] is False
    assert (parsed["node"], parsed["index"], parsed["count"]) == ("B", 2, 2)
    assert parsed["server_id"] == 12
    assert parsed["secret"] == "s" * 50
    assert parsed["master_key_len"] == 32
    assert parsed["hosts"] == ["node-b.example", "10.0.0.2"]
    assert parsed["engine"] == "django.db.backends.mysql"
    assert (parsed["db_name"], parsed["db_port"]) == ("platform", 33062)
    # Ids step by twice the node count; node 2's own writes take offset 2 (even ids).
    assert "auto_increment_increment = 4" in parsed["init_command"]
    assert "auto_increment_offset = 2" in parsed["init_command"]
    assert parsed["peer_name"] == "platform_peer"


def test_it_defaults_to_sqlite_under_var_when_no_database_url_is_set():
    result = run_settings({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout.strip().splitlines()[-1])
    assert parsed["engine"] == "django.db.backends.sqlite3"
    assert Path(parsed["db_name"]).parent == PROJECT / "var"
    assert parsed["debug"] is True


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"PLATFORM_MASTER_KEY": None}, "PLATFORM_MASTER_KEY"),
        ({"PLATFORM_NODE_INDEX": "0"}, "PLATFORM_NODE_INDEX"),
        ({"PLATFORM_NODE_INDEX": "3", "PLATFORM_NODE_COUNT": "2"}, "PLATFORM_NODE_INDEX"),
        ({"PLATFORM_NODE_COUNT": "two"}, "PLATFORM_NODE_COUNT"),
        ({"PLATFORM_MASTER_KEY": "not base64!"}, "PLATFORM_MASTER_KEY"),
        ({"PLATFORM_MASTER_KEY": base64.b64encode(b"short").decode()}, "PLATFORM_MASTER_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
    ],
)
def test_it_stops_with_the_variable_named_and_no_traceback(env, variable):
    full = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "PLATFORM_MASTER_KEY": MASTER_KEY}
    full.update(env)
    result = run_settings(full)
    assert result.returncode == 2
    assert f"configuration error: {variable}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_secret_is_allowed_only_with_debug_on():
    assert config.env_secret({}, "SECRET_KEY", required=False, fallback="dev") == "dev"
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        config.env_secret({}, "SECRET_KEY", required=True, fallback="dev")


def test_node_identity_names_each_bad_value():
    assert config.read_node_identity({}) == config.NodeIdentity("A", 1, 1)
    identity = config.read_node_identity({"PLATFORM_NODE_INDEX": "2", "PLATFORM_NODE_COUNT": "3"})
    assert identity == config.NodeIdentity("B", 2, 3)
    with pytest.raises(ConfigurationError, match="PLATFORM_NODE "):
        config.read_node_identity({"PLATFORM_NODE": "a b"})
    with pytest.raises(ConfigurationError, match="PLATFORM_NODE_COUNT must be at least 1"):
        config.read_node_identity({"PLATFORM_NODE_COUNT": "0"})


def test_the_mysql_connection_sets_the_node_stride_and_strict_mode():
    identity = config.NodeIdentity("B", 2, 2)
    db = node_database(
        {"ENGINE": "django.db.backends.mysql", "NAME": "p"},
        identity=identity,
        sqlite_path=Path("unused"),
        conn_max_age=60,
        connect_timeout=3,
    )
    assert db["OPTIONS"]["charset"] == "utf8mb4"
    assert db["OPTIONS"]["init_command"] == mysql_init_command(identity)
    assert "STRICT_TRANS_TABLES" in db["OPTIONS"]["init_command"]
    assert db["TEST"]["CHARSET"] == "utf8mb4"


def test_writes_through_the_peer_take_ids_this_nodes_own_writes_never_take():
    """A table node B writes on both databases (request records) gets B's own-database
    ids from one residue and B's peer-database ids from another: never one id twice."""
    identity = config.NodeIdentity("B", 2, 2)
    assert "auto_increment_increment = 4, auto_increment_offset = 2," in mysql_init_command(
        identity
    )
    through_peer = mysql_init_command(identity, through_peer=True)
    assert "auto_increment_increment = 4, auto_increment_offset = 4," in through_peer
    own, peer = {2 + 4 * n for n in range(50)}, {4 + 4 * n for n in range(50)}
    assert not own & peer and all(pk % 2 == 0 for pk in own | peer)
