"""Tiny real HTTP servers for fault tests: canned status, latency, resets, hangs.

    with FaultServer([Reply(500), Reply(200)]) as server:
        ...  # the first request gets a 500, every later one a 200
        assert server.paths() == ["/ping/…", "/ping/…"]

Each connection runs in its own thread and is kept alive (HTTP/1.1) unless a reply says close.
`stop()` closes the port (clients then get "connection refused"); `start()` opens the same
port again.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["FaultServer", "Hang", "Reply", "Request", "Reset", "free_port"]


@dataclass(frozen=True)
class Reply:
    """Answer with this status and body after `delay` seconds."""

    status: int = 200
    body: bytes = b"OK"
    headers: dict[str, str] = field(default_factory=lambda: {"Ping-Body-Limit": "10000"})
    delay: float = 0.0
    close: bool = False  # say "Connection: close", then close
    drop: bool = False  # close the connection silently after answering (a stale keep-alive)


@dataclass(frozen=True)
class Reset:
    """Send `partial` bytes of an answer, then reset the connection (RST)."""

    partial: bytes = b""


@dataclass(frozen=True)
class Hang:
    """Never answer: the client must time out."""


Action = Reply | Reset | Hang


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    connection: int  # which accepted connection carried it, from 1


def free_port() -> int:
    """A port nothing listens on (connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FaultServer:
    def __init__(
        self, script: Sequence[Action] | Callable[[Request], Action] | Action = Reply()
    ) -> None:
        self._script = script
        self._served = 0
        self.requests: list[Request] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ping_url(self) -> str:
        return f"{self.url}/ping/"

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def __enter__(self) -> FaultServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stop = threading.Event()
        self._spawn(self._accept_loop, listener, self._stop)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._threads = []
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            sock.close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        """Wait until `count` requests have arrived; return them all."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} requests, got {len(self.requests)}")

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
                self._socks.append(sock)
            self._spawn(self._serve, sock, number, stop)

    def _serve(self, sock: socket.socket, number: int, stop: threading.Event) -> None:
        sock.settimeout(0.05)
        buffer = b""
        try:
            while not stop.is_set():
                request, buffer = _read_request(sock, buffer, number, stop)
                if request is None:
                    return
                if not self._answer(sock, request, stop):
                    return
        except OSError:
            return
        finally:
            sock.close()

    def _answer(self, sock: socket.socket, request: Request, stop: threading.Event) -> bool:
        with self._lock:
            self.requests.append(request)
            action = self._next_action(request)
        if callable(action):  # a script function runs outside the lock: it may block
            action = action(request)
        if isinstance(action, Hang):
            stop.wait()
            return False
        if isinstance(action, Reset):
            sock.sendall(action.partial)
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            return False
        if action.delay and stop.wait(action.delay):
            return False
        sock.sendall(_encode(action))
        return not (action.close or action.drop)

    def _next_action(self, request: Request) -> Action | Callable[[Request], Action]:
        script = self._script
        if callable(script):
            return script
        if isinstance(script, Reply | Reset | Hang):
            return script
        index = min(self._served, len(script) - 1)
        self._served += 1
        return script[index]


def _encode(reply: Reply) -> bytes:
    lines = [f"HTTP/1.1 {reply.status} Status", f"Content-Length: {len(reply.body)}"]
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    if reply.close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + reply.body


def _read_request(
    sock: socket.socket, buffer: bytes, number: int, stop: threading.Event
) -> tuple[Request | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = _recv(sock, stop)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    first, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = first.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length:
        chunk = _recv(sock, stop)
        if not chunk:
            return None, b""
        buffer += chunk
    body, buffer = buffer[:length], buffer[length:]
    return Request(method, path, headers, body, number), buffer


def _recv(sock: socket.socket, stop: threading.Event) -> bytes:
    while not stop.is_set():
        try:
            return sock.recv(65536)
        except TimeoutError:
            continue
    return b""
