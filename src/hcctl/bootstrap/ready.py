"""Waiting until the server answers `GET <api>/status/` with OK."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from hcctl.errors import BootstrapError

__all__ = ["wait_until_ready"]

Progress = Callable[[float, str], None]  # (seconds waited, the last answer)


def wait_until_ready(
    api_url: str,
    *,
    timeout: float,
    interval: float = 1.0,
    on_progress: Progress | None = None,
    client: httpx.Client | None = None,
) -> None:
    """Ask `<api_url>status/` every `interval` seconds until it answers OK.

    Raises BootstrapError after `timeout` seconds, quoting the last answer (or the reason
    there was none). `on_progress` is called after each answer that is not yet OK.
    """
    url = api_url.rstrip("/") + "/status/"
    start = time.monotonic()
    with client or httpx.Client() as http:
        while True:
            last = _ask(http, url, timeout=max(0.5, min(5.0, timeout)))
            if last is None:
                return
            waited = time.monotonic() - start
            if waited >= timeout:
                raise BootstrapError(
                    f"the server at {url} was not ready within {timeout:g}s; last answer: {last}"
                )
            if on_progress is not None:
                on_progress(waited, last)
            time.sleep(min(interval, max(0.0, timeout - waited)))


def _ask(http: httpx.Client, url: str, *, timeout: float) -> str | None:
    """None when the server answers OK, otherwise what it answered, in words."""
    try:
        response = http.get(url, timeout=timeout)
    except httpx.TransportError as exc:
        return _reason(exc)
    body = response.text.strip()
    if response.status_code == 200 and body == "OK":
        return None
    shown = " ".join(body.split())[:120] or "(empty body)"
    return f"HTTP {response.status_code}: {shown}"


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc or 'refused'})"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    return f"connection failed ({type(exc).__name__}: {exc})"
