"""The CLI over real HTTPS: `--ca-file` verifies a node whose certificate a private CA issued.

A TLS server on a free loopback port, in a thread of the test process (it ends with the
test), hands each request to `FakeNode`; the CLI talks to it through the real
`RequestsTransport`, so TLS, verification and the exact wire path are all real.
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from client import cli
from tests.fast.protocol.fake_node import PASSWORD, FakeNode


def _certificate(subject, issuer, key, signer, *, ca: bool):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(signer, hashes.SHA256())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def https_node(tmp_path):
    """(base URL, CA file, FakeNode) of a TLS server on 127.0.0.1."""
    ca_key, node_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    ca = _certificate("test CA", "test CA", ca_key, ca_key, ca=True)
    cert = _certificate("127.0.0.1", "test CA", node_key, ca_key, ca=False)
    (tmp_path / "ca.pem").write_bytes(_pem(ca))
    (tmp_path / "node.pem").write_bytes(_pem(cert))
    (tmp_path / "node.key").write_bytes(
        node_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    node = FakeNode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(node))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "node.pem", tmp_path / "node.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", str(tmp_path / "ca.pem"), node
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _handler(node: FakeNode):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            raw = node.send("https://node", self.command, self.path, dict(self.headers), body, 5)
            self.send_response(raw.status)
            for name, value in raw.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw.body)))
            self.end_headers()
            self.wfile.write(raw.body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, *args) -> None:
            pass  # quiet: pytest shows stderr of failures only

    return Handler


def _cli(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_ca_file_verifies_the_node_and_the_session_runs_over_https(
    https_node, tmp_path, monkeypatch
):
    url, ca_file, node = https_node
    monkeypatch.setenv("PLATFORM_CLIENT_SESSION", str(tmp_path / "session.json"))
    login = _cli("--url", url, "--ca-file", ca_file, "login", "alice", "--password-stdin",
                 stdin=PASSWORD + "\n")  # fmt: skip
    assert login[0] == 0, login[2]
    code, out, err = _cli("--url", url, "--ca-file", ca_file, "get", "/api/v1/echo/ü x/")
    assert code == 0, err
    assert '"path": "/api/v1/echo/%C3%BC%20x/"' in out  # what the node opened and answered
    assert node.calls[-1][2] == "/api/v1/echo/%C3%BC%20x/"  # the sealed path, sent as sealed


def test_without_the_ca_file_the_node_certificate_is_refused(https_node):
    url, _, node = https_node
    code, out, err = _cli("--url", url, "public-key")
    assert code == 2 and out == ""
    assert "TLS: " in err and "certificate verify failed" in err, err
    assert node.calls == []  # nothing reached the node's application
