"""The fault proxy's TCP mechanics, against a plain echo server (MySQL semantics are in
tests/database/test_fault_proxy.py): many connections, half-closes, a large stream, the
control channel, quick shutdown; and its MySQL packet scanner, as a pure function."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from deploy.local.faultproxy import CommitScanner
from deploy.local.faults import FaultProxy, FaultProxyError


def packet(seq: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq]) + payload


def query(sql: bytes) -> bytes:
    return packet(0, b"\x03" + sql)


class EchoServer:
    """Echoes each connection until the client half-closes, then half-closes back."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn: socket.socket) -> None:
        with conn:
            try:
                while data := conn.recv(1 << 16):
                    conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass


@pytest.fixture
def link(tmp_path):
    proxy = FaultProxy(tmp_path / "proxy")
    proxy.start()
    yield proxy.add_link("echo", EchoServer().port)
    proxy.stop()


def exchange(port: int, payload: bytes, *, timeout: float = 10) -> bytes:
    """Send everything, half-close, and read until the far side closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sender = threading.Thread(target=lambda: (sock.sendall(payload), sock.shutdown(1)))
        sender.start()
        chunks = []
        while chunk := sock.recv(1 << 20):
            chunks.append(chunk)
        sender.join()
    return b"".join(chunks)


def test_the_scanner_finds_a_commit_query_split_across_chunks():
    stream = query(b"SELECT 1") + query(b"COMMIT") + query(b"commit work;")
    scanner = CommitScanner()
    found = [scanner.feed(stream[i : i + 1]) for i in range(len(stream))]
    assert found.count(True) == 2


@pytest.mark.parametrize(
    "stream",
    [
        query(b"SELECT 'COMMIT'"),
        query(b"XA COMMIT 'x'"),
        packet(1, b"\x03COMMIT"),  # not a command: the middle of an exchange
        query(b"INSERT INTO t VALUES ('" + b"x" * 100_000 + b"')"),
        packet(0, b"\x16COMMIT"),  # another command byte
    ],
)
def test_the_scanner_sees_no_commit_where_there_is_none(stream):
    assert CommitScanner().feed(stream) is False


def test_the_scanner_keeps_packet_boundaries_through_long_packets():
    scanner = CommitScanner()
    big = query(b"SELECT '" + b"\x03COMMIT" * 10_000 + b"'")
    assert scanner.feed(big[:1000]) is False
    assert scanner.feed(big[1000:] + query(b"COMMIT")) is True


def test_the_scanner_stops_reading_a_connection_that_switched_to_tls():
    scanner = CommitScanner()
    assert scanner.feed(packet(1, b"\x00" * 32) + query(b"COMMIT")) is False


def test_a_large_stream_passes_intact_both_ways(link):
    payload = bytes(range(256)) * (24 * 1024 * 4)  # 24 MiB
    assert exchange(link.port, payload, timeout=60) == payload


def test_many_connections_at_once_each_get_their_own_bytes(link):
    results: dict[int, bytes] = {}

    def one(n: int) -> None:
        results[n] = exchange(link.port, f"connection {n} ".encode() * 500)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[n] == f"connection {n} ".encode() * 500 for n in range(100))
    assert link.status()["accepted"] == 100


def test_a_half_close_travels_and_the_other_direction_goes_on(link):
    with socket.create_connection(("127.0.0.1", link.port), timeout=5) as sock:
        sock.sendall(b"last words")
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(100):
            received += chunk
    assert received == b"last words"  # answered after our FIN, then the server's FIN


def test_blackhole_then_forward_delivers_what_was_held(link):
    with socket.create_connection(("127.0.0.1", link.port), timeout=0.5) as sock:
        link.set("blackhole")
        sock.sendall(b"held")
        with pytest.raises(TimeoutError):
            sock.recv(10)
        link.set("forward")
        sock.settimeout(5)
        assert sock.recv(10) == b"held"


def test_reject_resets_rather_than_closing(link):
    with socket.create_connection(("127.0.0.1", link.port), timeout=5) as sock:
        sock.sendall(b"x")
        assert sock.recv(10) == b"x"
        link.set("reject")
        with pytest.raises(ConnectionResetError):  # a FIN would read b""
            sock.recv(10)


def test_the_control_channel_refuses_bad_commands(link):
    with pytest.raises(ValueError):
        link.set("drop-everything")
    with pytest.raises(FaultProxyError, match="mode must be"):
        link.proxy.command(op="set", names=["echo"], mode="drop-everything")
    with pytest.raises(FaultProxyError, match="no link"):
        link.proxy.command(op="set", names=["nowhere"], mode="forward")
    with pytest.raises(FaultProxyError, match="unknown op"):
        link.proxy.command(op="explode")


def test_shutdown_is_quick_with_connections_open(tmp_path):
    proxy = FaultProxy(tmp_path / "proxy")
    proxy.start()
    link = proxy.add_link("echo", EchoServer().port)
    held = [socket.create_connection(("127.0.0.1", link.port)) for _ in range(20)]
    link.set("blackhole")
    started = time.monotonic()
    proxy.stop()
    assert time.monotonic() - started < 3  # SIGTERM, not the 5 s kill
    assert not proxy.running()
    for sock in held:
        sock.close()
