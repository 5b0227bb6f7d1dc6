"""The load generator's event loop: one thread, epoll, `concurrency` requests in flight.

A node is reached two ways, and the loop connects both ways:

- **close per request** (gunicorn itself, whose sync workers close every connection):
  each request connects, sends, and reads until the answer is complete and the server
  has closed;
- **keep-alive** (the node's nginx): each slot opens one connection and sends its next
  request on it as soon as an answer is complete, as a desktop client's HTTP stack does.
  An answer saying `Connection: close` (nginx's `keepalive_requests`) or a connection
  the server closed makes the slot connect again for its next request.

With `tls` (an `ssl.SSLContext` trusting the node's CA) every connection is TLS, run
non-blocking: connect, handshake, send and receive each step on the readiness they
wait for (EPOLLOUT/EPOLLIN, `SSLWantWriteError`/`SSLWantReadError`). Loopback connects
usually complete inside connect(), so a request is sent at once.

Each request is timed from its start (connect included when it needs a new connection)
to the last byte of its answer. Pure Python with no Django import: tests call it directly.
"""

from __future__ import annotations

import errno
import select
import socket
import ssl
import time

CONNECT, HANDSHAKE, SEND, RECEIVE = range(4)
READ, WRITE = select.EPOLLIN, select.EPOLLOUT


class Slot:
    """One request in flight at a time, on the slot's connection (None between two)."""

    __slots__ = (
        "buf",
        "done",
        "fd",
        "index",
        "mask",
        "raw",
        "sent",
        "sock",
        "state",
        "t0",
        "target",
    )

    def __init__(self, target: int) -> None:
        self.target, self.sock, self.mask, self.fd = target, None, None, -1


def complete(buf: bytes) -> bool:
    """Is the answer in `buf` whole? (Content-Length, or a chunked body's last chunk)"""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    head = buf[:head_end].lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        if b"\r\ntransfer-encoding: chunked" in head:
            return buf.endswith(b"\r\n0\r\n\r\n")
        return False  # no length: the server's close ends it
    end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : end if end > 0 else None])
    return len(buf) - head_end - 4 >= length


def closes(buf: bytes) -> bool:
    """Does the answer in `buf` announce that the server closes the connection?"""
    head = buf[: buf.find(b"\r\n\r\n")].lower()
    return b"\r\nconnection: close" in head


def status_of(buf: bytes) -> int:
    if buf.startswith(b"HTTP/1.") and len(buf) >= 12 and buf[9:12].isdigit():
        return int(buf[9:12])
    return 0


class Loop:
    """Sends each target's pre-built requests in turn; `result` (a loadgen.Window) collects."""

    def __init__(self, addresses, requests, *, keep, deadline_ns, stop, result, tls, keep_alive):
        self.addresses, self.requests, self.keep = addresses, requests, keep
        self.deadline, self.stop, self.result = deadline_ns, stop, result
        self.tls, self.keep_alive = tls, keep_alive
        self.next_index = [0] * len(addresses)
        self.poll = select.epoll()
        self.slots: dict[int, Slot] = {}
        self.t_start = time.perf_counter_ns()

    def run(self, concurrency: int) -> None:
        for k in range(concurrency):
            self.next_request(Slot(k % len(self.addresses)))
        while self.slots:
            for fd, _ in self.poll.poll(1.0):
                slot = self.slots.get(fd)
                if slot is not None:
                    self.step(slot)
        self.poll.close()

    def next_request(self, slot: Slot) -> None:
        """Start the slot's next request, or let the slot go when the window is over."""
        while time.perf_counter_ns() < self.deadline and not (self.stop and self.stop.is_set()):
            batch, index = self.requests[slot.target], self.next_index[slot.target]
            if index >= len(batch):
                self.result.exhausted = True
                break
            self.next_index[slot.target] = index + 1
            slot.index, slot.buf, slot.sent, slot.done = index, b"", 0, 0
            slot.raw, slot.t0 = batch[index].raw, time.perf_counter_ns()
            if slot.sock is not None:
                slot.state = SEND  # the next request on the kept-alive connection
            elif not self.connect(slot):
                self.record(slot, 0)  # refused at once (a node that is down): next request
                continue
            if slot.state != CONNECT:
                self.step(slot)
            return
        self.drop(slot)

    def connect(self, slot: Slot) -> bool:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as HTTP clients do
        code = sock.connect_ex(self.addresses[slot.target])
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            return False
        self.result.connections += 1
        slot.sock, slot.fd, slot.state = sock, sock.fileno(), CONNECT
        if code == 0:
            self.connected(slot)
        else:
            self.want(slot, WRITE)  # writable once connected
        return True

    def connected(self, slot: Slot) -> None:
        if self.tls is None:
            slot.state = SEND
            return
        host = self.addresses[slot.target][0]
        slot.sock = self.tls.wrap_socket(
            slot.sock, server_hostname=host, do_handshake_on_connect=False
        )
        slot.state = HANDSHAKE

    def step(self, slot: Slot) -> None:
        """Advance the slot as far as its connection allows without waiting."""
        try:
            if slot.state == CONNECT:
                code = slot.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, "connect failed")
                self.connected(slot)
            if slot.state == HANDSHAKE:
                slot.sock.do_handshake()
                slot.state = SEND
            if slot.state == SEND:
                while slot.sent < len(slot.raw):
                    slot.sent += slot.sock.send(slot.raw[slot.sent :])
                slot.state = RECEIVE
                self.want(slot, READ)
                return
            self.receive(slot)
        except ssl.SSLWantReadError:
            self.want(slot, READ)
        except (ssl.SSLWantWriteError, BlockingIOError):
            self.want(slot, WRITE)
        except OSError:  # refused, reset, a TLS failure (ssl.SSLError is an OSError)
            self.finish(slot, 0, reuse=False)

    def receive(self, slot: Slot) -> None:
        while True:
            try:
                chunk = slot.sock.recv(262144)
            except (BlockingIOError, ssl.SSLWantReadError):
                return  # the rest (or the close) comes with a later event
            if not chunk:  # the server closed the connection
                self.finish(slot, status_of(slot.buf), reuse=False)
                return
            slot.buf += chunk
            if not slot.done and complete(slot.buf):
                slot.done = time.perf_counter_ns()
                if self.keep_alive:
                    self.finish(slot, status_of(slot.buf), reuse=not closes(slot.buf))
                    return

    def finish(self, slot: Slot, status: int, *, reuse: bool) -> None:
        self.record(slot, status)
        if not reuse:
            self.drop(slot)
        self.next_request(slot)

    def record(self, slot: Slot, status: int) -> None:
        result = self.result
        result.starts_ns.append(slot.t0 - self.t_start)
        result.latencies_ns.append((slot.done or time.perf_counter_ns()) - slot.t0)
        result.statuses.append(status)
        result.targets.append(slot.target)
        result.indexes.append(slot.index)
        if self.keep and status and slot.index < self.keep:
            result.kept[(slot.target, slot.index)] = slot.buf

    def want(self, slot: Slot, mask: int) -> None:
        if slot.mask is None:
            self.poll.register(slot.fd, mask)
            self.slots[slot.fd] = slot
        elif slot.mask != mask:
            self.poll.modify(slot.fd, mask)
        slot.mask = mask

    def drop(self, slot: Slot) -> None:
        """Close the slot's connection (if any) and stop watching it."""
        if slot.mask is not None:
            self.poll.unregister(slot.fd)
            del self.slots[slot.fd]
            slot.mask = None
        if slot.sock is not None:
            slot.sock.close()
            slot.sock = None
