"""Pings that never hit a 404 and never break the job they watch.

    from hcctl import PingClient

    hc = PingClient.from_env()            # settings as everywhere in hcctl (DESIGN.md)
    hc.start("backup")                    # a spec key, a UUID or a slug
    hc.success("backup", body="3 files")  # True when the server recorded it

    with hc.job("backup"):                # start, then success, or fail with the traceback
        run_backup()

By default a failed ping is logged once (logger "hcctl.ping", never with a secret) and returns
False; `strict=True` raises `hcctl.errors` instead. Every request has a timeout and every ping a
total deadline, with retries (exponential backoff, full jitter) on connection errors, timeouts,
429 (honouring Retry-After) and 5xx. `background=True` hands pings to a bounded queue served by
one thread. On a 404 for a check of the spec the check is created with its definition, its UUID
pinned when pinning is configured, and the ping sent again (auto-provisioning).
"""

from __future__ import annotations

import os
import threading
import time
import weakref

from hcctl._http import Response, default_transport
from hcctl._targets import Target, TargetResolver, canonical_uuid, kind_suffix, new_rid
from hcctl.errors import (
    ApiError,
    AuthError,
    Conflict,
    HcctlError,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)

TYPE_CHECKING = False  # importing typing would cost every `hcctl ping`; mypy knows this name
if TYPE_CHECKING:
    import logging
    from collections.abc import Awaitable, Callable, Mapping
    from types import TracebackType
    from typing import Any, ParamSpec, TypedDict, TypeVar, Unpack

    import httpx

    from hcctl._http import AsyncHttpxTransport, SyncTransport
    from hcctl._provision import Provisioner

    P = ParamSpec("P")
    R = TypeVar("R")

    class PingOptions(TypedDict, total=False):
        """The options every ping client takes (see `_PingBase`)."""

        ping_key: str | None
        api_url: str | None
        api_key: str | None
        spec_path: str | os.PathLike[str] | None
        env_file: str | os.PathLike[str] | None
        db_url: str | None
        django_cmd: str | None
        auto_provision: bool
        strict: bool
        timeout: float
        deadline: float
        retries: int
        backoff: float
        body_limit: int | None


__all__ = [
    "DEFAULT_PING_URL",
    "AsyncPingClient",
    "Job",
    "PingClient",
    "cut_body",
    "default_client",
    "ping",
    "read_body",
    "send_ping",
]

DEFAULT_PING_URL = "https://hc-ping.com/"
# Until a response tells the server's Ping-Body-Limit, assume the self-hosted default (the
# smaller one): a cut we choose keeps the tail, a cut the server makes keeps the head.
DEFAULT_BODY_LIMIT = 10000
_MAX_RETRY_WAIT = 30.0  # background: longest pause between two tries of one ping
_KIND_NAMES = {"": "success", "/start": "start", "/fail": "fail", "/log": "log"}


def cut_body(body: bytes, limit: int) -> bytes:
    """`body` if it fits in `limit` bytes, else its tail behind a marker saying what was cut.

    >>> cut_body(b"0123456789" * 10, 60)
    b'[hcctl: 62 bytes cut]\\n23456789012345678901234567890123456789'
    """
    if len(body) <= limit:
        return body
    dropped = len(body) - limit
    while True:  # the marker's length depends on the count it shows: settle both
        marker = f"[hcctl: {dropped} bytes cut]\n".encode()
        keep = limit - len(marker)
        if keep <= 0:
            return body[len(body) - limit :]
        start = first = len(body) - keep
        while start < min(first + 3, len(body)) and body[start] & 0xC0 == 0x80:
            start += 1  # begin on a UTF-8 character boundary
        if start <= dropped:
            return marker + body[dropped:]
        dropped = start


class _Ping:
    """One ping to send: where, what, and what the caller asked for."""

    __slots__ = ("body", "check", "failures", "rid", "suffix", "target")

    def __init__(
        self, check: str, target: Target, suffix: str, body: bytes, rid: str | None
    ) -> None:
        self.check = check
        self.target = target
        self.suffix = suffix
        self.body = body
        self.rid = rid
        self.failures = 0

    @property
    def kind(self) -> str:
        return _KIND_NAMES.get(self.suffix, "exit status " + self.suffix[1:])

    def describe(self) -> str:
        return f"{self.kind} ping of {self.check!r}"


class _PingBase:
    """Configuration, validation and the pieces of a ping shared by the sync and async clients."""

    def __init__(
        self,
        ping_url: str = DEFAULT_PING_URL,
        *,
        ping_key: str | None = None,
        api_url: str | None = None,
        api_key: str | None = None,
        spec_path: str | os.PathLike[str] | None = None,
        env_file: str | os.PathLike[str] | None = ".env.healthchecks",
        db_url: str | None = None,
        django_cmd: str | None = None,
        auto_provision: bool = True,
        strict: bool = False,
        timeout: float = 5.0,
        deadline: float = 15.0,
        retries: int = 5,
        backoff: float = 0.5,
        body_limit: int | None = None,
    ) -> None:
        self.ping_url = ping_url if ping_url.endswith("/") else ping_url + "/"
        self._ping_key = ping_key or None
        self._api_url = api_url
        self._api_key = api_key or None
        self._db_url = db_url or None
        self._django_cmd = django_cmd or None
        self.auto_provision = auto_provision
        self.strict = strict
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self._body_limit = body_limit
        self.body_limit = body_limit or DEFAULT_BODY_LIMIT
        if spec_path is None and os.path.exists("healthchecks.toml"):
            spec_path = "healthchecks.toml"
        self._resolver = TargetResolver(
            spec_path=os.fspath(spec_path) if spec_path else None,
            env_file=os.fspath(env_file) if env_file else None,
            ping_key=bool(self._ping_key),
        )
        self._targets: dict[str, Target] = {}
        self._targets_lock = threading.Lock()
        self._no_provision: dict[str, HcctlError] = {}
        self._provision_lock = threading.Lock()

    def __repr__(self) -> str:  # never the keys
        return f"{type(self).__name__}({self.ping_url!r}, strict={self.strict})"

    # -- preparing a ping: every bad input is reported here, before any request --------------

    def validate(self, check: str) -> None:
        """Raise HcctlError if `check` names no check (unknown key, malformed UUID, a slug
        without ping key). Reads the spec and env file, sends nothing."""
        self._target(check)

    def _prepare(
        self,
        check: str,
        kind: str | int,
        body: str | bytes | None,
        rid: str | None,
        create: bool = False,
    ) -> _Ping:
        suffix = kind_suffix(kind)
        if rid is not None and canonical_uuid(rid) is None:
            raise HcctlError(f"rid must be a UUID, not {rid!r}")
        data = _encode_body(body)
        target = self._target(check)
        if create:
            if not (target.slug and self._ping_key):
                raise HcctlError(
                    f"creating {check!r} on its first ping needs a slug and a ping key"
                )
            target = Target(target.label, key=target.key, slug=target.slug, create=True)
        return _Ping(check, target, suffix, cut_body(data, self.body_limit), rid)

    def _target(self, check: str) -> Target:
        target = self._targets.get(check)
        if target is None:
            target = self._resolver.resolve(check)
            with self._targets_lock:
                target = self._targets.setdefault(check, target)
        return target

    def _url(self, ping: _Ping) -> str:
        url = ping.target.url(self.ping_url, self._ping_key, ping.suffix, ping.rid)
        if url is None:
            raise NotFound(
                f"check {ping.check!r} has no UUID yet and no ping key is set to ping its slug",
                check=ping.check,
            )
        return url

    # -- responses and retries ----------------------------------------------------------------

    def _learn(self, resp: Response) -> None:
        limit = resp.headers.get("ping-body-limit", "")
        if limit.isdigit() and self._body_limit is None:
            self.body_limit = int(limit)

    def _error(self, resp: Response, ping: _Ping) -> ApiError | None:
        """None when the server recorded the ping, else the error its answer means."""
        if 200 <= resp.status < 300:
            return None
        what = f"{ping.describe()}: the server answered {resp.status} {resp.text()!r}"
        args = {"status": resp.status, "check": ping.check}
        if resp.status == 404:
            return NotFound(what, **args)  # type: ignore[arg-type]
        if resp.status == 429:
            return RateLimited(what, check=ping.check, retry_after=_retry_after(resp))
        if resp.status >= 500:
            return ServerError(what, **args)  # type: ignore[arg-type]
        if resp.status == 409:
            return Conflict(what, **args)  # type: ignore[arg-type]
        if resp.status in (401, 403):
            return AuthError(what, **args)  # type: ignore[arg-type]
        return ApiError(what, **args)  # type: ignore[arg-type]

    def _retry_delay(self, exc: HcctlError, attempt: int, deadline: float) -> float | None:
        """Seconds to wait before trying again, or None when the ping must give up."""
        if (
            not isinstance(exc, TransportError | ServerError | RateLimited)
            or attempt >= self.retries
        ):
            return None
        delay = self.backoff * 2**attempt * _random()  # full jitter
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        return delay if time.monotonic() + delay < deadline else None

    def _give_up(self, exc: HcctlError, ping: _Ping | None, what: str) -> bool:
        if self.strict:
            raise exc
        about = ping.describe() if ping is not None else what
        _logger().warning("hcctl: %s failed: %s", about, exc)
        return False

    # -- auto-provisioning --------------------------------------------------------------------

    def _provision(self, ping: _Ping) -> bool:
        """After a 404: make the check exist and point `ping` at it (sync; once per check).

        True when `ping` was delivered on the way: waiting for the machine-wide lock, another
        process may have made the check, and then a ping costs one request, not an import of
        the API client. That keeps fifty workers starting at once from all paying for it.
        """
        with self._provision_lock:
            current = self._targets.get(ping.check)
            if current is not None and current is not ping.target:
                ping.target = current  # another thread provisioned it meanwhile
                return False
            known = self._no_provision.get(ping.check)
            if known is not None:
                raise known
            try:
                delivered = self._provision_locked(ping)
            except HcctlError as exc:
                if not isinstance(exc, TransportError | ServerError | RateLimited):
                    self._no_provision[ping.check] = exc  # it will not work better next time
                raise
            with self._targets_lock:
                self._targets[ping.check] = ping.target
            return delivered

    def _provision_locked(self, ping: _Ping) -> bool:
        from hcctl._provision import machine_lock

        with machine_lock(self._api_url or self.ping_url, self._resolver.env_file):
            for candidate in self._resolver.refreshed(ping.target):
                ping.target = candidate
                try:
                    self._post_sync(ping, time.monotonic() + self.deadline)
                except NotFound:
                    continue
                return True
            ping.target = self._provisioner().provision(ping.target)
            self._resolver.forget_files()
            return False

    def _sync_http(self) -> SyncTransport:
        raise NotImplementedError

    def _post_sync(self, ping: _Ping, deadline: float) -> Response:
        """Send `ping` with retries until `deadline`; the response, or the HcctlError."""
        transport = self._sync_http()
        url = self._url(ping)
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TransportError(f"{ping.describe()}: no time left within the deadline")
                resp = transport.request(
                    "POST",
                    url,
                    body=cut_body(ping.body, self.body_limit),
                    timeout=min(self.timeout, remaining),
                )
                self._learn(resp)
                error = self._error(resp, ping)
                if error is None:
                    return resp
                raise error
            except HcctlError as exc:
                delay = self._retry_delay(exc, attempt, deadline)
                if delay is None:
                    raise
            time.sleep(delay)
            attempt += 1

    def _provisioner(self) -> Provisioner:
        from hcctl._provision import Provisioner

        return Provisioner(
            api_url=self._api_url,
            api_key=self._api_key,
            ping_key=self._ping_key,
            spec_path=self._resolver.spec_path,
            env_file=self._resolver.env_file,
            db_url=self._db_url,
            django_cmd=self._django_cmd,
        )


class PingClient(_PingBase):
    """Synchronous pings over one kept-alive connection pool, or in the background.

        hc = PingClient("https://hc.example.org/ping/", ping_key=..., background=True)
        hc.success("backup")
        hc.exit_code("backup", 3, body=log_tail)

    Thread-safe; fork-safe (a forked child gets its own connections, queue and thread).
    Inject `client=httpx.Client(...)` to use httpx for the requests (proxies, custom TLS).
    """

    def __init__(
        self,
        ping_url: str = DEFAULT_PING_URL,
        *,
        background: bool = False,
        queue_size: int = 1000,
        flush_timeout: float = 5.0,
        client: httpx.Client | None = None,
        **options: Unpack[PingOptions],
    ) -> None:
        super().__init__(ping_url, **options)
        self.background = background
        self._transport: SyncTransport
        if client is not None:
            from hcctl._http import HttpxTransport

            self._transport = HttpxTransport(client, secret=self._ping_key)
        else:
            self._transport = default_transport(self.ping_url, secret=self._ping_key)
        self._queue_size = queue_size
        self._flush_timeout = flush_timeout
        self._sender: Any = None
        _live_clients.add(self)

    @classmethod
    def from_env(
        cls, *, cwd: str | None = None, environ: Mapping[str, str] | None = None, **options: Any
    ) -> PingClient:
        """A client configured by hcctl's settings (DESIGN.md): a setting given here wins over
        the environment, which wins over .env.healthchecks.local and .env.healthchecks.

            hc = PingClient.from_env(background=True)
        """
        return cls(**_from_settings(cwd, environ, options))

    # -- the pings ----------------------------------------------------------------------------

    def success(
        self, check: str, *, body: str | bytes | None = None, rid: str | None = None
    ) -> bool:
        return self.ping(check, "success", body=body, rid=rid)

    def start(self, check: str, *, body: str | bytes | None = None, rid: str | None = None) -> bool:
        return self.ping(check, "start", body=body, rid=rid)

    def fail(self, check: str, *, body: str | bytes | None = None, rid: str | None = None) -> bool:
        return self.ping(check, "fail", body=body, rid=rid)

    def log(self, check: str, *, body: str | bytes | None = None, rid: str | None = None) -> bool:
        return self.ping(check, "log", body=body, rid=rid)

    def exit_code(
        self, check: str, code: int, *, body: str | bytes | None = None, rid: str | None = None
    ) -> bool:
        """Report a command's exit status: 0 is success, 1-255 failure."""
        return self.ping(check, code, body=body, rid=rid)

    def ping(
        self,
        check: str,
        kind: str | int = "success",
        *,
        body: str | bytes | None = None,
        rid: str | None = None,
        create: bool = False,
    ) -> bool:
        """Send one ping; True when the server recorded it (or it was queued in background).

        `kind` is "success", "start", "fail", "log" or an exit status 0-255; `rid` pairs a start
        with its end; `create=True` pings the slug URL with `?create=1` (needs the ping key).
        """
        try:
            item = self._prepare(check, kind, body, rid, create)
        except HcctlError as exc:
            return self._give_up(exc, None, f"ping of {check!r}")
        if self.background:
            self._sender_for().put(item)
            return True
        try:
            self._deliver(item, time.monotonic() + self.deadline)
        except HcctlError as exc:
            return self._give_up(exc, item, "")
        return True

    def job(self, check: str, *, rid: str | None = None) -> Job:
        """A context manager: start ping, then success, or fail with the exception's traceback."""
        return Job(self, check, rid=rid)

    def monitor(self, check: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """A decorator running each call of the function (sync or async) as a `job`."""
        decorate: Callable[[Callable[P, R]], Callable[P, R]] = _monitor(self, check)
        return decorate

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def dropped(self) -> int:
        """Background pings dropped because the queue was full (since start or fork)."""
        return self._sender.dropped if self._sender is not None else 0

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for queued background pings; True when all were sent or given up."""
        if self._sender is None:
            return True
        return bool(self._sender.flush(self._flush_timeout if timeout is None else timeout))

    def close(self, timeout: float | None = None) -> None:
        """Flush the queue (within `timeout`), then close the connections."""
        if self._sender is not None:
            self._sender.close(self._flush_timeout if timeout is None else timeout)
        self._transport.close()

    def __enter__(self) -> PingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sync_http(self) -> SyncTransport:
        return self._transport

    def _after_fork(self) -> None:
        self._transport.after_fork()
        self._targets_lock = threading.Lock()
        self._provision_lock = threading.Lock()
        if self._sender is not None:
            self._sender.after_fork()

    # -- delivery -----------------------------------------------------------------------------

    def _deliver(self, ping: _Ping, deadline: float) -> None:
        try:
            self._post(ping, deadline)
        except NotFound:
            if not self.auto_provision:
                raise
            if not self._provision(ping):
                # Creating the check may take a while (a lock, API calls): a fresh deadline.
                self._post(ping, time.monotonic() + self.deadline)

    def _post(self, ping: _Ping, deadline: float) -> Response:
        return self._post_sync(ping, deadline)

    def _sender_for(self) -> Any:
        if self._sender is None:
            with self._targets_lock:
                if self._sender is None:
                    from hcctl._pingqueue import BackgroundSender

                    self._sender = BackgroundSender(
                        self._process,  # type: ignore[arg-type]
                        size=self._queue_size,
                        flush_timeout=self._flush_timeout,
                        on_drop=_warn_dropped,
                    )
        return self._sender

    def _process(self, ping: _Ping) -> float | None:
        """Background: deliver one ping; a delay to try again after, or None when done."""
        try:
            self._deliver(ping, time.monotonic() + self.deadline)
        except HcctlError as exc:
            if not isinstance(exc, TransportError | ServerError | RateLimited):
                _logger().warning("hcctl: %s failed: %s", ping.describe(), exc)
                return None
            ping.failures += 1
            if ping.failures == 1:
                _logger().warning("hcctl: %s failed, will retry: %s", ping.describe(), exc)
            return min(_MAX_RETRY_WAIT, self.backoff * 2.0**ping.failures * (0.5 + _random() / 2))
        if ping.failures:
            _logger().info("hcctl: %s delivered after %d tries", ping.describe(), ping.failures + 1)
        return None


class AsyncPingClient(_PingBase):
    """The same pings for asyncio code, over an `httpx.AsyncClient` (owned or injected).

    async with AsyncPingClient.from_env() as hc:
        await hc.success("backup")
        async with hc.job("report"):
            await build_report()
    """

    def __init__(
        self,
        ping_url: str = DEFAULT_PING_URL,
        *,
        client: httpx.AsyncClient | None = None,
        **options: Unpack[PingOptions],
    ) -> None:
        super().__init__(ping_url, **options)
        self._client = client
        self._transport: AsyncHttpxTransport | None = None
        self._provision_http: SyncTransport | None = None  # pings sent while provisioning

    @classmethod
    def from_env(
        cls, *, cwd: str | None = None, environ: Mapping[str, str] | None = None, **options: Any
    ) -> AsyncPingClient:
        """A client configured by hcctl's settings, as `PingClient.from_env`."""
        return cls(**_from_settings(cwd, environ, options))

    async def success(
        self, check: str, *, body: str | bytes | None = None, rid: str | None = None
    ) -> bool:
        return await self.ping(check, "success", body=body, rid=rid)

    async def start(
        self, check: str, *, body: str | bytes | None = None, rid: str | None = None
    ) -> bool:
        return await self.ping(check, "start", body=body, rid=rid)

    async def fail(
        self, check: str, *, body: str | bytes | None = None, rid: str | None = None
    ) -> bool:
        return await self.ping(check, "fail", body=body, rid=rid)

    async def log(
        self, check: str, *, body: str | bytes | None = None, rid: str | None = None
    ) -> bool:
        return await self.ping(check, "log", body=body, rid=rid)

    async def exit_code(
        self, check: str, code: int, *, body: str | bytes | None = None, rid: str | None = None
    ) -> bool:
        return await self.ping(check, code, body=body, rid=rid)

    async def ping(
        self,
        check: str,
        kind: str | int = "success",
        *,
        body: str | bytes | None = None,
        rid: str | None = None,
        create: bool = False,
    ) -> bool:
        """Send one ping (see `PingClient.ping`)."""
        try:
            item = self._prepare(check, kind, body, rid, create)
            await self._deliver(item, time.monotonic() + self.deadline)
        except HcctlError as exc:
            return self._give_up(exc, None, f"ping of {check!r}")
        return True

    def job(self, check: str, *, rid: str | None = None) -> Job:
        """An async context manager: start ping, then success or fail (see `PingClient.job`)."""
        return Job(self, check, rid=rid)

    def monitor(
        self, check: str
    ) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
        """A decorator for `async def` functions, running each call as a `job`."""
        decorate: Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]
        decorate = _monitor(self, check)
        return decorate

    def _sync_http(self) -> SyncTransport:
        if self._provision_http is None:
            self._provision_http = default_transport(self.ping_url, secret=self._ping_key)
        return self._provision_http

    async def aclose(self) -> None:
        if self._provision_http is not None:
            self._provision_http.close()
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    async def __aenter__(self) -> AsyncPingClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _deliver(self, ping: _Ping, deadline: float) -> None:
        import asyncio

        try:
            await self._post(ping, deadline)
        except NotFound:
            if not self.auto_provision:
                raise
            if not await asyncio.to_thread(self._provision, ping):
                await self._post(ping, time.monotonic() + self.deadline)

    async def _post(self, ping: _Ping, deadline: float) -> Response:
        import asyncio

        from hcctl._http import AsyncHttpxTransport

        if self._transport is None:
            self._transport = AsyncHttpxTransport(self._client, secret=self._ping_key)
        url = self._url(ping)
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TransportError(f"{ping.describe()}: no time left within the deadline")
                resp = await self._transport.request(
                    "POST",
                    url,
                    body=cut_body(ping.body, self.body_limit),
                    timeout=min(self.timeout, remaining),
                )
                self._learn(resp)
                error = self._error(resp, ping)
                if error is None:
                    return resp
                raise error
            except HcctlError as exc:
                delay = self._retry_delay(exc, attempt, deadline)
                if delay is None:
                    raise
            await asyncio.sleep(delay)
            attempt += 1


class Job:
    """One run of a job: a start ping with a fresh rid, then success or fail with the same rid.

        with hc.job("backup") as job:
            job.log("dumped the database")
            upload()

    An exception inside the block sends a fail ping whose body ends with the traceback, then
    propagates untouched. `SystemExit(0)` counts as success. Each `job()` call has its own state,
    so concurrent jobs in threads or asyncio tasks never mix their rids.
    """

    def __init__(self, client: PingClient | AsyncPingClient, check: str, *, rid: str | None = None):
        self.client = client
        self.check = check
        self.rid = rid or new_rid()

    def __enter__(self) -> Job:
        self._sync("start", None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._sync(*_outcome(exc))
        except HcctlError as error:  # strict clients only
            if exc is None:
                raise
            _hide_behind(error, exc)

    async def __aenter__(self) -> Job:
        await self._async("start", None)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._async(*_outcome(exc))
        except HcctlError as error:  # strict clients only
            if exc is None:
                raise
            _hide_behind(error, exc)

    def log(self, body: str | bytes) -> bool:
        """A log ping (no status change) carrying this job's rid, from synchronous code."""
        return self._sync("log", body)

    async def alog(self, body: str | bytes) -> bool:
        """A log ping carrying this job's rid, from asynchronous code."""
        return await self._async("log", body)

    def _sync(self, kind: str, body: str | bytes | None) -> bool:
        if isinstance(self.client, AsyncPingClient):
            raise TypeError("use `async with` for the jobs of an AsyncPingClient")
        return self.client.ping(self.check, kind, body=body, rid=self.rid)

    async def _async(self, kind: str, body: str | bytes | None) -> bool:
        client = self.client
        if isinstance(client, AsyncPingClient):
            return await client.ping(self.check, kind, body=body, rid=self.rid)
        if client.background:
            return client.ping(self.check, kind, body=body, rid=self.rid)
        import asyncio

        # A synchronous ping may wait for retries: keep the event loop free meanwhile.
        return await asyncio.to_thread(client.ping, self.check, kind, body=body, rid=self.rid)


def _hide_behind(error: HcctlError, exc: BaseException) -> None:
    """The application's exception must propagate untouched, even past a strict ping's error."""
    _logger().warning("hcctl: the fail ping after %s failed: %s", type(exc).__name__, error)


def _outcome(exc: BaseException | None) -> tuple[str, str | None]:
    if exc is None or (isinstance(exc, SystemExit) and exc.code in (0, None)):
        return "success", None
    import traceback

    return "fail", "".join(traceback.format_exception(exc))


def _monitor(client: PingClient | AsyncPingClient, check: str) -> Any:
    import functools

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if fn.__code__.co_flags & 0x80:  # inspect.CO_COROUTINE, without importing inspect

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with Job(client, check):
                    return await fn(*args, **kwargs)

            return run_async
        if isinstance(client, AsyncPingClient):
            raise TypeError("AsyncPingClient.monitor decorates `async def` functions only")

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with Job(client, check):
                return fn(*args, **kwargs)

        return run

    return decorate


# -- the process-wide default client ------------------------------------------------------------

_default: PingClient | None = None
_default_lock = threading.Lock()


def default_client() -> PingClient:
    """The process's shared `PingClient.from_env()`, made on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = PingClient.from_env()
    return _default


def ping(
    check: str,
    kind: str | int = "success",
    *,
    body: str | bytes | None = None,
    rid: str | None = None,
) -> bool:
    """Ping with the default client; a drop-in for the seeds' `enhanced_healthchecks.ping(uuid)`.

        from hcctl.ping import ping
        ping("0cab08fe-03f4-48c2-a927-90493fa0b2f2")   # created on first ping if missing

    Never raises: even settings that cannot be used are logged and give False.
    """
    try:
        client = default_client()
    except HcctlError as exc:
        _logger().warning("hcctl: ping of %r failed: %s", check, exc)
        return False
    return client.ping(check, kind, body=body, rid=rid)


def send_ping(
    check: str,
    kind: str | int = "success",
    *,
    body: str | bytes | None = None,
    body_file: str | None = None,
    rid: str | None = None,
    create: bool = False,
    cwd: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """One ping with hcctl's settings, raising HcctlError unless the server recorded it.

    What `hcctl ping` does. `body_file` is a path, or "-" for standard input; every bad input
    (the check, the kind, the rid, an unreadable body file) is reported before any request.
    """
    if body_file is not None:
        body = read_body(body_file)
    with PingClient.from_env(cwd=cwd, environ=environ, strict=True) as client:
        client.ping(check, kind, body=body, rid=rid, create=create)


def read_body(path: str) -> bytes:
    """The bytes of the file at `path` ("-": standard input); HcctlError if unreadable."""
    import sys

    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise HcctlError(f"cannot read the body file {path}: {exc.strerror or exc}") from exc


# -- helpers ------------------------------------------------------------------------------------

_live_clients: weakref.WeakSet[PingClient] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    global _default_lock
    _default_lock = threading.Lock()
    for client in list(_live_clients):
        client._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _encode_body(body: str | bytes | None) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8", "replace")
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise HcctlError(f"a ping body is str or bytes, not {type(body).__name__}")


def _retry_after(resp: Response) -> float | None:
    value = resp.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


_SETTINGS = (
    "ping_url",
    "ping_key",
    "api_url",
    "api_key",
    "spec_path",
    "env_file",
    "db_url",
    "django_cmd",
    "auto_provision",
)


def _from_settings(
    cwd: str | None, environ: Mapping[str, str] | None, options: dict[str, Any]
) -> dict[str, Any]:
    from hcctl._pingsettings import ping_settings

    flags = {k: v for k, v in options.items() if k in _SETTINGS}
    rest = {k: v for k, v in options.items() if k not in _SETTINGS}
    found = ping_settings(environ=environ, cwd=cwd, **flags)
    # No spec beside the env file means none: "" keeps the client from looking in the cwd.
    found["spec_path"] = found["spec_path"] or ""
    return {**found, **rest}


def _random() -> float:
    """A number in [0, 1) for jitter; `random` would cost an import for so little."""
    return int.from_bytes(os.urandom(4), "big") / 2**32


def _warn_dropped(count: int) -> None:
    if count & (count - 1) == 0:  # 1, 2, 4, 8...: visible, but never a flood
        _logger().warning("hcctl: background ping queue full, %d oldest pings dropped", count)


def _logger() -> logging.Logger:
    import logging

    return logging.getLogger("hcctl.ping")
