"""The load generator: closed-loop HTTP/1.1 over raw sockets, requests built ahead of time.

How it is built, so that it is not the bottleneck on a 2-core machine:

- Every request is a complete HTTP/1.1 message in bytes, built before the measurement
  window (`sealed_get`, `sealed_post`, `plain_get`). Encrypted ones are sealed with the
  reference client's crypto (client/crypto.py), each with its own nonce and a timestamp
  taken just before the window (the server accepts ±120 s and each nonce once), so the
  window itself does no cryptography and no JSON.
- One thread runs an epoll loop (`selectors`) over `concurrency` non-blocking sockets:
  each slot connects, sends its pre-built bytes, reads until the response is complete
  (Content-Length) and the server closes (gunicorn's sync workers close every
  connection), then starts the next request at once. No HTTP library, no parsing
  beyond the status line and Content-Length.
- Latency is connect → last response byte (`perf_counter_ns`), per request; the
  generator's own CPU time during the window is `getrusage(RUSAGE_THREAD)`, reported
  next to the server's so its headroom is visible.

Measured on the 2-core development machine: about 105 µs of CPU per request, two
thirds of it in the kernel (a TCP connect and close per request, which gunicorn's sync
workers impose), against 1,300 to 3,700 µs of server CPU per request. wrk 4.1 (Debian)
did the bare-view scenario at about 75 µs per request; this loop was kept because it
records every request (start, latency, status, target), which the drills need, and it
needs no system package. The report shows its share in every run.

Pure Python with no Django import: tests call it directly.
"""

from __future__ import annotations

import errno
import resource
import select
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from client import crypto

Address = tuple[str, int]


@dataclass
class Built:
    """One pre-built request: its bytes, and for sealed ones the key and nonce to open
    the answer with."""

    raw: bytes
    nonce_b64: str = ""
    key: bytes = field(default=b"", repr=False)


def http_message(method: str, target: str, host: str, headers: dict, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def plain_get(target: str, host: str, *, request_id: str, headers: dict | None = None) -> Built:
    return Built(http_message("GET", target, host, {"X-Request-Id": request_id, **(headers or {})}))


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
    raw = http_message(method, path, host, headers, seal.ciphertext)
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


class _Slot:
    __slots__ = ("buf", "done", "index", "raw", "sent", "sock", "t0", "target")


def _thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def _complete(buf: bytes) -> bool:
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    head = buf[:head_end].lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return False  # no length (chunked): the server's close ends it
    end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : end if end > 0 else None])
    return len(buf) - head_end - 4 >= length


def _status(buf: bytes) -> int:
    if buf.startswith(b"HTTP/1.") and len(buf) >= 12 and buf[9:12].isdigit():
        return int(buf[9:12])
    return 0


class _Loop:
    """The epoll loop behind `run`: one slot per connection in flight.

    Loopback connects complete inside connect(), so each request is sent right after it
    (falling back to waiting for EPOLLOUT), and after a complete answer the close is
    read at once when it is there: about one wake-up per request.
    """

    def __init__(self, addresses, requests, *, keep, deadline_ns, stop, result) -> None:
        self.addresses, self.requests, self.keep = addresses, requests, keep
        self.deadline, self.stop, self.result = deadline_ns, stop, result
        self.next_index = [0] * len(addresses)
        self.poll = select.epoll()
        self.slots: dict[int, _Slot] = {}
        self.t_start = time.perf_counter_ns()

    def start(self, slot: _Slot) -> None:
        stop = self.stop
        while time.perf_counter_ns() < self.deadline and not (stop is not None and stop.is_set()):
            batch, index = self.requests[slot.target], self.next_index[slot.target]
            if index >= len(batch):
                self.result.exhausted = True
                return
            self.next_index[slot.target] = index + 1
            slot.index, slot.buf, slot.sent, slot.done = index, b"", 0, 0
            slot.raw = batch[index].raw
            slot.t0 = time.perf_counter_ns()
            slot.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
            if slot.sock.connect_ex(self.addresses[slot.target]) in (0, errno.EINPROGRESS):
                try:
                    slot.sent = slot.sock.send(slot.raw)
                except BlockingIOError:
                    pass  # still connecting: wait until writable
                except OSError:
                    self.record(slot, 0)
                    continue
                fd = slot.sock.fileno()
                self.slots[fd] = slot
                writing = slot.sent < len(slot.raw)
                self.poll.register(fd, select.EPOLLOUT if writing else select.EPOLLIN)
                return
            self.record(slot, 0)  # refused at once (a node that is down): next request

    def record(self, slot: _Slot, status: int) -> None:
        result = self.result
        result.starts_ns.append(slot.t0 - self.t_start)
        result.latencies_ns.append((slot.done or time.perf_counter_ns()) - slot.t0)
        result.statuses.append(status)
        result.targets.append(slot.target)
        result.indexes.append(slot.index)
        if self.keep and status and slot.index < self.keep:
            result.kept[(slot.target, slot.index)] = slot.buf
        slot.sock.close()

    def finish(self, fd: int, slot: _Slot, status: int) -> None:
        self.poll.unregister(fd)
        del self.slots[fd]
        self.record(slot, status)
        self.start(slot)

    def on_event(self, fd: int, events: int) -> None:
        slot = self.slots[fd]
        try:
            if slot.sent < len(slot.raw):
                slot.sent += slot.sock.send(slot.raw[slot.sent :])
                if slot.sent >= len(slot.raw):
                    self.poll.modify(fd, select.EPOLLIN)
                return
            while chunk := slot.sock.recv(262144):
                slot.buf += chunk
                if not slot.done and _complete(slot.buf):
                    slot.done = time.perf_counter_ns()
        except BlockingIOError:
            return  # the rest (or the close) comes with a later event
        except OSError:
            self.finish(fd, slot, 0)
            return
        self.finish(fd, slot, _status(slot.buf))

    def run(self, concurrency: int) -> None:
        for k in range(concurrency):
            slot = _Slot()
            slot.target = k % len(self.addresses)
            self.start(slot)
        while self.slots:
            for fd, events in self.poll.poll(1.0):
                self.on_event(fd, events)
        self.poll.close()


def run(
    addresses: Sequence[Address],
    requests: Sequence[Sequence[Built]],
    *,
    concurrency: int,
    duration: float,
    keep: int = 0,
    stop=None,
) -> Window:
    """Send `requests[t]` to `addresses[t]` (slot k serves target k % len), `concurrency`
    requests in flight, until `duration` seconds pass, `stop` (an Event) is set, or the
    pre-built requests run out; requests in flight at the end are waited for and counted.
    `keep` raw answers per target are kept for checking."""
    result = Window(time.time(), 0.0, [], [], [], [], [], 0.0, False)
    cpu0 = _thread_cpu()
    deadline = time.perf_counter_ns() + int(duration * 1e9)
    loop = _Loop(addresses, requests, keep=keep, deadline_ns=deadline, stop=stop, result=result)
    loop.run(concurrency)
    pairs = zip(result.starts_ns, result.latencies_ns, strict=True)
    result.elapsed_s = max((s + lat for s, lat in pairs), default=0) / 1e9
    result.cpu_s = _thread_cpu() - cpu0
    return result


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
    return _status(raw), headers, body


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
