"""HTTP plumbing: requests, responses, routing and the threaded keep-alive server.

Routing follows the real server's URL patterns (Django path converters), including what Django
does around them: a 404 HTML page for paths that match nothing, and a 301 to the same path with
a slash appended when only that one matches.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

__all__ = ["Headers", "Request", "Response", "Route", "Router"]

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
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class Headers(dict[str, str]):
    """Request headers by lowercased name; a repeated header's values joined by commas."""

    def get_header(self, name: str, default: str = "") -> str:
        return self.get(name.lower(), default)

    def has(self, name: str) -> bool:
        return name.lower() in self


@dataclass
class Request:
    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, list[str]]
    headers: Headers
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
    # An error page Django makes from an exception (Http404, a body too large): the view's
    # decorators (CORS, never_cache) never saw it, so it carries none of their headers.
    raised: bool = False
    # Django's APPEND_SLASH redirect leaves before the X-Frame-Options middleware runs.
    frame_options: bool = True


def text(body: str, status: int = 200) -> Response:
    return Response(status, body.encode())


def json_response(data: Any, status: int = 200) -> Response:
    # Django's JsonResponse: json.dumps with its default separators.
    return Response(status, json.dumps(data).encode(), "application/json")


def error(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


def not_found_page() -> Response:
    details = "The requested resource was not found on this server."
    page = text(_ERROR_PAGE.format(title="Not Found", details=details), 404)
    page.raised = True
    return page


def bad_request_page() -> Response:
    page = text(_ERROR_PAGE.format(title="Bad Request (400)", details=""), 400)
    page.raised = True
    return page


def csrf_failure_page() -> Response:
    """Django's answer to a POST (or PUT, DELETE...) on a view not exempt from CSRF checks."""
    body = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <title>403 Forbidden</title>\n</head>\n'
        '<body>\n<div id="summary">\n  <h1>Forbidden <span>(403)</span></h1>\n'
        "  <p>CSRF verification failed. Request aborted.</p>\n</div>\n</body>\n</html>\n"
    )
    page = text(body, 403)
    page.raised = True
    return page


def never_cache(response: Response) -> Response:
    if response.raised:
        return response
    response.headers["Expires"] = http_date()
    response.headers["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    return response


_date_cache: tuple[int, str] = (0, "")


def http_date() -> str:
    """Now, as an HTTP date; formatted once a second: it showed up in profiles of pings."""
    global _date_cache
    second = int(time.time())
    if _date_cache[0] != second:
        _date_cache = (second, formatdate(second, usegmt=True))
    return _date_cache[1]


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    handler: Handler
    extra: dict[str, Any]
    cors: tuple[str, ...] | None  # the methods a CORS-wrapped view allows; None: any
    csrf: bool  # the real view is not CSRF-exempt: unsafe methods get Django's 403
    prefix: str  # the pattern's literal start: a path without it cannot match


_SPECIAL = re.compile(r"[\\.^$*+?{}\[\]|()]")


def _prefix(pattern: str) -> str:
    """What every path the pattern matches starts with ("" when that cannot be told simply)."""
    if "|" in pattern:
        return ""
    literal = _SPECIAL.split(pattern, maxsplit=1)[0]
    if pattern[len(literal) : len(literal) + 1] in ("?", "*", "{"):
        return literal[:-1]  # a quantifier makes the last character optional
    return literal


class Router:
    """Ordered URL patterns; the first full match wins, as in Django's URL resolver."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        pattern: str,
        handler: Handler,
        *,
        cors: tuple[str, ...] | None = None,
        csrf: bool = False,
        **extra: Any,
    ) -> None:
        self.routes.append(Route(re.compile(pattern), handler, extra, cors, csrf, _prefix(pattern)))

    def match(self, path: str) -> tuple[Route, dict[str, Any]] | None:
        # A v3 API path comes after some forty patterns: a prefix test skips most of them.
        for route in self.routes:
            found = path.startswith(route.prefix) and route.pattern.fullmatch(path)
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
                return Response(301, headers={"Location": location}, frame_options=False)
            return not_found_page()
        route, params = found
        if route.csrf and request.method not in _SAFE_METHODS:
            return csrf_failure_page()
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
    if response.raised:
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "X-Api-Key"
    response.headers["Access-Control-Allow-Methods"] = ", ".join((*(route.cors or ()), "OPTIONS"))
    response.headers["Access-Control-Max-Age"] = "600"
    return response


_PING_KEY_PATH = re.compile(r"^/ping/(?!" + UUID[len("(?P<code>") : -1] + r")([^/]+)/")


def loggable(path: str) -> str:
    """The path with any ping key masked: it is a secret."""
    return _PING_KEY_PATH.sub("/ping/***/", path)
