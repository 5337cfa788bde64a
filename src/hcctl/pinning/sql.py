"""Pinning straight in the database: SQLite, PostgreSQL, MySQL and MariaDB.

    sqlite:///relative/path/hc.sqlite    sqlite:////absolute/path/hc.sqlite
    postgresql://user:password@host:5432/hc    (postgres://, postgresql+psycopg:// too)
    mysql://user:password@host:3306/hc         (mariadb://, mysql+pymysql:// too)

`api_check.code` is a Django UUIDField, stored according to the column's real type, which is
read from the database rather than assumed: `char(32)` holds 32 lowercase hex digits without
dashes (SQLite, MySQL, MariaDB databases made before Django 5.0), `uuid` the native type
(PostgreSQL, newer MariaDB). A UUID written in the wrong form would be listed by the API while
every ping to it answered 404.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, quote, unquote

from hcctl.errors import PinError, UuidTaken
from hcctl.pinning._common import parse_uuid, redact_url, scrub, split_url

__all__ = ["SqlPinner", "open_sql_pinner"]

TIMEOUT = 10.0  # seconds to connect or to wait for a lock: a stuck database must not hang apply

_HEX_TYPES = {"char(32)", "character(32)", "varchar(32)", "character varying(32)"}


@dataclass(frozen=True)
class _Backend:
    """What differs between the database drivers."""

    name: str
    error: type[Exception]
    integrity_error: type[Exception]
    param: str  # the driver's placeholder
    column_type_sql: str  # one row whose first column is the type of api_check.code
    begin: Callable[[Any], None]
    native: Callable[[uuid.UUID], object]  # a UUID as this driver binds a native uuid column


class SqlPinner:
    """Changes `api_check.code` through a DB-API connection, one transaction per pin.

    pinner = open_sql_pinner("sqlite:////var/lib/healthchecks/hc.sqlite")
    pinner.pin(created_uuid, wanted_uuid)
    """

    def __init__(
        self, connection: Any, backend: _Backend, *, where: str, password: str | None = None
    ) -> None:
        self._conn = connection
        self._backend = backend
        self.where = where  # the URL with its password redacted, for messages
        self._password = password  # only to keep it out of the driver's messages
        self._lock = threading.Lock()  # one connection: one pin at a time
        self.storage = self._read_storage()

    def __repr__(self) -> str:
        return f"<SqlPinner {self.where} code={self.storage}>"

    def pin(self, current_uuid: str, wanted_uuid: str) -> None:
        current, wanted = parse_uuid(current_uuid), parse_uuid(wanted_uuid)
        with self._lock:
            try:
                self._pin(current, wanted)
            except self._backend.integrity_error as exc:
                self._rollback()
                # Another writer took the UUID between our look and our update.
                raise self._taken(wanted) from exc
            except self._backend.error as exc:
                self._rollback()
                raise PinError(f"could not pin in {self.where}: {self._reason(exc)}") from exc

    def pin_many(self, pairs: Sequence[tuple[str, str]]) -> bool:
        """Pin every (current, wanted) pair in one transaction; True when all were committed.

        False when any one of them would fail (its wanted UUID taken, its current UUID gone, a
        database error): then the whole transaction is rolled back, nothing changed, and the
        caller pins them one by one to learn which failed and why. One commit instead of one
        per pair: each commit waits for the disk.
        """
        parsed = [(parse_uuid(current), parse_uuid(wanted)) for current, wanted in pairs]
        with self._lock:
            try:
                if self._pin_all(parsed):
                    return True
            except self._backend.error:
                pass  # pin() one by one raises the right error for the right pair
            self._rollback()
            return False

    def close(self) -> None:
        # Closing a broken connection has nothing left to release.
        with contextlib.suppress(self._backend.error):
            self._conn.close()

    def _pin(self, current: uuid.UUID, wanted: uuid.UUID) -> None:
        cursor = self._conn.cursor()
        self._backend.begin(self._conn)
        if current != wanted and self._exists(cursor, wanted):
            self._rollback()
            raise self._taken(wanted)
        if not self._update(cursor, current, wanted):
            self._rollback()
            raise PinError(f"no check with UUID {current} in {self.where}")
        self._conn.commit()

    def _pin_all(self, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> bool:
        """Each pair as `_pin` checks it, all in one transaction (False: not committed)."""
        cursor = self._conn.cursor()
        self._backend.begin(self._conn)
        for current, wanted in pairs:
            if current != wanted and self._exists(cursor, wanted):
                return False
            if not self._update(cursor, current, wanted):
                return False
        self._conn.commit()
        return True

    def _update(self, cursor: Any, current: uuid.UUID, wanted: uuid.UUID) -> bool:
        """Whether the check with `current` now has `wanted` (not committed yet)."""
        if current == wanted:
            # Nothing to change, only to confirm: MySQL counts a same-value update as 0 rows.
            return self._exists(cursor, current)
        p = self._backend.param
        cursor.execute(
            f"UPDATE api_check SET code = {p} WHERE code = {p}",
            (self._value(wanted), self._value(current)),
        )
        return bool(cursor.rowcount == 1)

    def _exists(self, cursor: Any, code: uuid.UUID) -> bool:
        p = self._backend.param
        cursor.execute(f"SELECT 1 FROM api_check WHERE code = {p}", (self._value(code),))
        return cursor.fetchone() is not None

    def _value(self, code: uuid.UUID) -> object:
        return code.hex if self.storage == "hex" else self._backend.native(code)

    def _taken(self, wanted: uuid.UUID) -> UuidTaken:
        return UuidTaken(
            f"UUID {wanted} already belongs to another check in {self.where}"
            " (another machine may have pinned it first)",
            uuid=str(wanted),
        )

    def _rollback(self) -> None:
        # A failed rollback means the transaction went with the connection: nothing committed.
        with contextlib.suppress(self._backend.error):
            self._conn.rollback()

    def _read_storage(self) -> str:
        """ "hex" or "native" from the real type of api_check.code; PinError if not Healthchecks."""
        try:
            cursor = self._conn.cursor()
            cursor.execute(self._backend.column_type_sql)
            row = cursor.fetchone()
            self._rollback()
        except self._backend.error as exc:
            raise PinError(f"could not read {self.where}: {self._reason(exc)}") from exc
        if row is None:
            raise PinError(
                f"{self.where} is not a Healthchecks database: it has no table api_check"
                " with a column code"
            )
        column_type = _text(row[0])
        if column_type in _HEX_TYPES:
            return "hex"
        if column_type == "uuid":
            return "native"
        raise PinError(
            f"{self.where} is not a Healthchecks database: api_check.code is {column_type},"
            " not char(32) or uuid"
        )

    def _reason(self, exc: Exception) -> str:
        return _reason(exc, self._password)


def open_sql_pinner(db_url: str, *, timeout: float = TIMEOUT) -> SqlPinner:
    """A pinner on `db_url`, checked to be a Healthchecks database; PinError otherwise.

    `timeout` bounds connecting and each wait for a lock another writer holds.
    """
    parts = split_url(db_url)
    where = redact_url(db_url)
    scheme = parts.scheme.lower().partition("+")[0]
    if scheme == "sqlite":
        return _checked(_connect_sqlite(parts, where, timeout), _SQLITE, where=where, password=None)
    if scheme in {"postgresql", "postgres"}:
        return _open_postgres(db_url, parts, where, timeout)
    if scheme in {"mysql", "mariadb"}:
        return _open_mysql(parts, where, timeout)
    raise PinError(
        f"unsupported database URL {where}: expected sqlite:///path, postgresql://... or mysql://..."
    )


def _checked(connection: Any, backend: _Backend, *, where: str, password: str | None) -> SqlPinner:
    """A pinner on `connection`, which is closed if it is not a Healthchecks database."""
    try:
        return SqlPinner(connection, backend, where=where, password=password)
    except PinError:
        connection.close()
        raise


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode()
    return " ".join(str(value).lower().split())


def _reason(exc: BaseException, password: str | None) -> str:
    """The driver's first line, without the password that the URL may carry."""
    args = exc.args
    # PyMySQL puts (code, message) in args; the other drivers a message.
    text = str(args[1]) if len(args) == 2 and isinstance(args[0], int) else str(exc)
    return scrub(text, (password,)) or type(exc).__name__


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at once, so the look for a taken UUID and the update
    # see the same database.
    connection.execute("BEGIN IMMEDIATE")


_SQLITE = _Backend(
    name="SQLite",
    error=sqlite3.Error,
    integrity_error=sqlite3.IntegrityError,
    param="?",
    column_type_sql=("SELECT type FROM pragma_table_info('api_check') WHERE name = 'code'"),
    begin=_sqlite_begin,
    native=str,
)


def _connect_sqlite(parts: SplitResult, where: str, timeout: float) -> sqlite3.Connection:
    # sqlite:///relative/path -> "relative/path"; sqlite:////absolute/path -> "/absolute/path".
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not path:
        raise PinError(f"{where} names no database file (sqlite:///path/to/hc.sqlite)")
    try:
        # mode=rw: a mistyped path must fail, not create an empty database.
        return sqlite3.connect(
            f"file:{quote(path)}?mode=rw",
            uri=True,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise PinError(f"could not open {where}: {exc} (does the file exist?)") from exc


def _missing_driver(package: str, extra: str) -> PinError:
    return PinError(
        f"pinning on this database needs the {package} driver: pip install 'hcctl[{extra}]'"
    )


def _open_postgres(db_url: str, parts: SplitResult, where: str, timeout: float) -> SqlPinner:
    try:
        import psycopg
    except ImportError:
        raise _missing_driver("psycopg", "postgres") from None
    conninfo = "postgresql" + db_url[len(parts.scheme) :]
    backend = _Backend(
        name="PostgreSQL",
        error=psycopg.Error,
        integrity_error=psycopg.IntegrityError,
        param="%s",
        column_type_sql=(
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " WHERE a.attrelid = to_regclass('api_check') AND a.attname = 'code'"
            " AND NOT a.attisdropped"
        ),
        begin=lambda connection: None,  # psycopg opens a transaction by itself
        native=lambda code: code,  # psycopg binds uuid.UUID as uuid
    )
    try:
        connection = psycopg.connect(conninfo, connect_timeout=max(1, round(timeout)))
        # SET is transactional in PostgreSQL: commit it so that no rollback undoes it.
        connection.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        connection.commit()
    except psycopg.Error as exc:
        raise PinError(f"could not connect to {where}: {_reason(exc, parts.password)}") from exc
    return _checked(connection, backend, where=where, password=parts.password)


def _open_mysql(parts: SplitResult, where: str, timeout: float) -> SqlPinner:
    try:
        import pymysql
    except ImportError:
        raise _missing_driver("PyMySQL", "mysql") from None
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise PinError(f"{where} names no database (mysql://user@host/name)")
    backend = _Backend(
        name="MySQL",
        error=pymysql.Error,
        integrity_error=pymysql.IntegrityError,
        param="%s",
        column_type_sql=(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
            " AND TABLE_NAME = 'api_check' AND COLUMN_NAME = 'code'"
        ),
        begin=lambda connection: connection.begin(),
        native=str,  # MariaDB's uuid type reads the dashed form
    )
    try:
        connection = pymysql.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 3306,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=database,
            connect_timeout=max(1, round(timeout)),
            autocommit=False,
        )
        with connection.cursor() as cursor:
            # InnoDB counts whole seconds, at least one.
            cursor.execute(f"SET SESSION innodb_lock_wait_timeout = {max(1, round(timeout))}")
    except pymysql.Error as exc:
        raise PinError(f"could not connect to {where}: {_reason(exc, parts.password)}") from exc
    return _checked(connection, backend, where=where, password=parts.password)
