"""pytest plugin: the node environment for tests, and real servers for the slower tiers.

Loaded with `-p tests.harness` (see pyproject.toml) so it runs before pytest-django reads
the settings. The tier comes from the paths given: `tests/fast` (SQLite, in-process),
`tests/database` (a real MariaDB this plugin starts on a free loopback port, in a
temporary directory removed afterwards), `tests/cluster` (the replicated pair,
nodes of nginx and gunicorn, and HAProxy, started by tests/cluster/conftest.py through
deploy/local), `tests/galera` (the same nodes and HAProxy over a three-member Galera
cluster, started by tests/galera/conftest.py). One tier per run: `make test` runs them
all. A tier whose servers cannot start is a failure, never a skip.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

TIERS = ("fast", "database", "cluster", "galera")
GALERA_PROVIDER = Path("/usr/lib/galera/libgalera_smm.so")
_state: dict = {}


def _tier_of(args: list[str], rootdir: Path) -> str:
    found = set()
    for arg in args:
        if arg.startswith("-"):
            continue
        path = Path(arg.split("::")[0]).resolve()
        try:
            parts = path.relative_to(rootdir / "tests").parts
        except ValueError:
            continue
        if parts and parts[0] in TIERS:
            found.add(parts[0])
        else:
            raise pytest.UsageError("run one tier at a time (tests/fast, tests/database, …)")
    if len(found) > 1:
        raise pytest.UsageError(f"run one tier at a time, not {sorted(found)}: see `make test`")
    return found.pop() if found else "fast"


def _node_environment() -> None:
    os.environ.update(
        {
            "PLATFORM_ENV_FILE": "",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "PLATFORM_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "PLATFORM_NODE": "A",
            "PLATFORM_NODE_INDEX": "1",
            "PLATFORM_NODE_COUNT": "2",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            # Tests send many requests from one address and session on purpose; the
            # limits themselves are tested with their own settings.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
            "GATEWAY_SESSION_RATE_PER_SECOND": "0",
            "GATEWAY_LOGIN_RATE_PER_SECOND": "0",
            # The node-local store (seen nonces, revocations) of this run only.
            "PLATFORM_STATE_DIR": tempfile.mkdtemp(prefix="platform-test-state-"),
        }
    )
    for name in ("DATABASE_URL", "PEER_DATABASE_URL", "PLATFORM_DB_SERVER_ID"):
        os.environ.pop(name, None)


def _check_cluster_binaries() -> None:
    """The cluster tier starts its own servers (tests/cluster/conftest.py); all must exist."""
    from deploy.local.mariadb import missing_binaries

    missing = missing_binaries() + [
        b
        for b in ("haproxy", "nginx")
        if shutil.which(b) is None and not Path(f"/usr/sbin/{b}").exists()
    ]
    if missing:
        raise pytest.UsageError(
            f"the cluster tier needs {', '.join(missing)}: `make test` installs them"
        )


def _check_galera_binaries() -> None:
    """The Galera tier: the cluster tier's servers, Galera's provider and what its state
    transfers run (mariadb-backup, streamed with socat)."""
    _check_cluster_binaries()
    missing = [b for b in ("mariadb-backup", "socat") if shutil.which(b) is None]
    if not GALERA_PROVIDER.exists():
        missing.append(f"galera-4 ({GALERA_PROVIDER})")
    if missing:
        raise pytest.UsageError(
            f"the Galera tier needs {', '.join(missing)}: `make test` installs them"
        )


def _start_mariadb() -> None:
    from deploy.local.mariadb import MariaDBError, MariaDBInstance, missing_binaries
    from deploy.local.processes import free_port

    missing = missing_binaries()
    if missing:
        raise pytest.UsageError(
            f"the database tier needs MariaDB ({', '.join(missing)} missing): `make test` "
            "installs mariadb-server and mariadb-client"
        )
    workdir = Path(tempfile.mkdtemp(prefix="platform-test-db-"))
    instance = MariaDBInstance("test", workdir / "a", free_port(), node_index=1, node_count=2)
    _state.update(workdir=workdir, mariadb=instance)
    try:
        instance.start()
    except MariaDBError as exc:
        raise pytest.UsageError(str(exc)) from None
    password = instance.create_app_user("platform", all_databases=True)
    os.environ["DATABASE_URL"] = instance.database_url("platform", password, "platform")
    _state["mariadb_version"] = instance.version()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    rootdir = Path(__file__).resolve().parent.parent
    tier = _tier_of(args, rootdir)
    _state["tier"] = tier
    _node_environment()
    if tier == "database":
        _start_mariadb()
    elif tier == "cluster":
        _check_cluster_binaries()
    elif tier == "galera":
        _check_galera_binaries()


def pytest_report_header(config):
    lines = [f"platform test tier: {_state.get('tier')}"]
    if "mariadb_version" in _state:
        lines.append(
            f"MariaDB used: {_state['mariadb_version']} (a real server started for this run)"
        )
    return lines


def pytest_unconfigure(config):
    instance = _state.pop("mariadb", None)
    if instance is not None:
        instance.stop()
    workdir = _state.pop("workdir", None)
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb_server():
    """The MariaDB instance this run started (database and cluster tiers)."""
    instance = _state.get("mariadb")
    if instance is None:
        pytest.fail("this test needs the database tier (tests/database)")
    return instance
