"""A fault-injecting TCP proxy on real sockets, between hcctl and the local server.

    with FaultProxy(upstream_port) as proxy:
        proxy.set(Status(503), times=2)  # the next two connections get a 503, then traffic flows
        proxy.set(Refuse(), seconds=0.5)  # the port is closed for half a second
        ...
        assert proxy.faulted == 2

With no fault the proxy pumps bytes both ways, untouched. A fault applies to new connections;
setting one also cuts the connections open at that moment, as a broken network would, so a
kept-alive client meets it too. A faulted connection serves one request, then closes.
`times` and `seconds` clear the fault by themselves; the proxy stops by itself after `lifetime`
seconds, so a forgotten proxy never outlives its test.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass

from tests.faultserver import Reply, _encode, _read_request

__all__ = [
    "Blackhole",
    "Fault",
    "FaultProxy",
    "Latency",
    "Refuse",
    "ResetMidResponse",
    "Status",
    "TruncatedBody",
]


@dataclass(frozen=True)
class Refuse:
    """Close the listening port: connecting is refused."""


@dataclass(frozen=True)
class ResetMidResponse:
    """Forward the request, pass on `keep` bytes of the real answer, then reset (RST)."""

    keep: int = 20


@dataclass(frozen=True)
class Latency:
    """Forward the request, hold the real answer back `delay` seconds."""

    delay: float


@dataclass(frozen=True)
class Blackhole:
    """Accept and read the request, never answer."""


@dataclass(frozen=True)
class Status:
    """Answer this status without forwarding; `retry_after` adds the header."""

    status: int
    retry_after: str | None = None


@dataclass(frozen=True)
class TruncatedBody:
    """Forward the request, pass on the real answer's head and half its body, then close."""


Fault = Refuse | ResetMidResponse | Latency | Blackhole | Status | TruncatedBody
_RST = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # SO_LINGER on, 0 seconds: close() sends a reset


class FaultProxy:
    def __init__(self, upstream_port: int, *, lifetime: float = 120.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = 0
        self.faulted = 0  # connections a fault was applied to
        self.connections = 0
        self._fault: Fault | None = None
        self._times: int | None = None
        self._until: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._deadline = time.monotonic() + lifetime

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FaultProxy:
        self._listen()
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._cut_all()
        self._close_listener()

    # -- switching faults ------------------------------------------------------------------------

    def set(
        self, fault: Fault | None, *, times: int | None = None, seconds: float | None = None
    ) -> None:
        """Apply `fault` to the next `times` connections, or for `seconds`, or until cleared."""
        with self._lock:
            self._fault, self._times = fault, times
            self._until = time.monotonic() + seconds if seconds is not None else None
        self._cut_all()
        if isinstance(fault, Refuse):
            self._close_listener()
        else:
            self._listen()

    def clear(self) -> None:
        self.set(None)

    def _take(self) -> Fault | None:
        """The fault for a new connection, counting it; None lets it through."""
        with self._lock:
            self.connections += 1
            if self._until is not None and time.monotonic() >= self._until:
                self._fault = None
            if self._fault is None or self._times == 0:
                return None
            if self._times is not None:
                self._times -= 1
            self.faulted += 1
            return self._fault

    def _refusing(self) -> bool:
        with self._lock:
            if self._until is not None and time.monotonic() >= self._until:
                self._fault = None
            return isinstance(self._fault, Refuse)

    # -- sockets ---------------------------------------------------------------------------------

    def _listen(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(128)
            listener.settimeout(0.05)
            self.port = listener.getsockname()[1]
            self._listener = listener

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def _cut_all(self) -> None:
        with self._lock:
            socks, self._open = self._open, set()
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            if time.monotonic() > self._deadline:
                self.stop()  # stops by itself, whatever the test did
                return
            if self._refusing():
                self._close_listener()
                time.sleep(0.02)
                continue
            self._listen()
            with self._lock:
                listener = self._listener
            if listener is None:
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            self._track(client)
            fault = self._take()
            threading.Thread(target=self._serve, args=(client, fault), daemon=True).start()

    def _serve(self, client: socket.socket, fault: Fault | None) -> None:
        try:
            if fault is None:
                self._pump(client)
            else:
                self._fault_one(client, fault)
        except OSError:
            pass
        finally:
            client.close()

    def _upstream(self) -> socket.socket:
        sock = socket.create_connection(self.upstream, timeout=10)
        self._track(sock)
        return sock

    def _pump(self, client: socket.socket) -> None:
        upstream = self._upstream()
        back = threading.Thread(target=_copy, args=(upstream, client, self._stop), daemon=True)
        back.start()
        _copy(client, upstream, self._stop)
        back.join(10)
        upstream.close()

    def _fault_one(self, client: socket.socket, fault: Fault) -> None:
        client.settimeout(0.05)
        request, _ = _read_request(client, b"", 0, self._stop)
        if request is None or isinstance(fault, Refuse):
            return
        if isinstance(fault, Blackhole):
            self._stop.wait(max(0.0, self._deadline - time.monotonic()))
            return
        if isinstance(fault, Status):
            headers = {"Content-Type": "text/plain"}
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            client.sendall(_encode(Reply(fault.status, b"fault", headers, close=True)))
            return
        answer = self._forward(request.method, request.path, request.headers, request.body)
        if isinstance(fault, Latency):
            if not self._stop.wait(fault.delay):
                client.sendall(answer)
        elif isinstance(fault, ResetMidResponse):
            client.sendall(answer[: fault.keep])
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RST)
        else:
            head, _, body = answer.partition(b"\r\n\r\n")
            client.sendall(head + b"\r\n\r\n" + body[: len(body) // 2])

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
        """The real server's whole answer to this request (sent with Connection: close)."""
        lines = [f"{method} {path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k != "connection"]
        lines.append("Connection: close")
        upstream = self._upstream()
        try:
            upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            chunks = []
            while chunk := upstream.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            upstream.close()


def _copy(source: socket.socket, target: socket.socket, stop: threading.Event) -> None:
    source.settimeout(0.1)
    while not stop.is_set():
        try:
            data = source.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
        if not data:
            break
        try:
            target.sendall(data)
        except OSError:
            break
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)
