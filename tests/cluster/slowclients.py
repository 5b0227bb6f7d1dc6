"""Slow clients, as an attacker with no account would run them: a separate process.

    python -m tests.cluster.slowclients --port P --ca-file F --headers 1000 --bodies 200

Over TLS to one address (the load balancer): `--headers` connections send a request
line and then one more header line every `--interval` seconds, never ending the header
block; `--bodies` connections send a whole header block declaring a large body, then
one byte of it every `--interval` seconds. Each one, when the server cuts it or
answers, reconnects a second later, until `--seconds` have passed. Prints one JSON
object: how many were open at most and at the end, how often each was cut, the
answers seen. A process of its own, so its event loop does not compete with the
measured client for the GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import ssl
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

HEADER_START = b"GET /health/ HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow-headers\r\n"
BODY_START = (
    b"POST /api/v1/task/tasks/ HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow-body\r\n"
    b"Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"
)


@dataclass
class Kind:
    name: str
    start: bytes
    drip: bytes
    open: int = 0
    peak: int = 0
    held_to_the_end: int = 0
    samples: list = field(default_factory=list)
    connects: int = 0
    connect_failures: int = 0
    cut: Counter = field(default_factory=Counter)

    def figures(self) -> dict:
        steady = sorted(self.samples)
        return {
            "open_steady_min": steady[0] if steady else 0,
            "open_steady_median": steady[len(steady) // 2] if steady else 0,
            "peak_open": self.peak,
            "held_to_the_end": self.held_to_the_end,
            "connections_made": self.connects,
            "connect_failures": self.connect_failures,
            "ended_by_server": dict(self.cut),
        }


class Attack:
    def __init__(self, args) -> None:
        self.args = args
        self.context = ssl.create_default_context(cafile=args.ca_file)
        self.deadline = 0.0

    async def run(self) -> dict:
        self.deadline = time.monotonic() + self.args.seconds
        kinds = [
            Kind("headers", HEADER_START, b"X-Drip: 1\r\n"),
            Kind("bodies", BODY_START, b"x"),
        ]
        counts = [self.args.headers, self.args.bodies]
        tasks = [
            asyncio.create_task(self.client(kind, index))
            for kind, count in zip(kinds, counts, strict=True)
            for index in range(count)
        ]
        await asyncio.gather(self.sample(kinds), *tasks)
        return {kind.name: kind.figures() for kind in kinds}

    async def sample(self, kinds: list[Kind]) -> None:
        """Open connections once a second, from the end of the ramp-up to the deadline."""
        await asyncio.sleep(self.args.ramp + 1)
        while time.monotonic() < self.deadline - 0.5:
            for kind in kinds:
                kind.samples.append(kind.open)
            await asyncio.sleep(1.0)

    async def client(self, kind: Kind, index: int) -> None:
        # Spread the first connections over the ramp-up, as a script would.
        await asyncio.sleep(random.uniform(0, self.args.ramp))
        source = self.args.sources[index % len(self.args.sources)]
        while time.monotonic() < self.deadline:
            reason = await self.hold(kind, source)
            if reason is None:
                return
            kind.cut[reason] += 1
            await asyncio.sleep(1.0)

    async def hold(self, kind: Kind, source: str) -> str | None:
        """One connection kept dripping until the deadline (None) or the server ends it."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    "127.0.0.1",
                    self.args.port,
                    ssl=self.context,
                    server_hostname="127.0.0.1",
                    local_addr=(source, 0),
                ),
                timeout=10,
            )
        except (OSError, TimeoutError, ssl.SSLError):
            kind.connect_failures += 1
            return "connect_failed"
        kind.connects += 1
        kind.open += 1
        kind.peak = max(kind.peak, kind.open)
        try:
            writer.write(kind.start)
            await writer.drain()
            while (left := self.deadline - time.monotonic()) > 0:
                try:
                    data = await asyncio.wait_for(
                        reader.read(4096), timeout=min(self.args.interval, left)
                    )
                except TimeoutError:
                    writer.write(kind.drip)
                    await writer.drain()
                    continue
                return _answer(data)
            kind.held_to_the_end += 1
            return None
        except (OSError, ssl.SSLError):
            return "reset"
        finally:
            kind.open -= 1
            writer.close()


def _answer(data: bytes) -> str:
    if not data:
        return "closed"
    status = data.split(b"\r\n", 1)[0].split(b" ")
    return f"answered_{status[1].decode(errors='replace')}" if len(status) > 1 else "answered"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TLS port to attack.")
    parser.add_argument("--ca-file", required=True, help="CA the server's certificate is from.")
    parser.add_argument("--headers", type=int, default=1000, help="Header drip connections.")
    parser.add_argument("--bodies", type=int, default=200, help="Body drip connections.")
    parser.add_argument("--seconds", type=float, default=30.0, help="How long to keep at it.")
    parser.add_argument("--interval", type=float, default=2.0, help="Seconds between drips.")
    parser.add_argument("--ramp", type=float, default=3.0, help="Seconds to open them over.")
    parser.add_argument(
        "--sources", type=lambda s: s.split(","), default=["127.0.0.1"], help="Source addresses."
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    wanted = args.headers + args.bodies + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    figures = asyncio.run(Attack(args).run())
    json.dump(figures, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
