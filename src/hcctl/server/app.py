"""The server's shared state: where the database is, its per-thread connections, its settings."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hcctl.errors import HcctlError
from hcctl.server import store
from hcctl.server.schema import connect, create_schema
from hcctl.server.status import Urls

__all__ = ["App", "Settings"]


@dataclass(frozen=True)
class Settings:
    ping_body_limit: int | None = 10_000
    check_limit: int = 10_000  # the self-hosted default per account
    ping_log_limit: int = 100  # pings kept per check and returned by the pings API


class App:
    """One database, one secret for hashing keys, one thread-local SQLite connection per thread."""

    def __init__(self, db_path: Path, urls: Urls, settings: Settings) -> None:
        self.db_path = db_path
        self.urls = urls
        self.settings = settings
        try:
            create_schema(db_path)
        except sqlite3.Error as exc:
            raise HcctlError(f"cannot use the database {db_path}: {exc}") from exc
        self._local = threading.local()
        self._open: set[sqlite3.Connection] = set()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        with self.write() as conn:
            self.secret = store.server_secret(conn)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (created on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.db_path)
            self._local.conn = conn
            with self._lock:
                self._open.add(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's connection.

        Our own threads queue on a lock rather than in SQLite's busy handler, which sleeps in
        steps of milliseconds; other processes still wait through the busy timeout.
        """
        with self._write_lock, store.transaction(self.conn()) as conn:
            yield conn

    def release(self) -> None:
        """Close this thread's connection (its client went away)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._lock:
                self._open.discard(conn)
            conn.close()

    def close(self) -> None:
        """Close every connection; only once no request is being served."""
        with self._lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            conn.close()
