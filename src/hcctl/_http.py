"""The HTTP seam of the ping and API clients: one small interface, three transports.

`StdlibTransport` is the default. It sits on http.client with a few kept-alive connections per
host. A ping must be cheap to start: importing httpx costs about 230 ms here (it pulls click and
rich through httpx._main when they are installed), several times a whole ping, while
http.client is what any Python program that speaks HTTP pays anyway. An apply must be cheap per
request: apply's threads share one GIL, and a create costs the API client about 0.55 ms of CPU
on httpx against 0.22 ms on http.client (bench/RESULTS.md). `HttpxTransport` and
`AsyncHttpxTransport` wrap a client the caller injects (proxies, custom TLS, tests), and
`default_transport` hands requests to httpx when the environment names a proxy, as httpx
honours HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY and http.client does not.

Every transport raises only `Failure`, an `hcctl.errors.TransportError` whose message names the
host and port but never the path (slug ping URLs carry the ping key), and whose `stage` tells
whether the server may have acted on the request.
"""

from __future__ import annotations

import os
import threading

from hcctl.__about__ import __version__
from hcctl.errors import TransportError

TYPE_CHECKING = False  # typing costs an import on every `hcctl ping`; mypy knows this name.
if TYPE_CHECKING:
    import http.client
    import logging
    import socket
    import ssl
    from collections.abc import Mapping
    from typing import Literal, Protocol

    import httpx

    Stage = Literal["connect", "send", "read", "decode"]

    class SyncTransport(Protocol):
        """What the ping and API clients need of a synchronous transport."""

        def request(
            self,
            method: str,
            url: str,
            *,
            body: bytes,
            timeout: float,
            headers: Mapping[str, str] | None = ...,
            max_body: int = ...,
            resend: bool = ...,
            whole: bool = ...,
        ) -> Response: ...
        def close(self) -> None: ...
        def after_fork(self) -> None: ...


__all__ = [
    "USER_AGENT",
    "AsyncHttpxTransport",
    "Failure",
    "HttpxTransport",
    "Response",
    "StdlibTransport",
    "default_transport",
    "env_proxy",
]

USER_AGENT = f"hcctl/{__version__}"
_MAX_BODY = 65536  # ping answers are a few bytes; never buffer an unbounded reply
# On a reused connection: the server closed it as the request went (RemoteDisconnected is a
# ConnectionResetError too).
_STALE_ERRORS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class Failure(TransportError):
    """A request that got no usable answer, and how far it went.

    `stage` is "connect" (nothing was sent), "send" (the request was not written whole, so the
    server cannot have acted on it: repeating it is safe), "read" (it was written whole: the
    server may have acted on it), or "decode" (an answer came whose body could not be decoded).
    `detail` is a short reason that holds no URL, header or secret.
    """

    def __init__(self, message: str, *, stage: Stage, detail: str, timed_out: bool) -> None:
        super().__init__(message)
        self.stage: Stage = stage
        self.detail = detail
        self.timed_out = timed_out


class Response:
    """A finished HTTP response: status, reason, headers (lowercase names), the decoded body."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes, reason: str = "") -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.reason = reason

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


def default_transport(url: str, *, max_idle: int = 4, secret: str | None = None) -> SyncTransport:
    """http.client for `url`'s host, or httpx when the environment sends it through a proxy.

    Never raises: a proxy httpx cannot use (socks5:// without httpx[socks], an unknown scheme)
    is logged, and requests go straight to the host, as they did before any proxy was named.
    """
    if not env_proxy(url):
        return StdlibTransport(max_idle=max_idle)
    import httpx

    try:
        client = httpx.Client(follow_redirects=False)
    except (ImportError, ValueError) as exc:
        import logging

        # An ImportError names the missing extra; a ValueError may quote the proxy's password.
        reason = str(exc) if isinstance(exc, ImportError) else "its URL is not one httpx takes"
        logging.getLogger("hcctl").warning(
            "the proxy the environment names cannot be used (%s): connecting directly", reason
        )
        return StdlibTransport(max_idle=max_idle)
    return HttpxTransport(client, secret=secret, owned=True)


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def env_proxy(url: str) -> bool:
    """Whether the environment names a proxy for `url` (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY)."""
    # Most machines name none: then this costs two dictionary look-ups a variable, and a ping
    # never imports urllib.request.
    if not any(os.environ.get(n) or os.environ.get(n.upper()) for n in _PROXY_VARIABLES):
        return False
    import urllib.request

    try:
        scheme, host, port, _ = split_url(url)
    except TransportError:
        return False  # reported when a request is made
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    bypassed: bool = urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
        f"{host}:{port}", proxies
    )
    return not bypassed


def ping_headers(body: bytes) -> dict[str, str]:
    """The headers of a ping: who sends it and, with a body, that it is text."""
    headers = {"User-Agent": USER_AGENT}
    if body:
        headers["Content-Type"] = "text/plain; charset=utf-8"
    return headers


class _Call:
    """One request as the stdlib transport sends it, on whichever connection."""

    __slots__ = ("body", "headers", "max_body", "method", "origin", "path", "whole")

    def __init__(
        self,
        url: str,
        method: str,
        body: bytes,
        headers: dict[str, str],
        max_body: int,
        whole: bool,
    ) -> None:
        scheme, host, port, self.path = split_url(url)
        self.origin = (scheme, host, port)
        self.method = method
        self.body = body
        self.headers = headers
        self.headers["Content-Length"] = str(len(body))
        auth = _basic_auth(url)
        if auth is not None and "Authorization" not in headers:
            self.headers["Authorization"] = auth
        self.max_body = max_body
        self.whole = whole


class StdlibTransport:
    """Synchronous HTTP/1.1 over http.client, reusing up to `max_idle` connections per host.

    Thread-safe: a connection is used by one request at a time, then handed back. A kept-alive
    connection the server has closed meanwhile is never used again; one it closes in the very
    moment a request goes out is replaced once by a new connection, when `resend` allows or the
    request was not written whole.
    """

    def __init__(self, *, max_idle: int = 4) -> None:
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._ssl_context: ssl.SSLContext | None = None
        self._closed = False

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        max_body: int = _MAX_BODY,
        resend: bool = True,
        whole: bool = False,
    ) -> Response:
        """Send one request; `headers` default to a ping's, `max_body` caps what is read.

        `resend=False` for a request that must not reach the server twice. `whole=True` when
        the body matters: one cut short by the server is then a Failure, not a shorter body (a
        ping's status line is its receipt). A password in the URL goes as Basic authentication.
        """
        sent = dict(headers) if headers is not None else ping_headers(body)
        call = _Call(url, method, body, sent, max_body, whole)
        conn, reused = self._checkout(call.origin, timeout)
        try:
            return self._attempt(conn, reused, call)
        except Failure as failure:
            stale = reused and isinstance(failure.__cause__, _STALE_ERRORS)
            if not (stale and (resend or failure.stage == "send")):
                raise
        # A kept-alive connection the server closed as the request went: once more, afresh.
        return self._attempt(self._connect(call.origin, timeout), False, call)

    def close(self) -> None:
        """Close the idle connections; one still carrying a request is closed when it ends."""
        with self._lock:
            idle, self._idle, self._closed = self._idle, {}, True
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
        while True:
            with self._lock:
                conns = self._idle.get(origin)
                conn = conns.pop() if conns else None
            if conn is None:
                return self._connect(origin, timeout), False
            if conn.sock is None or _closed_by_peer(conn.sock):
                conn.close()
                continue
            conn.timeout = timeout
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
            self._ssl_context = tls_context()
        return self._ssl_context

    def _attempt(self, conn: http.client.HTTPConnection, reused: bool, call: _Call) -> Response:
        stage: Stage = "send" if reused else "connect"
        try:
            if not reused:
                _open(conn)
                stage = "send"
            conn.request(call.method, call.path, body=call.body, headers=call.headers)
            stage = "read"
            return self._answer(conn, call)
        except Exception as exc:  # OSError (refused, reset, timeout, TLS), HTTPException
            conn.close()
            if isinstance(exc, Failure):
                raise
            raise _failure(call.origin, exc, stage) from exc

    def _answer(self, conn: http.client.HTTPConnection, call: _Call) -> Response:
        resp = conn.getresponse()
        data = _read_body(resp, call.max_body, whole=call.whole)
        if call.whole and len(data) >= call.max_body and resp.read(1):
            raise _unreadable(call, f"the answer is larger than {call.max_body} bytes")
        headers = {k.lower(): v for k, v in resp.getheaders()}
        data = _decoded(data, headers, call)
        if resp.will_close or not resp.isclosed():
            conn.close()  # the server says so, or the body was longer than max_body
        else:
            self._checkin(call.origin, conn)
        return Response(resp.status, headers, data, resp.reason)

    def _checkin(self, origin: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            conns = None if self._closed else self._idle.setdefault(origin, [])
            if conns is not None and len(conns) < self._max_idle:
                conns.append(conn)
                return
        conn.close()


def tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's authorities (SSL_CERT_FILE and SSL_CERT_DIR
    are honoured), or certifi's bundle on a system that has none."""
    import ssl

    context = ssl.create_default_context()
    if not context.cert_store_stats()["x509_ca"]:
        try:
            import certifi
        except ImportError:  # pragma: no cover - certifi comes with httpx
            return context
        context.load_verify_locations(cafile=certifi.where())
    return context


def _open(conn: http.client.HTTPConnection) -> None:
    import socket  # loaded by http.client already; not at import, which a ping pays

    conn.connect()
    # http.client writes a request's head and body separately: with Nagle's algorithm on, the
    # body waits for the server to acknowledge the head, which it may delay by 40 ms or more.
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _closed_by_peer(sock: socket.socket) -> bool:
    # An idle kept-alive connection has nothing to read: readable means the server closed it
    # (or broke the protocol), so it must not carry a request. poll, not select: select cannot
    # watch a descriptor past 1023, which a busy service reaches.
    import select

    try:
        if not hasattr(select, "poll"):  # Windows
            return bool(select.select([sock], [], [], 0)[0])
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def _read_body(resp: http.client.HTTPResponse, max_body: int, *, whole: bool) -> bytes:
    """Up to `max_body` bytes of the body, in pieces (no buffer of max_body bytes up front)."""
    chunks: list[bytes] = []
    size = 0
    while size < max_body:
        chunk = resp.read(min(65536, max_body - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    if whole and resp.length and size < max_body:
        # http.client returns what came when the server closes early, without a word.
        import http.client

        raise http.client.IncompleteRead(data, resp.length)
    return data


def _basic_auth(url: str) -> str | None:
    """The Authorization header for a URL's `user:password@`, None without one."""
    netloc = url.partition("://")[2].partition("/")[0]
    userinfo, at, _ = netloc.rpartition("@")
    if not at:
        return None
    import base64
    from urllib.parse import unquote

    return "Basic " + base64.b64encode(unquote(userinfo).encode()).decode()


def _decoded(data: bytes, headers: dict[str, str], call: _Call) -> bytes:
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("identity", ""):
        return data
    headers.pop("content-encoding")
    import zlib

    try:
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise ValueError(f"unsupported Content-Encoding {encoding[:20]!r}")
        wbits = 47 if encoding != "deflate" else 15  # 47: gzip or zlib header, detected
        decoder = zlib.decompressobj(wbits)
        decoded = decoder.decompress(data, call.max_body)  # a bomb stops at max_body
        if call.whole and not decoder.eof:
            if len(decoded) < call.max_body:
                raise ValueError("the compressed body ends early")
            raise ValueError(f"the answer is larger than {call.max_body} bytes")
        return decoded
    except (zlib.error, ValueError) as exc:
        raise _unreadable(call, str(exc)) from exc


def _unreadable(call: _Call, reason: str) -> Failure:
    _, host, port = call.origin
    return Failure(
        f"could not read the answer of {host}:{port}: {reason}",
        stage="decode",
        detail=reason,
        timed_out=False,
    )


def _failure(origin: tuple[str, str, int], exc: BaseException, stage: Stage) -> Failure:
    _, host, port = origin
    return Failure(
        f"could not reach {host}:{port}: {_describe(exc)}",
        stage=stage,
        detail=_detail(exc),
        timed_out=isinstance(exc, TimeoutError),
    )


def _detail(exc: BaseException) -> str:
    # What the API client shows after "could not connect": the OS's own words, as httpx gives.
    if type(exc).__name__.startswith("SSL") and len(exc.args) > 1:
        return f"TLS: {exc.args[1]}"  # e.g. "certificate verify failed: self-signed certificate"
    if isinstance(exc, OSError) and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else exc.strerror
    return _describe(exc)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    name = type(exc).__name__
    if name == "RemoteDisconnected":  # a ConnectionResetError too
        return "connection closed without a response"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "connection reset"
    if name == "IncompleteRead":
        return "connection closed mid-response"
    if name == "InvalidURL":
        return "the URL holds a space or a control character"
    # Only the OS's own words: other texts (http.client's above all) may quote the request's
    # path or headers, which hold the ping key or the API key.
    strerror = getattr(exc, "strerror", None)
    return f"{name}: {strerror}" if strerror else name


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
    """The same interface over an `httpx.Client`: a caller's (kept open) or, `owned`, its own.

    `follow_redirects` overrides the client's own setting (the API client never follows one).
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        secret: str | None = None,
        follow_redirects: bool | None = None,
        owned: bool = False,
    ) -> None:
        self._client = client
        follow = client.follow_redirects if follow_redirects is None else follow_redirects
        self._follow_redirects = follow
        self._owned = owned
        hide_in_httpx_logs(secret)

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        max_body: int = _MAX_BODY,
        resend: bool = True,  # httpx decides these two by itself; kept for the common interface
        whole: bool = False,
    ) -> Response:
        import httpx

        sent = dict(headers) if headers is not None else ping_headers(body)
        try:
            request = self._client.build_request(
                method, url, content=body, headers=sent, timeout=timeout
            )
            resp = self._client.send(request, follow_redirects=self._follow_redirects)
        except httpx.HTTPError as exc:
            raise _httpx_error(exc) from exc
        return _response(resp, max_body)

    def close(self) -> None:
        """Close the client if it is ours; an injected one belongs to the caller."""
        if self._owned:
            self._client.close()

    def after_fork(self) -> None:
        """In a forked child: a client of our own is replaced, the parent's left untouched."""
        if self._owned:
            import httpx

            self._client = httpx.Client()


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

        headers = ping_headers(body)
        try:
            resp = await self._client.request(
                method, url, content=body, headers=headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise _httpx_error(exc) from exc
        return _response(resp, _MAX_BODY)

    async def aclose(self) -> None:
        if self._owned:
            await self._client.aclose()


def _response(resp: httpx.Response, max_body: int) -> Response:
    # httpx has decoded the body already: the encoding no longer describes it.
    headers = {k: v for k, v in resp.headers.items() if k != "content-encoding"}
    return Response(resp.status_code, headers, resp.content[:max_body], resp.reason_phrase)


def _httpx_error(exc: httpx.HTTPError) -> Failure:
    import contextlib

    import httpx

    where = "the server"
    with contextlib.suppress(RuntimeError):  # no request attached
        where = f"{exc.request.url.host}:{exc.request.url.port or ''}".rstrip(":")
    timed_out = isinstance(exc, httpx.TimeoutException)
    reason = "timed out" if timed_out else type(exc).__name__
    return Failure(
        f"could not reach {where}: {reason}",
        stage=_httpx_stage(exc),
        detail=_httpx_detail(exc),
        timed_out=timed_out,
    )


def _httpx_stage(exc: httpx.HTTPError) -> Stage:
    import httpx

    never_left = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
    if isinstance(exc, never_left):
        return "connect"
    if isinstance(exc, httpx.WriteError | httpx.WriteTimeout):
        return "send"
    if isinstance(exc, httpx.TransportError):
        return "read"
    return "decode"  # e.g. a body whose gzip is broken


def _httpx_detail(exc: httpx.HTTPError) -> str:
    # httpx's own texts name no header, but a LocalProtocolError may quote a header value,
    # so only these kinds get their text shown.
    import httpx

    if isinstance(exc, httpx.ConnectError | httpx.DecodingError) and str(exc):
        return str(exc)
    return type(exc).__name__
