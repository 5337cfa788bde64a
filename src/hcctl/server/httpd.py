"""The socket side: a threaded HTTP/1.1 server with keep-alive, one thread per connection.

A lean parser of our own rather than `http.server`: its header parsing (the email package) cost
more than recording a ping, and the local server must not be the bottleneck of a benchmark.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from io import BufferedIOBase
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from hcctl.server.http import (
    MAX_BODY,
    Headers,
    Request,
    Response,
    Router,
    bad_request_page,
    http_date,
    loggable,
)

__all__ = ["HttpServer"]

log = logging.getLogger("hcctl.server")

MAX_LINE = 65_536
MAX_HEADERS = 100
_REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}
# Headers Django's middleware adds to every response of the real server.
_FIXED_HEADERS = (
    b"Server: hcctl-local-healthchecks\r\n"
    b"X-Content-Type-Options: nosniff\r\n"
    b"Referrer-Policy: same-origin\r\n"
    b"Cross-Origin-Opener-Policy: same-origin\r\n"
)


class _BadRequest(Exception):
    """The bytes on the connection are not an HTTP request we can answer."""


class HttpServer(socketserver.ThreadingTCPServer):
    """Serves `router`; `on_finish` runs in a connection's thread as the client leaves."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], router: Router, on_finish: Callable[[], None]
    ) -> None:
        self.router = router
        self.on_finish = on_finish
        self.connections: set[socket.socket] = set()
        self.handlers: set[threading.Thread] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Connection)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.handlers.add(threading.current_thread())
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.handlers.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self, timeout: float = 5.0) -> None:
        """Cut every open keep-alive connection, as a stopped server would, and wait (up to
        `timeout`) for the requests being answered to finish."""
        with self.connections_lock:
            connections, handlers = list(self.connections), list(self.handlers)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in handlers:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Connection(socketserver.StreamRequestHandler):
    timeout = 120  # an idle keep-alive connection ends after this
    disable_nagle_algorithm = True  # small responses must not wait for a delayed ACK
    server: HttpServer

    def handle(self) -> None:
        try:
            while self._serve_one():
                pass
        except (ConnectionError, TimeoutError, OSError):
            pass
        finally:
            self.server.on_finish()

    def _serve_one(self) -> bool:
        """Answer one request; False when the connection must end."""
        try:
            head = _read_head(self.rfile)
        except _BadRequest:
            self._send(Response(400, b"Bad Request"), head_only=False, keep_alive=False)
            return False
        if head is None:
            return False
        method, target, version, headers = head
        keep_alive = _keep_alive(version, headers)
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(f"{version} 100 Continue\r\n\r\n".encode())
        try:
            body = _read_body(self.rfile, headers)
        except _BadRequest:
            body, keep_alive = None, False
        started = time.perf_counter()
        request = _request(method, target, headers, body, self.client_address)
        if body is None:
            # Too large: refused unread, so the connection cannot be reused.
            response, keep_alive = bad_request_page(), False
        else:
            response = self._respond(request)
        self._send(response, head_only=method == "HEAD", keep_alive=keep_alive)
        elapsed = (time.perf_counter() - started) * 1000
        if log.isEnabledFor(logging.INFO):
            path = loggable(request.path)
            log.info("%s %s %d %.1fms", method, path, response.status, elapsed)
        return keep_alive

    def _respond(self, request: Request) -> Response:
        try:
            return self.server.router.dispatch(request)
        except Exception:
            # Logged here; the client gets no traceback, as with the real server's DEBUG off.
            log.exception("internal error on %s %s", request.method, loggable(request.path))
            return Response(500, b"<h1>Server Error (500)</h1>")

    def _send(self, response: Response, *, head_only: bool, keep_alive: bool) -> None:
        reason = _REASONS.get(response.status, "Unknown")
        lines = [
            f"HTTP/1.1 {response.status} {reason}\r\n",
            f"Date: {http_date()}\r\n",
            f"Content-Type: {response.content_type}\r\n",
            f"Content-Length: {len(response.body)}\r\n",
        ]
        lines += [f"{name}: {value}\r\n" for name, value in response.headers.items()]
        if not keep_alive:
            lines.append("Connection: close\r\n")
        if response.frame_options:
            lines.append("X-Frame-Options: DENY\r\n")
        data = "".join(lines).encode("latin-1") + _FIXED_HEADERS + b"\r\n"
        # One write for head and body: a second small write could wait on a delayed ACK.
        self.wfile.write(data if head_only else data + response.body)


def _read_head(rfile: BufferedIOBase) -> tuple[str, str, str, Headers] | None:
    """(method, target, version, headers), None at a clean end of the connection."""
    line = rfile.readline(MAX_LINE + 1)
    while line in (b"\r\n", b"\n"):  # tolerate blank lines between requests
        line = rfile.readline(MAX_LINE + 1)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(line) > MAX_LINE or len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(line[:100])
    headers = Headers()
    for _ in range(MAX_HEADERS + 1):
        raw = rfile.readline(MAX_LINE + 1)
        if raw in (b"\r\n", b"\n", b""):
            return parts[0], parts[1], parts[2], headers
        name, sep, value = raw.decode("latin-1").partition(":")
        if not sep or len(raw) > MAX_LINE:
            raise _BadRequest(raw[:100])
        key, value = name.strip().lower(), value.strip()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    raise _BadRequest("too many headers")


def _keep_alive(version: str, headers: Headers) -> bool:
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        return connection == "keep-alive"
    return connection != "close"


def _read_body(rfile: BufferedIOBase, headers: Headers) -> bytes | None:
    """The body; None when it is over the limit (left unread)."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _read_chunked(rfile)
    try:
        length = int(headers.get("content-length") or 0)
    except ValueError as exc:
        raise _BadRequest("bad Content-Length") from exc
    if length > MAX_BODY:
        return None
    return _read_exactly(rfile, length)


def _read_exactly(rfile: BufferedIOBase, size: int) -> bytes:
    # A client killed mid-request sends part of its body, then EOF: that request was never
    # made, and acting on what arrived would create a check from an empty body.
    data = rfile.read(size) if size > 0 else b""
    if len(data) < size:
        raise ConnectionAbortedError("the client closed the connection mid-body")
    return data


def _read_chunked(rfile: BufferedIOBase) -> bytes | None:
    chunks: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(MAX_LINE)
        if not line:
            raise ConnectionAbortedError("the client closed the connection mid-body")
        try:
            size = int(line.split(b";")[0].strip() or b"0", 16)
        except ValueError as exc:
            raise _BadRequest("bad chunk size") from exc
        if size == 0:
            while rfile.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        total += size
        if total > MAX_BODY:
            return None
        chunks.append(_read_exactly(rfile, size))
        rfile.readline(MAX_LINE)


def _request(
    method: str, target: str, headers: Headers, body: bytes | None, client: Any
) -> Request:
    remote_addr = str(client[0]) if client else ""
    if target[:1] == "/" and target[1:2] != "/" and "?" not in target and "#" not in target:
        # The usual ping: a plain path, nothing for urlsplit and parse_qs to find.
        path = unquote(target, errors="replace")
        return Request(method, path, {}, headers, body, remote_addr)
    parts = urlsplit(target)
    return Request(
        method=method,
        path=unquote(parts.path, errors="replace"),
        query=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
        body=body,
        remote_addr=remote_addr,
        raw_query=parts.query,
    )
