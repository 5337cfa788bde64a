"""Real databases holding an `api_check` table as Healthchecks makes it, for pinning tests.

Each `PinDb` is a fresh, isolated place (a SQLite file, a PostgreSQL schema, a MariaDB
database) with `api_check.code` of the real column type, dropped afterwards. PostgreSQL and
MariaDB tests skip when the server is unreachable, and fail instead when CI=true.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MYSQL_HOST, MYSQL_PORT = "127.0.0.1", 3306


@dataclass
class PinDb:
    """A database with an api_check table; `storage` is "hex" or "native"."""

    url: str
    storage: str
    connect: Callable[[], Any]
    param: str

    def insert(self, code: str, name: str = "check") -> int:
        """Insert a check row the way the server stores it; returns its id."""
        value = self.stored(code)
        with self._cursor() as cur:
            cur.execute(
                f"INSERT INTO api_check (code, name) VALUES ({self.param}, {self.param})",
                (value, name),
            )
            cur.execute(f"SELECT id FROM api_check WHERE code = {self.param}", (value,))
            return int(cur.fetchone()[0])

    def rows(self) -> dict[int, str]:
        """id -> code exactly as stored (a str: hex, or the native uuid's text)."""
        with self._cursor() as cur:
            cur.execute("SELECT id, code FROM api_check ORDER BY id")
            return {int(row[0]): str(row[1]) for row in cur.fetchall()}

    def stored(self, code: str) -> object:
        u = uuid.UUID(code)
        return u.hex if self.storage == "hex" else str(u)

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        conn = self.connect()
        try:
            cur = conn.cursor()
            yield cur
            conn.commit()
        finally:
            conn.close()


def unreachable(what: str, exc: Exception) -> None:
    """Skip (or fail under CI=true) because a database server cannot be reached."""
    message = f"{what} is not reachable here ({exc}); start it to run this test"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def sqlite_db(tmp_path: Path) -> PinDb:
    path = tmp_path / "hc.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE api_check (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,"
        " code char(32) NOT NULL UNIQUE, name varchar(100) NOT NULL)"
    )
    conn.commit()
    conn.close()
    return PinDb(f"sqlite:///{path}", "hex", lambda: sqlite3.connect(path), "?")


@contextmanager
def postgres_db(*, code_type: str = "uuid", table: bool = True) -> Iterator[PinDb]:
    import psycopg

    schema = f"hcctl_pin_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        unreachable("PostgreSQL at 127.0.0.1:5432", exc)
        raise
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    admin.execute("SET lock_timeout = '20s'")  # a test that left a lock must not hang the run
    try:
        admin.execute(f"CREATE SCHEMA {schema}")
        if table:
            admin.execute(
                f"CREATE TABLE {schema}.api_check (id serial PRIMARY KEY,"
                f" code {code_type} NOT NULL UNIQUE, name varchar(100) NOT NULL)"
            )
        storage = "native" if code_type == "uuid" else "hex"
        yield PinDb(url, storage, lambda: psycopg.connect(url), "%s")
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@contextmanager
def mariadb_db(*, code_type: str = "char(32)", table: bool = True) -> Iterator[PinDb]:
    import pymysql

    name = f"hcctl_pin_{uuid.uuid4().hex[:12]}"
    try:
        admin = pymysql.connect(
            host=MYSQL_HOST, port=MYSQL_PORT, user="root", autocommit=True, connect_timeout=5
        )
    except pymysql.Error as exc:
        unreachable("MariaDB at 127.0.0.1:3306", exc)
        raise
    try:
        with admin.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 20")  # never hang on a leftover lock
            cur.execute(f"CREATE DATABASE {name}")
            if table:
                cur.execute(
                    f"CREATE TABLE {name}.api_check (id integer AUTO_INCREMENT PRIMARY KEY,"
                    f" code {code_type} NOT NULL UNIQUE, name varchar(100) NOT NULL)"
                    " ENGINE=InnoDB"
                )
        storage = "native" if code_type == "uuid" else "hex"

        def connect() -> Any:
            return pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", database=name)

        yield PinDb(f"mysql://root@{MYSQL_HOST}:{MYSQL_PORT}/{name}", storage, connect, "%s")
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()
