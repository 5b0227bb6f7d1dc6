"""Network helpers for the front-door tests: a chosen source address, raw TLS requests.

All of 127.0.0.0/8 is loopback, so a test can be "another client" by binding its
sockets to 127.0.0.3 or 127.0.0.4; HAProxy connects to the nodes from 127.0.0.2.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from client import PlatformClient, RequestsTransport


class SourceAdapter(HTTPAdapter):
    """A requests adapter whose connections leave from `source`; counts the connections."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(connections, maxsize, block, **kwargs)

    def connections_made(self) -> int:
        pools = self.poolmanager.pools
        return sum(pools[key].num_connections for key in pools.keys())  # noqa: SIM118 - no __iter__


def client_from(cluster, source: str, url: str | None = None, **options) -> PlatformClient:
    """A reference client whose every connection comes from `source` (`.adapter` counts)."""
    session = requests.Session()
    adapter = SourceAdapter(source)
    session.mount("https://", adapter)
    api = PlatformClient(
        url or cluster.lb.url,
        transport=RequestsTransport(session, verify=cluster.ca_file),
        **options,
    )
    api.adapter = adapter
    return api


def open_tls(
    port: int, *, ca_file: Path, source: str = "127.0.0.1", before_tls: bytes = b""
) -> ssl.SSLSocket:
    """A verified TLS connection to 127.0.0.1:`port`; `before_tls` is sent in the clear first."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    try:
        if before_tls:
            raw.sendall(before_tls)
        return ssl.create_default_context(cafile=str(ca_file)).wrap_socket(
            raw, server_hostname="127.0.0.1"
        )
    except BaseException:
        raw.close()
        raise


def exchange(
    sock, method: str, target: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on an open socket, and its answer (a Content-Length given in
    `headers` is sent as is, to announce a body that never comes)."""
    headers = {"Host": "127.0.0.1", "Content-Length": str(len(body)), **headers}
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    answer = http.client.HTTPResponse(sock, method=method)
    answer.begin()
    return answer.status, dict(answer.getheaders()), answer.read()


def access_log(cluster) -> list[dict]:
    """Every line of both nodes' nginx access logs so far (flushed within a second)."""
    lines = []
    for node in cluster.nodes:
        path = node.nginx.access_log
        if path.exists():
            lines += [json.loads(line) for line in path.read_text().splitlines() if line]
    return lines
