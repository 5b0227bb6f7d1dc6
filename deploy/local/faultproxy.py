"""A TCP proxy that injects network faults between the local cluster's processes.

    python -m deploy.local.faultproxy --control PATH [--link NAME=LISTEN_PORT:HOST:PORT ...]

Standard library only (asyncio), one process, any number of named *links*: a link
listens on 127.0.0.1:LISTEN_PORT and forwards each connection to HOST:PORT. Each link
has a mode, which applies at once to the connections it already carries and to new ones:

- `forward` (the default): bytes pass both ways, half-closes included;
- `blackhole`: a silent peer. New connections are accepted, existing ones stay open, but
  nothing is forwarded in either direction (reading stops, so the sender's kernel buffers
  fill as they would behind a stalled host); back to `forward`, the held bytes flow on;
- `reject`: a cut cable that resets. Existing connections are reset (RST on both sides),
  new ones are reset as soon as they are accepted;
- `lose-commit-ok`: forward, except that when the client sends a MySQL COM_QUERY whose
  text is COMMIT (what `mysql_commit()` sends, so Django's commits too), the query reaches
  the server, the server's answer is dropped and both sides are closed: the commit
  happened, its OK was lost. With `once`, only the next COMMIT on the link, then the link
  is back to `forward`. Statements committed implicitly (autocommit) send no COMMIT and
  are not affected; TLS connections are not inspected.

The control channel is a Unix socket taking one JSON object per line and answering one
per line (`deploy/local/faults.py` is the client the tests use):

    {"op": "add", "name": "n->db", "listen_port": 0, "target": "127.0.0.1:3306"}
    {"op": "set", "names": ["n->db"], "mode": "lose-commit-ok", "once": true}
    {"op": "status"}        → per link: mode, open connections, counters
    {"op": "remove", "name": "n->db"}      {"op": "shutdown"}

SIGTERM or `shutdown` closes every listener and connection at once and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import struct

MODES = ("forward", "blackhole", "reject", "lose-commit-ok")
CHUNK = 256 * 1024
CONNECT_TIMEOUT = 5.0
COMMIT = re.compile(rb"\s*COMMIT(\s+WORK)?\s*;?\s*", re.IGNORECASE)
INSPECTED = 64  # a command packet longer than this is no COMMIT: pass it unread
SSL_REQUEST = 32  # the length of a client's SSLRequest packet: TLS follows


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN, the way a peer that is gone answers."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class CommitScanner:
    """Follows a client's packet stream to the server and says when a COMMIT was sent.

    A packet is a 3-byte little-endian payload length, a sequence id, then the payload;
    each command starts a new exchange, so its sequence id is 0, and COM_QUERY is payload
    byte 0x03 followed by the SQL text. Every chunk is fed, in every mode, so the packet
    boundaries stay known when a link switches to lose-commit-ok mid-connection.
    """

    def __init__(self) -> None:
        self.head = b""  # the current packet's header, while incomplete
        self.body = b""  # the current short command packet's payload, while incomplete
        self.want = 0  # payload bytes of the current short packet
        self.skip = 0  # payload bytes of the current packet to pass without looking
        self.first = True  # the client's first packet may ask for TLS
        self.opaque = False

    def feed(self, data: bytes) -> bool:
        found, pos = False, 0
        while pos < len(data) and not self.opaque:
            if self.skip:
                step = min(self.skip, len(data) - pos)
                self.skip, pos = self.skip - step, pos + step
            elif len(self.head) < 4:
                step = 4 - len(self.head)
                self.head, pos = self.head + data[pos : pos + step], pos + step
                if len(self.head) == 4:
                    self._start()
            else:
                step = min(self.want - len(self.body), len(data) - pos)
                self.body, pos = self.body + data[pos : pos + step], pos + step
                if len(self.body) == self.want:
                    found |= self.body[:1] == b"\x03" and bool(COMMIT.fullmatch(self.body[1:]))
                    self.head, self.body, self.want = b"", b"", 0
        return found

    def _start(self) -> None:
        length, seq = int.from_bytes(self.head[:3], "little"), self.head[3]
        if self.first and seq == 1 and length == SSL_REQUEST:
            self.opaque = True
        self.first = False
        if seq == 0 and 0 < length <= INSPECTED:
            self.want = length
        else:
            self.skip, self.head = length, b""


class Link:
    """One listener and the connections it carries, all under one mode."""

    def __init__(self, name: str, target: tuple[str, int]) -> None:
        self.name, self.target = name, target
        self.mode, self.once = "forward", False
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.connections: set[Connection] = set()
        self.counters = dict.fromkeys(
            ("accepted", "reset", "failed_upstream", "commits_seen", "commits_dropped"), 0
        )
        self.server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1] if self.server else 0

    def set(self, mode: str, *, once: bool = False) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.mode, self.once = mode, once and mode == "lose-commit-ok"
        if mode == "blackhole":
            self.flowing.clear()
        else:
            self.flowing.set()
        if mode == "reject":
            for conn in list(self.connections):
                conn.reset()

    def claim_commit(self) -> bool:
        """A COMMIT went by: is this the one whose answer gets lost?"""
        self.counters["commits_seen"] += 1
        if self.mode != "lose-commit-ok":
            return False
        if self.once:
            self.mode, self.once = "forward", False
        return True

    def status(self) -> dict:
        return {
            "mode": self.mode,
            "once": self.once,
            "port": self.port,
            "target": f"{self.target[0]}:{self.target[1]}",
            "connections": len(self.connections),
            **self.counters,
        }

    async def accept(self, reader, writer) -> None:
        if self.mode == "reject":
            self.counters["reset"] += 1
            reset(writer)
            return
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
            # lands as the connection completes, leaving a connection nobody stops.
            async with asyncio.timeout(CONNECT_TIMEOUT):
                upstream = await asyncio.open_connection(*self.target, limit=CHUNK)
        except (OSError, TimeoutError):
            self.counters["failed_upstream"] += 1
            reset(writer)
            return
        if self.server is None or not self.server.is_serving():  # closed while connecting
            reset(writer)
            reset(upstream[1])
            return
        if self.mode == "reject":  # cut while connecting
            self.counters["reset"] += 1
            reset(writer)
            reset(upstream[1])
            return
        self.counters["accepted"] += 1
        conn = Connection(self, (reader, writer), upstream)
        self.connections.add(conn)
        try:
            await conn.run()
        finally:
            self.connections.discard(conn)

    def close(self) -> None:
        if self.server:
            self.server.close()
        for conn in list(self.connections):
            conn.reset()


class Connection:
    """One client connection and its upstream, pumped both ways under the link's mode."""

    def __init__(self, link: Link, client, upstream) -> None:
        self.link, self.client, self.upstream = link, client, upstream
        self.scanner = CommitScanner()
        self.commit_pending = False
        self.tasks: list[asyncio.Task] = []

    async def run(self) -> None:
        self.tasks = [
            asyncio.create_task(self._pump(self.client[0], self.upstream[1], outbound=True)),
            asyncio.create_task(self._pump(self.upstream[0], self.client[1], outbound=False)),
        ]
        try:
            await asyncio.gather(*self.tasks)
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            for task in self.tasks:
                task.cancel()
            self._close()

    async def _pump(self, reader, writer, *, outbound: bool) -> None:
        flowing = self.link.flowing
        while True:
            await flowing.wait()
            data = await reader.read(CHUNK)
            await flowing.wait()
            if not data:
                if writer.can_write_eof() and not writer.is_closing():
                    writer.write_eof()  # a half-close travels on; the other way goes on
                return
            if outbound:
                if self.scanner.feed(data) and self.link.claim_commit():
                    self.commit_pending = True  # set before the COMMIT can be answered
            elif self.commit_pending:
                self.link.counters["commits_dropped"] += 1
                self.abandon()
                return
            writer.write(data)
            await writer.drain()

    def abandon(self) -> None:
        """The answer to a COMMIT is dropped: both sides see their connection end."""
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        self._close()

    def reset(self) -> None:
        for task in self.tasks:
            task.cancel()
        reset(self.client[1])
        reset(self.upstream[1])

    def _close(self) -> None:
        for _, writer in (self.client, self.upstream):
            if not writer.is_closing():
                writer.close()


class FaultProxy:
    """The links and the control channel, in one event loop."""

    def __init__(self) -> None:
        self.links: dict[str, Link] = {}
        self.stopped = asyncio.Event()

    async def add(self, name: str, listen_port: int, target: str) -> int:
        host, _, port = target.rpartition(":")
        if not name or name in self.links or not host or not port.isdigit():
            raise ValueError(f"bad or duplicate link {name!r} → {target!r}")
        link = Link(name, (host, int(port)))
        link.server = await asyncio.start_server(
            link.accept, "127.0.0.1", listen_port, limit=CHUNK, backlog=512, reuse_address=True
        )
        self.links[name] = link
        return link.port

    def _links(self, command: dict) -> list[Link]:
        names = command.get("names") or [command.get("name")]
        unknown = [n for n in names if n not in self.links]
        if unknown:
            raise KeyError(f"no link named {', '.join(map(str, unknown))}")
        return [self.links[n] for n in names]

    async def command(self, command: dict) -> dict:
        op = command.get("op")
        if op == "add":
            port = await self.add(
                command["name"], int(command.get("listen_port", 0)), command["target"]
            )
            return {"port": port}
        if op == "set":
            for link in self._links(command):
                link.set(command["mode"], once=bool(command.get("once")))
            return {}
        if op == "status":
            return {"links": {name: link.status() for name, link in self.links.items()}}
        if op == "remove":
            for link in self._links(command):
                link.close()
                del self.links[link.name]
            return {}
        if op == "shutdown":
            self.stopped.set()
            return {}
        raise ValueError(f"unknown op {op!r}")

    async def control(self, reader, writer) -> None:
        try:
            while line := await reader.readline():
                try:
                    answer = {"ok": True, **await self.command(json.loads(line))}
                except (ValueError, KeyError, TypeError, OSError) as exc:
                    answer = {"ok": False, "error": str(exc)}
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def shutdown(self) -> None:
        for link in self.links.values():
            link.close()


async def serve(control_path: str, links: list[str]) -> None:
    proxy = FaultProxy()
    for spec in links:
        name, _, rest = spec.partition("=")
        listen, _, target = rest.partition(":")
        await proxy.add(name, int(listen), target)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(control_path)
    server = await asyncio.start_unix_server(proxy.control, control_path)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, proxy.stopped.set)
    await proxy.stopped.wait()
    server.close()
    proxy.shutdown()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(control_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local.faultproxy", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--control", required=True, help="Path of the control Unix socket.")
    parser.add_argument(
        "--link",
        action="append",
        default=[],
        help="NAME=LISTEN_PORT:HOST:PORT, repeatable (more can be added over --control).",
    )
    args = parser.parse_args(argv)
    asyncio.run(serve(args.control, args.link))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
