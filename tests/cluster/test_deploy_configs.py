"""The shipped nginx and HAProxy configs, rendered as for a production host, pass the
servers' own checks (`nginx -t`, `haproxy -c`); the cluster tier runs the same templates
with loopback paths and ports.

Only what a check cannot run without is redirected: certificate files (made here) and,
for nginx, the log, pid and temp paths, so the check writes nothing outside tmp_path.
"""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

from deploy.local.node import PROJECT_DIR
from deploy.local.tls import LocalCA
from deploy.local.webserver import binary as nginx_binary
from deploy.render import haproxy_config, nginx_config, parser


def render(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "deploy.render", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_the_production_nginx_config_passes_nginx_t(tmp_path):
    cert = LocalCA(tmp_path / "tls").node_certificate("node-a")
    config = nginx_config(
        node_name="node-a",
        balancer_addresses=["10.0.0.10"],
        certificate=str(cert.cert_file),
        certificate_key=str(cert.key_file),
        error_log=str(tmp_path / "error.log"),
        access_log=str(tmp_path / "access.log"),
        pid_file=str(tmp_path / "nginx.pid"),
        temp_dir=str(tmp_path / "temp"),
    )
    path = tmp_path / "platform-node.conf"
    path.write_text(config)
    (tmp_path / "temp").mkdir()  # as Debian's /var/lib/nginx is there
    check = [nginx_binary(), "-t", "-q", "-e", str(tmp_path / "error.log"), "-c", str(path)]
    done = subprocess.run(check, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for line in (
        "user www-data;",
        "listen 8443 ssl proxy_protocol;",
        "set_real_ip_from 10.0.0.10;",
        "listen 443 ssl;",
        "server unix:/run/platform/gunicorn.sock;",
        "alias /opt/platform/static/;",
        f"client_max_body_size {settings.PLATFORM_MAX_BODY_BYTES};",
    ):
        assert line in config, line


def test_the_command_line_renders_what_the_local_cluster_renders():
    cli = render("nginx", "--node-name", "node-a", "--balancer-address", "10.0.0.10")
    assert cli == nginx_config(node_name="node-a", balancer_addresses=["10.0.0.10"])
    defaults = parser().parse_args(["nginx", "--node-name", "a", "--balancer-address", "x"])
    assert defaults.max_body_bytes == settings.PLATFORM_MAX_BODY_BYTES  # the app's default


def test_the_production_haproxy_config_passes_haproxy_c_and_keeps_debians_global(tmp_path):
    ca_file = LocalCA(tmp_path / "tls").ensure()
    args = ["haproxy", "--ca-file", str(ca_file)]
    config = render(*args, "--node", "node-a=10.0.0.11:8443", "--node", "node-b=10.0.0.12:8443")
    assert config == haproxy_config(
        bind=":443",
        stats_bind="127.0.0.1:8404",
        stats_socket="/run/haproxy/admin.sock",
        nodes={"node-a": "10.0.0.11:8443", "node-b": "10.0.0.12:8443"},
        ca_file=str(ca_file),
    )
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    done = subprocess.run(["haproxy", "-c", "-q", "-f", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for line in (
        "log /dev/log local0",
        "chroot /var/lib/haproxy",
        "user haproxy",
        "group haproxy",
        "stats socket /run/haproxy/admin.sock mode 660 level admin",
        "option tcplog",
        "timeout check 2s",
        "server node-a 10.0.0.11:8443 check verifyhost node-a",
        f"check-ssl verify required ca-file {ca_file}",
    ):
        assert line in config, line
    assert "source " not in config  # only the loopback cluster needs a source address


def test_galera_takes_a_node_out_after_three_failed_checks_and_the_pair_after_two(tmp_path):
    ca_file = LocalCA(tmp_path / "tls").ensure()
    nodes = [f"--node=node-{n}=10.0.0.1{i}:8443" for i, n in enumerate("abc", start=1)]
    galera = render("haproxy", "--engine", "galera", "--ca-file", str(ca_file), *nodes)
    pair = render("haproxy", "--ca-file", str(ca_file), *nodes[:2])
    path = tmp_path / "haproxy.cfg"
    path.write_text(galera)
    done = subprocess.run(["haproxy", "-c", "-q", "-f", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # Both backends (rotation and last resort) use the engine's count.
    assert galera.count(" fall 3 rise 2 ") == 2 and " fall 2 " not in galera
    assert pair.count(" fall 2 rise 2 ") == 2 and " fall 3 " not in pair
