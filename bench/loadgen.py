"""The load generator: closed-loop HTTP/1.1 over raw sockets, requests built ahead of time.

How it is built, so that it is not the bottleneck on a 2-core machine:

- Every request is a complete HTTP/1.1 message in bytes, built before the measurement
  window (`sealed`, `plain_get`). Encrypted ones are sealed with the reference client's
  crypto (client/crypto.py), each with its own nonce and the timestamp it is given (the
  server accepts ±120 s and each nonce once), so the window itself does no cryptography
  and no JSON.
- One thread runs an epoll loop (bench/connections.py) over `concurrency` non-blocking
  sockets, plain or TLS: either a new connection per request, read until the server
  closes (gunicorn's sync workers close every connection), or one kept-alive connection
  per slot (the node's nginx, as a desktop client connects). No HTTP library, no parsing
  beyond the status line, Content-Length and Connection.
- Latency is the request's start (its connect, when it needs one) → last response byte
  (`perf_counter_ns`); the generator's own CPU time during the window is
  `getrusage(RUSAGE_THREAD)`, reported next to the server's so its headroom is visible.

Measured on the 2-core development machine: about 105 µs of CPU per request with a
connection per request, two thirds of it in the kernel (a TCP connect and close per
request), against 1,300 to 3,700 µs of server CPU per request. wrk 4.1 (Debian) did the
bare-view scenario at about 75 µs per request; this loop was kept because it records
every request (start, latency, status, target), which the drills need, and it needs no
system package. The report shows its share in every run.

Pure Python with no Django import: tests call it directly.
"""

from __future__ import annotations

import resource
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench import connections
from client import crypto

Address = tuple[str, int]


@dataclass
class Built:
    """One pre-built request: its bytes, and for sealed ones the key and nonce to open
    the answer with."""

    raw: bytes
    nonce_b64: str = ""
    key: bytes = field(default=b"", repr=False)


def http_message(
    method: str, target: str, host: str, headers: dict, body: bytes = b"", *, keep_alive=False
) -> bytes:
    """The request's bytes; without `keep_alive` it asks the server to close after it."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    if not keep_alive:
        lines.append("Connection: close")
    return "\r\n".join([*lines, "", ""]).encode("latin-1") + body


def plain_get(
    target: str,
    host: str,
    *,
    request_id: str,
    headers: dict | None = None,
    keep_alive: bool = False,
) -> Built:
    headers = {"X-Request-Id": request_id, **(headers or {})}
    return Built(http_message("GET", target, host, headers, keep_alive=keep_alive))


def sealed(
    method: str,
    path: str,
    host: str,
    *,
    key: bytes,
    session_id: str,
    plaintext: bytes = b"",
    request_id: str,
    timestamp_ms: int | None = None,
    extra: dict | None = None,
    keep_alive: bool = False,
) -> Built:
    """An encrypted request (docs/PROTOCOL.md §4) with a fresh nonce; no query string."""
    timestamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    seal = crypto.seal_request(
        key=key,
        method=method,
        path=path,
        query="",
        session_id=session_id,
        timestamp=timestamp,
        plaintext=plaintext,
    )
    headers = {
        "Content-Type": "application/octet-stream",
        "X-Nonce": seal.nonce_b64,
        "X-Timestamp": str(timestamp),
        "X-Tag": seal.tag_b64,
        "X-Request-Id": request_id,
    }
    if session_id:
        headers["X-Session-Id"] = session_id
    headers.update(extra or {})
    raw = http_message(method, path, host, headers, seal.ciphertext, keep_alive=keep_alive)
    return Built(raw, seal.nonce_b64, key)


@dataclass
class Window:
    """What one measurement window saw; times in ns relative to its start."""

    started_epoch: float
    elapsed_s: float
    starts_ns: list[int]
    latencies_ns: list[int]
    statuses: list[int]  # 0: the connection failed
    targets: list[int]
    indexes: list[int]  # which pre-built request of its target
    cpu_s: float  # the generator thread's own user + system time
    exhausted: bool  # ran out of pre-built requests before the deadline
    connections: int = 0  # connections opened (TLS handshakes, with TLS)
    kept: dict[tuple[int, int], bytes] = field(default_factory=dict, repr=False)

    @property
    def count(self) -> int:
        return len(self.statuses)

    @property
    def rps(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for status in self.statuses:
            counts[str(status)] = counts.get(str(status), 0) + 1
        return counts


def _thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def run(
    addresses: Sequence[Address],
    requests: Sequence[Sequence[Built]],
    *,
    concurrency: int,
    duration: float,
    keep: int = 0,
    stop=None,
    tls: ssl.SSLContext | None = None,
    keep_alive: bool = False,
) -> Window:
    """Send `requests[t]` to `addresses[t]` (slot k serves target k % len), `concurrency`
    requests in flight, until `duration` seconds pass, `stop` (an Event) is set, or the
    pre-built requests run out; requests in flight at the end are waited for and counted.
    `keep` raw answers per target are kept for checking. `tls`: connect over TLS with this
    context; `keep_alive`: reuse each connection (bench/connections.py)."""
    result = Window(time.time(), 0.0, [], [], [], [], [], 0.0, False)
    cpu0 = _thread_cpu()
    deadline = time.perf_counter_ns() + int(duration * 1e9)
    loop = connections.Loop(
        addresses,
        requests,
        keep=keep,
        deadline_ns=deadline,
        stop=stop,
        result=result,
        tls=tls,
        keep_alive=keep_alive,
    )
    loop.run(concurrency)
    pairs = zip(result.starts_ns, result.latencies_ns, strict=True)
    result.elapsed_s = max((s + lat for s, lat in pairs), default=0) / 1e9
    result.cpu_s = _thread_cpu() - cpu0
    return result


def client_tls(ca_file) -> ssl.SSLContext:
    """A client context trusting only `ca_file` (the run's CA), hostname checked."""
    context = ssl.create_default_context(cafile=str(ca_file))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def body_of(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of a raw answer kept by `run`."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return connections.status_of(raw), headers, body


def _dechunk(data: bytes) -> bytes:
    out, at = [], 0
    while True:
        line_end = data.index(b"\r\n", at)
        size = int(data[at:line_end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[line_end + 2 : line_end + 2 + size])
        at = line_end + 2 + size + 2


def open_sealed(status: int, headers, body: bytes, built: Built) -> bytes:
    """Verify and decrypt a sealed answer to `built` (ProtocolError if it does not
    authenticate); `headers` must answer lower-case names."""
    return crypto.open_response(
        key=built.key,
        status=status,
        request_nonce_b64=built.nonce_b64,
        content_type=headers.get("x-content-type", ""),
        nonce_b64=headers.get("x-nonce"),
        tag_b64=headers.get("x-tag"),
        ciphertext=body,
    )


def open_answer(raw: bytes, built: Built) -> tuple[int, bytes]:
    """Status and plaintext of a raw sealed answer kept by `run`."""
    status, headers, body = body_of(raw)
    return status, open_sealed(status, headers, body, built)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in [0, 100]."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be within [0, 100]")
    rank = (len(sorted_values) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def summary_ms(values_ns: Sequence[int]) -> dict:
    """n, mean, p50/p95/p99 and max in milliseconds."""
    if not values_ns:
        return {"n": 0}
    ordered = sorted(values_ns)
    ms = [v / 1e6 for v in ordered]
    return {
        "n": len(ms),
        "mean": round(sum(ms) / len(ms), 3),
        "p50": round(percentile(ms, 50), 3),
        "p95": round(percentile(ms, 95), 3),
        "p99": round(percentile(ms, 99), 3),
        "max": round(ms[-1], 3),
    }
