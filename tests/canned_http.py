"""A tiny real HTTP server on 127.0.0.1 that answers from a list of canned answers.

For faults the local server does not make: 5xx, 429 with Retry-After, slow answers, connections
reset before any answer, malformed bodies. It records every request it received.

    with CannedServer(Answer(503), json_answer(200, {"checks": []})) as server:
        HealthchecksApi(server.url, KEY).list_checks()
        assert len(server.received) == 2

The last answer repeats once the list is used up.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any, Self


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    reset: bool = False  # drop the connection (TCP reset) instead of answering
    close: bool = False  # answer, then close the connection unannounced (a keep-alive timeout)
    unread: bool = False  # with reset: reset once the head is read, before the body


def json_answer(status: int, data: object, headers: dict[str, str] | None = None) -> Answer:
    extra = {"Content-Type": "application/json", **(headers or {})}
    return Answer(status, json.dumps(data).encode(), extra)


@dataclass(frozen=True)
class Received:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # names in lowercase
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class CannedServer:
    """Serves the answers in order, one per request, on a thread per connection."""

    def __init__(self, *answers: Answer) -> None:
        self._answers = list(answers) or [Answer()]
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/api/v3/"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @property
    def connections(self) -> int:
        """How many connections were accepted."""
        return len(self._conns)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        # shutdown() wakes the threads blocked in accept() and recv(); close() alone does not.
        for sock in [self._sock, *self._conns]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def _next_answer(self) -> Answer:
        with self._lock:
            return self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            reader = conn.makefile("rb")
            while (head := _read_head(reader)) is not None:
                answer = self._next_answer()
                body = b"" if answer.unread else _read_body(reader, head)
                with self._lock:
                    self.received.append(Received(*head, body))
                if not self._answer(conn, answer):
                    return

    def _answer(self, conn: socket.socket, answer: Answer) -> bool:
        if answer.delay and self._stop.wait(answer.delay):
            return False
        if answer.reset:
            # Linger 0: close sends a TCP reset, as a crashing proxy would.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        headers = {"Content-Length": str(len(answer.body)), **answer.headers}
        head = f"HTTP/1.1 {answer.status} Canned\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        try:
            conn.sendall(head.encode() + b"\r\n" + answer.body)
            if answer.close:
                # Half-close and read no more, without a reset: a request sent on this
                # connection is accepted by the kernel and never answered.
                conn.shutdown(socket.SHUT_WR)
                self._stop.wait()
                return False
        except OSError:
            return False  # the client gave up waiting
        return True


def _read_head(reader: Any) -> tuple[str, str, dict[str, str]] | None:
    try:
        line = reader.readline()
        if not line.strip():
            return None
        method, target, _ = line.decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
    except (OSError, ValueError):
        return None
    return method, target, headers


def _read_body(reader: Any, head: tuple[str, str, dict[str, str]]) -> bytes:
    try:
        data: bytes = reader.read(int(head[2].get("content-length", "0")))
    except (OSError, ValueError):
        return b""
    return data


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
