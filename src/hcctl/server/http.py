"""HTTP plumbing: requests, responses, routing and the threaded keep-alive server.

Routing follows the real server's URL patterns (Django path converters), including what Django
does around them: a 404 HTML page for paths that match nothing, and a 301 to the same path with
a slash appended when only that one matches.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["Request", "Response", "Route", "Router", "serve_http"]

log = logging.getLogger("hcctl.server")

# Django refuses request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB) with a 400 page.
MAX_BODY = 2_621_440

# Django's path converters.
UUID = r"(?P<code>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
SLUG = r"[-a-zA-Z0-9_]+"
SHA1 = r"(?P<unique_key>[A-z0-9]{40})"
INT = r"[0-9]+"

_ERROR_PAGE = """
<!doctype html>
<html lang="en">
<head>
  <title>{title}</title>
</head>
<body>
  <h1>{title}</h1><p>{details}</p>
</body>
</html>
"""
HTML = "text/html; charset=utf-8"
# Headers Django's middleware adds to every response of the real server.
_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass
class Request:
    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, list[str]]
    headers: Message
    body: bytes | None  # None when the body was too large to accept
    remote_addr: str
    raw_query: str = ""

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, as Django's QueryDict.get does."""
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)


def text(body: str, status: int = 200) -> Response:
    return Response(status, body.encode())


def json_response(data: Any, status: int = 200) -> Response:
    # Django's JsonResponse: json.dumps with its default separators.
    return Response(status, json.dumps(data).encode(), "application/json")


def error(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


def not_found_page() -> Response:
    details = "The requested resource was not found on this server."
    return text(_ERROR_PAGE.format(title="Not Found", details=details), 404)


def bad_request_page() -> Response:
    return text(_ERROR_PAGE.format(title="Bad Request (400)", details=""), 400)


def never_cache(response: Response) -> Response:
    response.headers["Expires"] = formatdate(usegmt=True)
    response.headers["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    return response


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    handler: Handler
    extra: dict[str, Any]
    cors: tuple[str, ...] | None  # the methods a CORS-wrapped view allows; None: any


class Router:
    """Ordered URL patterns; the first full match wins, as in Django's URL resolver."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self, pattern: str, handler: Handler, *, cors: tuple[str, ...] | None = None, **extra: Any
    ) -> None:
        self.routes.append(Route(re.compile(pattern), handler, extra, cors))

    def match(self, path: str) -> tuple[Route, dict[str, Any]] | None:
        for route in self.routes:
            found = route.pattern.fullmatch(path)
            if found:
                return route, {**found.groupdict(), **route.extra}
        return None

    def dispatch(self, request: Request) -> Response:
        found = self.match(request.path)
        if found is None:
            if not request.path.endswith("/") and self.match(request.path + "/"):
                # Django's CommonMiddleware (APPEND_SLASH) redirects when only that matches.
                location = (
                    request.path + "/" + ("?" + request.raw_query if request.raw_query else "")
                )
                return Response(301, headers={"Location": location})
            return not_found_page()
        route, params = found
        if route.cors is None:
            return route.handler(request, **params)
        return _with_cors(route, request, params)


def _with_cors(route: Route, request: Request, params: dict[str, Any]) -> Response:
    if request.method == "OPTIONS":
        response = Response(204)
    elif request.method in (route.cors or ()):
        response = route.handler(request, **params)
    else:
        response = Response(405)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "X-Api-Key"
    response.headers["Access-Control-Allow-Methods"] = ", ".join((*(route.cors or ()), "OPTIONS"))
    response.headers["Access-Control-Max-Age"] = "600"
    return response


# --- the socket server ------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], router: Router, on_finish: Callable[[], None]
    ) -> None:
        self.router = router
        self.on_finish = on_finish
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut every open keep-alive connection, as a stopped server would."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hcctl-local-healthchecks"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end after this
    # Headers and body go out in two writes; with Nagle on, the body of every answer on a kept
    # alive connection waits for the client's delayed ACK (~40 ms). Real servers set it too.
    disable_nagle_algorithm = True
    server: _Server

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.on_finish()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def __getattr__(self, name: str) -> Any:
        # Every method (GET, POST, PUT, PATCH, HEAD, OPTIONS, DELETE, ...) goes to dispatch.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        started = time.perf_counter()
        request = self._read_request()
        if request.body is None:
            # Too large: refused unread, and the connection closed since its rest is unread.
            response = bad_request_page()
            self.close_connection = True
        else:
            response = self._respond(request)
        self._write(request, response)
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s %d %.1fms", request.method, _loggable(request.path), response.status, elapsed
        )

    def _respond(self, request: Request) -> Response:
        try:
            return self.server.router.dispatch(request)
        except Exception:
            log.exception("internal error on %s %s", request.method, _loggable(request.path))
            return Response(500, b"<h1>Server Error (500)</h1>")

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        return Request(
            method=self.command,
            path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,
            body=self._read_body(),
            remote_addr=self.client_address[0] if self.client_address else "",
            raw_query=parts.query,
        )

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, request: Request, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in {**response.headers, **_SECURITY_HEADERS}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if request.method != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The standard log line includes the raw path with ping keys; we log our own line.
        pass


_PING_KEY_PATH = re.compile(r"^/ping/(?!" + UUID[len("(?P<code>") : -1] + r")([^/]+)/")


def _loggable(path: str) -> str:
    """The path with any ping key masked: it is a secret."""
    return _PING_KEY_PATH.sub("/ping/***/", path)


def serve_http(host: str, port: int, router: Router, on_finish: Callable[[], None]) -> _Server:
    """Bind now; the caller runs `serve_forever()`. `on_finish` runs as each client leaves."""
    return _Server((host, port), router, on_finish)
