"""`hcctl serve`: run the local server in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from hcctl.errors import HcctlError
from hcctl.server.local import LocalServer

__all__ = ["serve"]


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    db_path: Path | None = None,
    api_key: str | None = None,
    api_key_readonly: str | None = None,
    ping_key: str | None = None,
    channels: Sequence[str] = ("email", "slack"),
    ping_body_limit: int | None = 10_000,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve until SIGINT or SIGTERM. Keys not given are created and shown once through `echo`.

    Raises HcctlError when the address cannot be bound or a key is malformed."""
    _check_keys(api_key, api_key_readonly, ping_key)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        server = LocalServer(
            db_path=db_path,
            host=host,
            port=port,
            ping_body_limit=ping_body_limit,
            channels=channels,
            api_key=api_key,
            api_key_readonly=api_key_readonly,
            ping_key=ping_key,
        )
    except OSError as exc:
        raise HcctlError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    with server, _stop_signals() as stop:
        _announce(server, echo, show_keys=not (api_key and api_key_readonly and ping_key))
        while not stop.wait(0.5):
            pass


def _check_keys(api_key: str | None, api_key_readonly: str | None, ping_key: str | None) -> None:
    for name, key in (("--api-key", api_key), ("--api-key-readonly", api_key_readonly)):
        if key is not None and len(key) != 32:
            raise HcctlError(f"{name} must be 32 characters long, as the real server's keys are")
    if api_key is not None and api_key == api_key_readonly:
        raise HcctlError("--api-key and --api-key-readonly must differ")
    if ping_key is not None and not ping_key.replace("-", "").replace("_", "").isalnum():
        raise HcctlError("--ping-key may only contain letters, digits, '-' and '_'")


def _announce(server: LocalServer, echo: Callable[[str], None], *, show_keys: bool) -> None:
    echo(f"Healthchecks-compatible server on {server.site_url} (database {server.db_path})")
    echo(f"HC_API_URL={server.api_url}")
    echo(f"HC_PING_URL={server.ping_url}")
    if show_keys:
        # Shown once, here: the database keeps only their hashes (the ping key excepted).
        echo(f"HC_API_KEY={server.api_key}")
        echo(f"HC_API_KEY_READONLY={server.api_key_readonly}")
        echo(f"HC_PING_KEY={server.ping_key}")
    echo("Press Ctrl+C to stop.")


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, handled from before the server says it is ready."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
