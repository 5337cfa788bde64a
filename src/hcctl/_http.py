"""The HTTP seam of the ping clients: one small interface, three transports.

`StdlibTransport` is the default. It sits on http.client with a few kept-alive connections per
host, because a ping must be cheap to start: importing httpx costs about 230 ms here (it pulls
click and rich through httpx._main when they are installed), several times a whole ping, while
http.client is what any Python program that speaks HTTP pays anyway. `HttpxTransport` and
`AsyncHttpxTransport` wrap a client the caller injects (proxies, custom TLS, tests).

Every transport raises only `hcctl.errors.TransportError`, whose message names the host and port
but never the path: slug ping URLs carry the ping key.
"""

from __future__ import annotations

import threading

from hcctl.__about__ import __version__
from hcctl.errors import TransportError

TYPE_CHECKING = False  # typing costs an import on every `hcctl ping`; mypy knows this name.
if TYPE_CHECKING:
    import http.client
    import logging
    import ssl

    import httpx

__all__ = ["USER_AGENT", "AsyncHttpxTransport", "HttpxTransport", "Response", "StdlibTransport"]

USER_AGENT = f"hcctl/{__version__}"
_MAX_BODY = 65536  # ping answers are a few bytes; never buffer an unbounded reply
_STALE_ERRORS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class Response:
    """A finished HTTP response: status, headers (lowercase names) and the body read."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def text(self, limit: int = 200) -> str:
        """The body as one short line, for error messages."""
        return " ".join(self.body[:limit].decode("utf-8", "replace").split())


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an absolute http(s) URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        raise TransportError(f"not an http(s) URL: {scheme}://…")
    netloc, slash, path = rest.partition("/")
    netloc = netloc.rpartition("@")[2]
    if netloc.startswith("["):  # IPv6 literal
        host, _, port = netloc[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = netloc.partition(":")
    if not host or (port and not port.isdigit()):
        raise TransportError(f"not a valid host in a ping URL: {netloc}")
    default = 443 if scheme == "https" else 80
    return scheme, host, int(port) if port else default, (slash + path) or "/"


class StdlibTransport:
    """Synchronous HTTP/1.1 over http.client, reusing up to `max_idle` connections per host.

    Thread-safe: a connection is used by one request at a time, then handed back.
    """

    def __init__(self, *, max_idle: int = 4) -> None:
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._ssl_context: ssl.SSLContext | None = None

    def request(self, method: str, url: str, *, body: bytes, timeout: float) -> Response:
        scheme, host, port, path = split_url(url)
        origin = (scheme, host, port)
        conn, reused = self._checkout(origin, timeout)
        try:
            return self._exchange(conn, origin, method, path, body)
        except Exception as exc:  # OSError (refused, reset, timeout, TLS), HTTPException
            conn.close()
            if not (reused and _is_stale(exc)):
                raise _transport_error(host, port, exc) from exc
        # A kept-alive connection the server had closed meanwhile: one fresh try, no delay.
        fresh = self._connect(origin, timeout)
        try:
            return self._exchange(fresh, origin, method, path, body)
        except Exception as exc:
            fresh.close()
            raise _transport_error(host, port, exc) from exc

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def after_fork(self) -> None:
        """In a forked child: forget the parent's connections, never write to them."""
        self._lock = threading.Lock()
        for conns in self._idle.values():
            for conn in conns:
                conn.close()  # closes this process's descriptor only
        self._idle = {}

    def _checkout(
        self, origin: tuple[str, str, int], timeout: float
    ) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            conns = self._idle.get(origin)
            conn = conns.pop() if conns else None
        if conn is None:
            return self._connect(origin, timeout), False
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn, True

    def _connect(self, origin: tuple[str, str, int], timeout: float) -> http.client.HTTPConnection:
        import http.client

        scheme, host, port = origin
        if scheme == "http":
            return http.client.HTTPConnection(host, port, timeout=timeout)
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._tls())

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            import ssl

            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        origin: tuple[str, str, int],
        method: str,
        path: str,
        body: bytes,
    ) -> Response:
        headers = {"User-Agent": USER_AGENT, "Content-Length": str(len(body))}
        if body:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read(_MAX_BODY)
        answer = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        if resp.will_close or not resp.isclosed():
            conn.close()
        else:
            self._checkin(origin, conn)
        return answer

    def _checkin(self, origin: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            conns = self._idle.setdefault(origin, [])
            if len(conns) < self._max_idle:
                conns.append(conn)
                return
        conn.close()


def _is_stale(exc: BaseException) -> bool:
    # RemoteDisconnected (a ConnectionResetError) and a broken pipe on a reused connection mean
    # the server closed it while idle: nothing was processed, so sending again is safe.
    return isinstance(exc, _STALE_ERRORS)


def _transport_error(host: str, port: int, exc: BaseException) -> TransportError:
    return TransportError(f"could not reach {host}:{port}: {_describe(exc)}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "connection reset"
    name = type(exc).__name__
    if name == "IncompleteRead":
        return "connection closed mid-response"
    if name == "RemoteDisconnected":
        return "connection closed without a response"
    text = getattr(exc, "strerror", None) or str(exc)
    return f"{name}: {text}" if text else name


def hide_in_httpx_logs(secret: str | None) -> None:
    """httpx logs each request's URL at INFO; a slug ping's URL holds the ping key."""
    if not secret or secret in _hidden:
        return
    import logging

    _hidden.add(secret)
    logging.getLogger("httpx").addFilter(_Redact(secret))


_hidden: set[str] = set()


class _Redact:
    """A logging filter replacing a secret in a record's message and arguments by ***."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(arg) for arg in record.args)
        record.msg = self._clean(record.msg)
        return True

    def _clean(self, value: object) -> object:
        text = str(value)
        return text.replace(self.secret, "***") if self.secret in text else value


class HttpxTransport:
    """The same interface over a caller's `httpx.Client` (kept open; the caller closes it)."""

    def __init__(self, client: httpx.Client, *, secret: str | None = None) -> None:
        self._client = client
        hide_in_httpx_logs(secret)

    def request(self, method: str, url: str, *, body: bytes, timeout: float) -> Response:
        import httpx

        headers = {"User-Agent": USER_AGENT}
        try:
            resp = self._client.request(method, url, content=body, headers=headers, timeout=timeout)
        except httpx.HTTPError as exc:
            raise _httpx_error(exc) from exc
        return Response(resp.status_code, dict(resp.headers.items()), resp.content[:_MAX_BODY])

    def close(self) -> None:
        """The injected client belongs to the caller."""

    def after_fork(self) -> None:
        """httpx pools are the caller's; nothing of ours to reset."""


class AsyncHttpxTransport:
    """The asynchronous interface over an `httpx.AsyncClient`, owned or injected."""

    def __init__(
        self, client: httpx.AsyncClient | None = None, *, secret: str | None = None
    ) -> None:
        import httpx

        hide_in_httpx_logs(secret)
        self._owned = client is None
        self._client = client if client is not None else httpx.AsyncClient()

    async def request(self, method: str, url: str, *, body: bytes, timeout: float) -> Response:
        import httpx

        headers = {"User-Agent": USER_AGENT}
        try:
            resp = await self._client.request(
                method, url, content=body, headers=headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise _httpx_error(exc) from exc
        return Response(resp.status_code, dict(resp.headers.items()), resp.content[:_MAX_BODY])

    async def aclose(self) -> None:
        if self._owned:
            await self._client.aclose()


def _httpx_error(exc: httpx.HTTPError) -> TransportError:
    import contextlib

    import httpx

    where = "the server"
    with contextlib.suppress(RuntimeError):  # no request attached
        where = f"{exc.request.url.host}:{exc.request.url.port or ''}".rstrip(":")
    reason = "timed out" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
    return TransportError(f"could not reach {where}: {reason}")
