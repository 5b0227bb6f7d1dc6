"""RequestsTransport over real TLS: verification, one kept-alive connection, exact targets.

A small HTTPS server in a thread (the standard library's, HTTP/1.1 with keep-alive)
with a certificate from a throwaway CA (deploy/local/tls.py) records every request
line and counts the connections it accepted.
"""

from __future__ import annotations

import http.server
import ssl
import threading

import pytest

from client import ClientError, ConnectionFailed, RequestsTransport
from deploy.local.tls import LocalCA


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client closes

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def do_GET(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.targets.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_POST = do_GET

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    ca = LocalCA(tmp_path_factory.mktemp("tls"))
    cert = ca.node_certificate("node-test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert.cert_file, cert.key_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.ca, server.connections, server.targets = ca, 0, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def url(server) -> str:
    return f"https://127.0.0.1:{server.server_address[1]}"


def test_it_verifies_the_server_against_the_ca_file_given(tls_server):
    trusting = RequestsTransport(verify=tls_server.ca.ca_file)
    assert trusting.send(url(tls_server), "GET", "/x", {}, b"", 5).status == 200


def test_it_refuses_a_server_its_ca_did_not_sign_before_sending_anything(tls_server, tmp_path):
    other = LocalCA(tmp_path / "other").ensure()
    before = len(tls_server.targets)
    for transport in (RequestsTransport(verify=other), RequestsTransport()):
        with pytest.raises(ConnectionFailed) as refused:
            transport.send(url(tls_server), "GET", "/never", {}, b"", 5)
        assert refused.value.sent is False
    assert len(tls_server.targets) == before


def test_certificate_checks_cannot_be_turned_off(tmp_path):
    with pytest.raises(ValueError):
        RequestsTransport(verify=False)
    with pytest.raises(ValueError):
        RequestsTransport(verify=tmp_path / "missing.pem")


def test_sequential_requests_reuse_one_connection(tls_server):
    transport = RequestsTransport(verify=tls_server.ca.ca_file)
    before = tls_server.connections
    for n in range(20):
        method = "POST" if n % 2 else "GET"
        assert transport.send(url(tls_server), method, f"/r/{n}", {}, b"{}", 5).status == 200
    assert tls_server.connections - before == 1


def test_the_target_goes_out_byte_for_byte_as_signed(tls_server):
    transport = RequestsTransport(verify=tls_server.ca.ca_file)
    target = "/api/v1/task/tasks/%C3%BC%2F/?q=a%20b&x=%2F&empty=&z=~"
    assert transport.send(url(tls_server), "GET", target, {}, b"", 5).status == 200
    assert tls_server.targets[-1] == target


def test_a_target_the_http_library_would_rewrite_is_refused_not_sent(tls_server):
    transport = RequestsTransport(verify=tls_server.ca.ca_file)
    before = len(tls_server.targets)
    for target in ("/a b", "/x?z=%7E"):  # requests would send /a%20b and /x?z=~
        with pytest.raises(ClientError):
            transport.send(url(tls_server), "GET", target, {}, b"", 5)
    assert len(tls_server.targets) == before
