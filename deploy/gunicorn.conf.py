"""gunicorn settings for a platform node (production, the local cluster, the trial node).

Environment: GUNICORN_BIND (default 127.0.0.1:8000, the trial node; behind nginx a Unix
socket, unix:/run/platform/gunicorn.sock, or systemd's socket unit; several addresses
separated by spaces), GUNICORN_WORKERS (default 2 per core), GUNICORN_TIMEOUT (seconds,
default 30), GUNICORN_LOG_LEVEL (gunicorn's own lines, default info),
GUNICORN_ACCESS_LOG (gunicorn's access line per request besides the platform's, default
off), LOG_LEVEL.

Sync workers hold one request each from the first byte to the last, so they must never
face a client: on a node nginx reads whole requests and answers for them. No PROXY
protocol here: only nginx reaches the socket, and it passes the client's address in
X-Real-IP (gateway/web_server.py).
"""

import logging
import multiprocessing
import os
import shutil
import tempfile

from platform_site.config import ConfigurationError, env_bool, read_node_identity
from platform_site.logs import gunicorn_logging_config

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split()
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 20000
max_requests_jitter = 2000
# A PROXY line is never believed: the trial node faces its clients directly, and a
# node's nginx sets the client's address in a header instead.
proxy_protocol = "off"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Every line in the platform's JSON format (platform_site/logs.py), gunicorn's own too.
# The platform logs one line per request itself; gunicorn's access line, which would
# repeat it, is written only when asked for.
accesslog = None
access_log_format = "access"  # the fields come from the formatter, never the raw URI


def _node_name() -> str:
    try:
        return read_node_identity(os.environ).name
    except ConfigurationError:
        return os.environ.get("PLATFORM_NODE", "")  # each worker then stops on the error


logconfig_dict = gunicorn_logging_config(
    level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    node=_node_name(),
    access_log=env_bool(os.environ, "GUNICORN_ACCESS_LOG", False),
)
logging.captureWarnings(True)  # Python's warnings as log lines too, not bare stderr text
proc_name = "platform-node-" + os.environ.get("PLATFORM_NODE", "A").lower()
# Several nodes may share a host (the local cluster); a shared default control socket
# path would collide, and nothing here uses it.
control_socket_disable = True

# Metrics from every worker are aggregated through files in one directory per node,
# emptied at start (prometheus-client multiprocess mode).
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"platform-metrics-{proc_name}-{os.getpid()}"),
)


def on_starting(server):
    # The process tree whose CPU, memory and files /metrics reports (gateway/process_tree.py).
    os.environ["PLATFORM_GUNICORN_MASTER_PID"] = str(os.getpid())
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
