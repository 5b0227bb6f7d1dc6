"""Ports the local servers are given: free, distinct, and out of the ephemeral range."""

from __future__ import annotations

import socket

from deploy.local import processes


def test_ports_are_free_distinct_and_below_the_ephemeral_range():
    low = processes._ephemeral_low()
    ports = [processes.free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(processes.LOWEST_SERVER_PORT <= port < low for port in ports), (low, ports[:5])
    with socket.socket() as sock:  # each one can actually be listened on
        sock.bind(("127.0.0.1", ports[-1]))
        sock.listen()


def test_a_port_in_use_is_never_given(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        taken.listen()
        # The busy port drawn twenty times first, then the ones after it.
        monkeypatch.setattr(processes, "LOWEST_SERVER_PORT", busy)
        monkeypatch.setattr(processes, "_ephemeral_low", lambda: busy + 1002)
        choices = iter([busy] * 20 + list(range(busy + 1, busy + 400)))
        monkeypatch.setattr(processes.random.SystemRandom, "randint", lambda *_: next(choices))
        monkeypatch.setattr(processes, "_given", set())
        assert processes.free_port() > busy
