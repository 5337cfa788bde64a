"""Management API v3 client: typed checks and channels over one pool of kept-alive connections.

    with HealthchecksApi("https://hc.example.org/api/v3/", api_key) as api:
        for check in api.list_checks(tags=["backend"]):
            print(check.uuid, check.name, check.status)

Every request has a timeout. Refused connections, 429 (honouring Retry-After) and 5xx are
retried with exponential backoff and jitter, as long as repeating the request cannot create a
second check. For healthchecks.io a client-side rate limit keeps under its ~100 requests a
minute. Only the hcctl.errors tree reaches callers, and the API key goes to the API host only:
redirects are never followed, so the key never travels to another address.

Requests go over http.client (hcctl._http), whose CPU per request is about 40% of httpx's, and
requests are what an apply of a thousand checks spends its time on. httpx serves instead when a
client is passed in (proxies, custom TLS, tests) or when the environment names a proxy for the
API host (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, minus NO_PROXY), which httpx honours.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import threading
import time
import uuid as uuid_module
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from hcctl._http import USER_AGENT, Failure, HttpxTransport, Response, default_transport
from hcctl.errors import (
    ApiError,
    AuthError,
    Conflict,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:
    import httpx

    from hcctl._http import SyncTransport

__all__ = ["DEFAULT", "Channel", "Check", "HealthchecksApi", "RateLimiter", "set_testing"]


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


def _optional_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _uuid_from_ping_url(ping_url: object) -> str | None:
    # Servers older than v3.5 have no "uuid" field; the ping URL ends with it.
    if not isinstance(ping_url, str) or not ping_url:
        return None
    return ping_url.rstrip("/").rsplit("/", 1)[-1]


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} is not a string")
    return value


def _canonical_uuid(value: object) -> str | None:
    # Written to the user's env file as is: a value that is no UUID must never get there.
    if not value:
        return None
    try:
        return str(uuid_module.UUID(str(value)))
    except ValueError:
        raise ValueError(f"uuid {str(value)[:40]!r} is not a UUID") from None


@dataclass(frozen=True)
class Check:
    """A check as the server describes it.

    With a read-only key `uuid`, `ping_url` and `channels` are None and `unique_key` is set.
    Simple checks have `timeout` and no `schedule`/`tz`; cron and OnCalendar checks the reverse.
    """

    name: str
    slug: str
    tags: tuple[str, ...]
    desc: str
    grace: int
    timeout: int | None
    schedule: str | None
    tz: str | None
    methods: str
    manual_resume: bool
    start_kw: str
    success_kw: str
    failure_kw: str
    filter_subject: bool
    filter_body: bool
    filter_http_body: bool
    filter_default_fail: bool
    status: str
    n_pings: int
    started: bool
    last_ping: datetime | None
    next_ping: datetime | None
    last_duration: int | None
    uuid: str | None
    unique_key: str | None
    ping_url: str | None
    channels: tuple[str, ...] | None  # integration UUIDs, sorted

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Check:
        """Build from one item of `GET checks/`; KeyError/TypeError/ValueError if malformed."""
        channels = data.get("channels")
        uuid = data.get("uuid") or _uuid_from_ping_url(data.get("ping_url"))
        return cls(
            name=_text(data["name"], "name"),
            slug=_text(data.get("slug", ""), "slug"),
            tags=tuple(str(data.get("tags", "")).split()),
            desc=str(data.get("desc", "")),
            grace=int(data["grace"]),
            timeout=int(data["timeout"]) if "timeout" in data else None,
            schedule=str(data["schedule"]) if "schedule" in data else None,
            tz=str(data["tz"]) if "tz" in data else None,
            methods=str(data.get("methods", "")),
            manual_resume=bool(data.get("manual_resume", False)),
            start_kw=str(data.get("start_kw", "")),
            success_kw=str(data.get("success_kw", "")),
            failure_kw=str(data.get("failure_kw", "")),
            filter_subject=bool(data.get("filter_subject", False)),
            filter_body=bool(data.get("filter_body", False)),
            filter_http_body=bool(data.get("filter_http_body", False)),
            filter_default_fail=bool(data.get("filter_default_fail", False)),
            status=str(data.get("status", "")),
            n_pings=int(data.get("n_pings", 0)),
            started=bool(data.get("started", False)),
            last_ping=_parse_time(data.get("last_ping")),
            next_ping=_parse_time(data.get("next_ping")),
            last_duration=_optional_int(data.get("last_duration")),
            uuid=_canonical_uuid(uuid),
            unique_key=str(data["unique_key"]) if "unique_key" in data else None,
            ping_url=str(data["ping_url"]) if "ping_url" in data else None,
            channels=tuple(c for c in str(channels).split(",") if c)
            if channels is not None
            else None,
        )

    @property
    def kind(self) -> str:
        """ "simple", "cron" or "oncalendar"."""
        if self.schedule is None:
            return "simple"
        lines = self.schedule.strip().split("\n")
        return "cron" if len(lines) == 1 and len(lines[0].split()) == 5 else "oncalendar"


@dataclass(frozen=True)
class Channel:
    """An integration of the project (`GET channels/`)."""

    id: str
    name: str
    kind: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Channel:
        """Build from one item of `GET channels/`; KeyError if malformed."""
        return cls(id=str(data["id"]), name=str(data["name"]), kind=str(data["kind"]))


# --- testing switch and rate limiting --------------------------------------------------------

_testing = False


def set_testing(on: bool) -> None:
    """Turn off every wait (backoff, Retry-After, rate limit) so tests never sleep; retries stay.

    hcctl.api.set_testing(True)   # in a test fixture; set_testing(False) afterwards
    """
    global _testing
    _testing = on


def _sleep(seconds: float) -> None:
    if seconds > 0 and not _testing:
        time.sleep(seconds)


class RateLimiter:
    """A token bucket: at most `burst` requests at once, then `rate` a second. Thread-safe.

    limiter = RateLimiter(1.5, burst=5)   # at most 5 + 90 requests in any minute
    limiter.acquire()                     # waits, when needed, before a request
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = _sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is there; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            # A negative balance is a debt: this caller waits until it is paid back, and holds
            # the lock meanwhile so that callers queue in order.
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            if wait:
                self._sleep(wait)
            return wait


# --- the client --------------------------------------------------------------------------------


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()
"""`rate_limit=DEFAULT`: HOSTED_RATE for healthchecks.io, no limit for other servers."""

HOSTED_RATE = 1.5  # requests a second: 90 a minute plus a burst of 5, under the ~100 allowed
DEFAULT_BURST = 5
MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After is reported rather than waited for
MAX_ANSWER = 64 * 1024 * 1024  # bytes; 1,000 checks list in about 1.2 MB
POOL_SIZE = 20  # idle connections kept alive: more than apply's threads

_UNIQUE_KEY = re.compile(r"^[0-9a-f]{40}$")
_HOST = re.compile(r"^[^\x00-\x20\x7f/?#@\[\]\\]+$")  # a name or an address, IPv6 too
_PATH_SAFE = "/%:@!$&'()*+,;=~"  # what a path may hold as it is; anything else gets quoted
_Idempotence = Literal["always", "never"]


def api_base_url(url: str) -> str:
    """`url` as the v3 API base: `https://host` and `.../api/v1/` both become `.../api/v3/`.

    v3 because v1 and v2 rewrite a check's slug when its name changes and lack `?slug=`.
    """
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError when malformed
        if parts.hostname and not _HOST.match(parts.hostname):
            raise ValueError("not a host name")
        path = re.sub(r"/api/v[0-9]+$", "", parts.path.rstrip("/")) + "/api/v3/"
        base = urlunsplit((parts.scheme, parts.netloc, quote(path, safe=_PATH_SAFE), "", ""))
    except ValueError:
        # Not quoted: a malformed URL may hold a password that _redact cannot find.
        raise ApiError("the API URL is malformed (expected https://host/api/v3/)") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ApiError(f"the API URL must start with http:// or https://, not {_redact(url)!r}")
    return base


def _redact(url: str) -> str:
    """`url` without a password in it (a reverse proxy may want one in the URL)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


def _is_hosted(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "healthchecks.io" or host.endswith(".healthchecks.io")


def _clean_key(api_key: str | None) -> str | None:
    if api_key is None:
        return None
    key = api_key.strip()  # keys read from files often end with a newline
    if not key.isascii() or not key.isprintable():
        # Never quote it: it is a secret, even when it is a broken one.
        raise AuthError("the API key contains characters that no API key has; check HC_API_KEY")
    return key or None


class HealthchecksApi:
    """Management API v3 client on one pool of kept-alive connections.

        with HealthchecksApi("https://hc.example.org/api/v3/", api_key) as api:
            check, created = api.create_check({"name": "backup", "slug": "backup"},
                                              unique=["slug"])
            api.pause_check(check.uuid)

    `url` may be the site (`https://hc.example.org`) or any API version's base; v3 is used.
    `client`, an `httpx.Client`, carries the requests instead (the caller closes it).
    `timeout` (seconds) applies to every request, also through a `client` passed in.
    `retries` is how many times a failed request is repeated. `rate_limit` is requests a
    second, None for no limit; by default on for healthchecks.io only. `request_count` counts
    the requests actually sent, retries included.
    """

    def __init__(
        self,
        url: str,
        api_key: str | None,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        rate_limit: float | _Default | None = DEFAULT,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self.base_url = api_base_url(url)
        self._api_key = _clean_key(api_key)
        # Never follow a redirect: the key would go wherever the Location points.
        self._transport: SyncTransport = (
            HttpxTransport(client, follow_redirects=False)
            if client is not None
            else default_transport(self.base_url, max_idle=POOL_SIZE)
        )
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_backoff = max_backoff
        if isinstance(rate_limit, _Default):
            rate_limit = HOSTED_RATE if _is_hosted(self.base_url) else None
        self.rate_limit = rate_limit
        self._limiter = RateLimiter(rate_limit, burst=DEFAULT_BURST) if rate_limit else None
        self.request_count = 0
        self._count_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<HealthchecksApi {_redact(self.base_url)}>"

    def __enter__(self) -> HealthchecksApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool, unless the client was passed in (its owner closes it)."""
        self._transport.close()  # an injected client stays open

    # --- checks ---------------------------------------------------------------------------------

    def list_checks(self, *, tags: Iterable[str] = (), slug: str | None = None) -> list[Check]:
        """Every check of the project (no pagination), optionally having all `tags` / `slug`.

        `tags` may also be one string of space-separated tags, as the API writes them.
        """
        # A str is an Iterable[str] of characters: take it as the API's tag string instead.
        tag_list = tags.split() if isinstance(tags, str) else list(tags)
        params = [("tag", tag) for tag in tag_list]
        if slug is not None:
            params.append(("slug", slug))
        data = self._call("GET", "checks/", params=params)
        items = self._items(data, "checks", "GET checks/")
        return [self._check(item, "GET checks/") for item in items]

    def get_check(self, uuid_or_unique_key: str) -> Check:
        """One check by UUID (read-write key) or by `unique_key` (read-only key)."""
        path = f"checks/{_check_id(uuid_or_unique_key, unique_key_ok=True)}"
        return self._check(self._call("GET", path, check=uuid_or_unique_key), f"GET {path}")

    def create_check(
        self, body: Mapping[str, object], *, unique: Sequence[str] = ()
    ) -> tuple[Check, bool]:
        """Create a check, or with `unique` update the one matching those fields.

        Returns the check and whether it was created (201) rather than matched (200).
        """
        payload = dict(body)
        if unique:
            payload["unique"] = list(unique)
        # Without `unique` a repeated create after an unanswered one may make a second check.
        idempotent: _Idempotence = "always" if unique else "never"
        response = self._send("POST", "checks/", body=payload, idempotent=idempotent)
        data = self._json(response, "POST checks/")
        return self._check(data, "POST checks/"), response.status == 201

    def update_check(self, uuid: str, body: Mapping[str, object]) -> Check:
        """Change the fields in `body`; the others keep their values."""
        path = f"checks/{_check_id(uuid)}"
        return self._check(self._call("POST", path, body=body, check=uuid), f"POST {path}")

    def delete_check(self, uuid: str) -> Check:
        """Delete the check for good (its UUID cannot come back); returns it as it was."""
        path = f"checks/{_check_id(uuid)}"
        return self._check(self._call("DELETE", path, check=uuid), f"DELETE {path}")

    def pause_check(self, uuid: str) -> Check:
        """Pause monitoring until the next ping (or resume); pausing a paused check is fine."""
        path = f"checks/{_check_id(uuid)}/pause"
        return self._check(self._call("POST", path, body={}, check=uuid), f"POST {path}")

    def resume_check(self, uuid: str) -> Check:
        """Resume a paused check; Conflict if it is not paused."""
        path = f"checks/{_check_id(uuid)}/resume"
        return self._check(self._call("POST", path, body={}, check=uuid), f"POST {path}")

    def list_pings(self, uuid: str) -> list[dict[str, Any]]:
        """The check's logged pings, newest first, as the server describes them."""
        path = f"checks/{_check_id(uuid)}/pings/"
        return self._items(self._call("GET", path, check=uuid), "pings", f"GET {path}")

    def list_flips(self, uuid: str) -> list[dict[str, Any]]:
        """The check's status changes ({"timestamp", "up"}), as the server describes them."""
        path = f"checks/{_check_id(uuid)}/flips/"
        return self._items(self._call("GET", path, check=uuid), "flips", f"GET {path}")

    def list_channels(self) -> list[Channel]:
        """The project's integrations (needs a read-write key)."""
        items = self._items(self._call("GET", "channels/"), "channels", "GET channels/")
        try:
            return [Channel.from_json(item) for item in items]
        except (KeyError, TypeError) as exc:
            raise self._malformed("GET channels/", f"an integration without {exc}") from exc

    # --- one request -----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: Mapping[str, object] | None = None,
        check: str | None = None,
    ) -> Any:
        response = self._send(method, path, params=params, body=body, check=check)
        return self._json(response, f"{method} {path}")

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: Mapping[str, object] | None = None,
        check: str | None = None,
        idempotent: _Idempotence = "always",
    ) -> Response:
        """Send with retries; the final answer if 2xx, else the matching ApiError."""
        url = self.base_url + path + (f"?{urlencode(params, quote_via=quote)}" if params else "")
        content = b"" if body is None else _json_body(body)
        headers = self._headers(json_body=body is not None)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._send_once(method, url, content, headers, idempotent)
            except Failure as exc:
                if exc.stage == "decode":
                    where = f"{method} {_redact(self.base_url)}{path}"
                    raise ApiError(f"{where}: the answer could not be read ({exc.detail})") from exc
                if last or not _may_repeat(exc, idempotent):
                    raise self._transport_error(exc, method, path) from exc
                _sleep(self._backoff(attempt))
                continue
            delay = self._retry_delay(response, attempt, idempotent)
            if last or delay is None:
                return self._checked(response, method, path, check)
            _sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send_once(
        self,
        method: str,
        url: str,
        content: bytes,
        headers: dict[str, str],
        idempotent: _Idempotence,
    ) -> Response:
        if self._limiter is not None:
            self._limiter.acquire()
        with self._count_lock:
            self.request_count += 1
        return self._transport.request(
            method,
            url,
            body=content,
            timeout=self.timeout,
            headers=headers,
            max_body=MAX_ANSWER,
            resend=idempotent == "always",
            whole=True,
        )

    def _headers(self, *, json_body: bool) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
        if self._api_key is not None:
            headers["X-Api-Key"] = self._api_key
        return headers

    def _backoff(self, attempt: int) -> float:
        delay = min(self.max_backoff, self.backoff * 2**attempt)
        return random.uniform(delay / 2, delay)  # jitter spreads out clients that failed together

    def _retry_delay(
        self, response: Response, attempt: int, idempotent: _Idempotence
    ) -> float | None:
        """Seconds to wait before repeating, or None when this answer is final."""
        status = response.status
        # A 429 was not processed, so repeating it is always safe; a 5xx may have been.
        if status != 429 and not (status >= 500 and idempotent == "always"):
            return None
        hint = _retry_after(response)  # 429 and 503 may say how long to wait
        if hint is None:
            return self._backoff(attempt)
        return hint if hint <= MAX_RETRY_AFTER else None

    # --- answers ---------------------------------------------------------------------------------

    def _checked(self, response: Response, method: str, path: str, check: str | None) -> Response:
        status = response.status
        if 200 <= status < 300:
            return response
        where = f"{method} {_redact(self.base_url)}{path}"
        message = _error_text(response)
        if status in (401, 403):
            raise self._auth_error(status, message, method, path, check)
        if status == 404:
            raise NotFound(self._not_found(where, path, check), status=404, check=check)
        if status == 409:
            raise Conflict(f"{where}: {message or 'conflict'}", status=409, check=check)
        if status == 429:
            hint = _retry_after(response)
            raise RateLimited(
                f"{where}: the server keeps answering 429 Too Many Requests"
                + (f" (retry after {hint:g}s)" if hint is not None else ""),
                check=check,
                retry_after=hint,
            )
        if status >= 500:
            raise ServerError(f"{where}: the server failed ({_status(response)})", status=status)
        if 300 <= status < 400:
            location = _redact(response.headers.get("location", "?"))
            raise ApiError(
                f"{where}: the server redirects to {location}; use that address as the API URL",
                status=status,
            )
        raise ApiError(f"{where}: {message or _status(response)}", status=status, check=check)

    def _auth_error(
        self, status: int, message: str, method: str, path: str, check: str | None
    ) -> ApiError:
        where = f"{method} {_redact(self.base_url)}{path}"
        if status == 403 and path == "checks/" and method == "POST":
            return ApiError(f"{where}: the project has reached its limit of checks", status=403)
        if status == 403:
            return AuthError(f"{where}: the check belongs to another project", status=403)
        if self._api_key is None:
            text = "no API key is set (HC_API_KEY)"
        elif message == "missing api key":
            text = "the API key was refused: it is not 32 characters long (check HC_API_KEY)"
        elif method == "GET":
            text = "the API key was refused: it is not a key of this server's projects"
        else:
            text = (
                "the API key was refused (read-only key for a write? apply needs a read-write"
                " API key)"
            )
        return AuthError(f"{where}: {text}", status=status, check=check)

    def _not_found(self, where: str, path: str, check: str | None) -> str:
        if check is not None:
            return f"{where}: no check {check} in this project"
        return f"{where}: not found; is {_redact(self.base_url)} a Healthchecks API URL?"

    def _transport_error(self, exc: Failure, method: str, path: str) -> TransportError:
        where = f"{method} {_redact(self.base_url)}{path}"
        return TransportError(f"{where}: {_transport_reason(exc, self.timeout)}")

    def _json(self, response: Response, what: str) -> Any:
        try:
            return json.loads(response.body)
        except ValueError as exc:
            raise self._malformed(what, "a body that is not JSON") from exc

    def _items(self, data: Any, key: str, what: str) -> list[dict[str, Any]]:
        # Old servers answer some lists bare; current ones wrap them in {"key": [...]}.
        items = data.get(key) if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self._malformed(what, f"no list of {key}")
        return items

    def _check(self, data: Any, what: str) -> Check:
        if not isinstance(data, dict):
            raise self._malformed(what, "something that is not a check")
        try:
            return Check.from_json(data)
        except KeyError as exc:
            raise self._malformed(what, f"a check without {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise self._malformed(what, f"a check with a malformed field ({exc})") from exc

    def _malformed(self, what: str, found: str) -> ApiError:
        return ApiError(
            f"{_redact(self.base_url)} answered {what} with {found}; is it a Healthchecks"
            " server (v3 API)?"
        )


def _check_id(value: str, *, unique_key_ok: bool = False) -> str:
    """The path form of a check's UUID (lowercase, dashed) or, where allowed, its unique_key."""
    text = str(value).strip().lower()
    if unique_key_ok and _UNIQUE_KEY.match(text):
        return text
    try:
        return str(uuid_module.UUID(text))
    except ValueError:
        raise NotFound(f"{value!r} is not a check UUID", check=str(value)) from None


def _json_body(body: Mapping[str, object]) -> bytes:
    # The server rejects JSON null for every field; None means "not given" here.
    data = {key: value for key, value in body.items() if value is not None}
    # ASCII escapes: a stray surrogate in a string reaches the server's validation, not ours.
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()


def _may_repeat(exc: Failure, idempotent: _Idempotence) -> bool:
    # A request not written whole can always go again; one that was may have been processed.
    return exc.stage in ("connect", "send") or idempotent == "always"


def _retry_after(response: Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_text(response: Response) -> str:
    """The server's {"error": "..."} or short plain-text reason, or "" when it sent none."""
    try:
        data = json.loads(response.body)
    except ValueError:
        # Some answers are plain text ("check is not paused"); HTML error pages are not shown.
        text = response.body.decode("utf-8", "replace").strip()
        plain = text and not text.startswith("<") and "\n" not in text
        return text[:300] if plain else ""
    error = data.get("error") if isinstance(data, dict) else None
    return str(error)[:300] if error else ""


def _status(response: Response) -> str:
    return f"{response.status} {response.reason}".strip()


def _transport_reason(exc: Failure, timeout: float) -> str:
    if exc.stage == "connect" and exc.timed_out:
        return f"could not connect within {timeout:g}s"
    if exc.timed_out:
        return f"no answer within {timeout:g}s"
    if exc.stage == "connect":
        return f"could not connect ({exc.detail})"
    return "the connection was closed before an answer came"
