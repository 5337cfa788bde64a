"""Reading and writing the server's rows; every function takes the thread's connection."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "CheckRow",
    "ProjectKeys",
    "from_db_time",
    "now",
    "to_db_time",
    "transaction",
]

DEFAULT_TIMEOUT = 86_400
DEFAULT_GRACE = 3_600
MICROS = 1_000_000


def now() -> datetime:
    return datetime.now(UTC)


def to_db_time(value: datetime | None) -> str | None:
    """Django's SQLite format: naive UTC, space separator, microseconds only when non-zero."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def from_db_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the lock up front, so concurrent writers queue up."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# --- projects and keys ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectKeys:
    """A project's credentials. The repr hides them: they are secrets."""

    api_key: str
    api_key_readonly: str
    ping_key: str

    def __repr__(self) -> str:
        return "ProjectKeys(api_key=***, api_key_readonly=***, ping_key=***)"


def new_api_key(prefix: str) -> str:
    """32 characters like the real server's: `hcw_`/`hcr_` and 28 alphanumerics."""
    while True:
        secret = secrets.token_urlsafe(21)
        if "-" not in secret and "_" not in secret:
            return prefix + secret


def new_ping_key() -> str:
    """22 lowercase url-safe characters without '-' or '_', like the real server's."""
    while True:
        key = secrets.token_urlsafe(16).lower()
        if "-" not in key and "_" not in key:
            return key


def server_secret(conn: sqlite3.Connection) -> str:
    """The database's own secret for hashing API keys, created on first use."""
    row = conn.execute(
        "SELECT value FROM hcctl_server_setting WHERE name = 'secret_key'"
    ).fetchone()
    if row:
        return str(row[0])
    conn.execute(
        "INSERT OR IGNORE INTO hcctl_server_setting (name, value) VALUES ('secret_key', ?)",
        (secrets.token_hex(32),),
    )
    return server_secret(conn)


@functools.lru_cache(maxsize=64)  # every API request hashes its key: most are the same few
def hash_api_key(secret: str, key: str) -> str:
    # Stored like the real server's hashed keys: 8 characters for lookup, then an HMAC.
    digest = hmac.digest(secret.encode(), key.encode(), "sha256")
    return key[4:12] + "." + digest.hex()


def insert_project(conn: sqlite3.Connection, keys: ProjectKeys, secret: str) -> int:
    cursor = conn.execute(
        'INSERT INTO accounts_project ("code", "name", "owner_id", "api_key", "api_key_readonly",'
        ' "badge_key", "ping_key", "show_slugs") VALUES (?, ?, 0, ?, ?, ?, ?, 0)',
        (
            uuid.uuid4().hex,
            "",
            hash_api_key(secret, keys.api_key),
            hash_api_key(secret, keys.api_key_readonly),
            str(uuid.uuid4()),
            keys.ping_key,
        ),
    )
    project_id = int(cursor.lastrowid or 0)
    conn.execute("UPDATE accounts_project SET owner_id = id WHERE id = ?", (project_id,))
    return project_id


def set_other_keys(
    conn: sqlite3.Connection, project_id: int, keys: ProjectKeys, secret: str
) -> None:
    """Replace a project's read-only key and ping key."""
    conn.execute(
        "UPDATE accounts_project SET api_key_readonly = ?, ping_key = ? WHERE id = ?",
        (hash_api_key(secret, keys.api_key_readonly), keys.ping_key, project_id),
    )


def project_for_key(
    conn: sqlite3.Connection, secret: str, key: str, *, accept_ro: bool
) -> tuple[int, bool] | None:
    """(project id, read-only?) for an API key, or None."""
    hashed = hash_api_key(secret, key)
    row = conn.execute("SELECT id FROM accounts_project WHERE api_key = ?", (hashed,)).fetchone()
    if row:
        return int(row[0]), key.startswith("hcr_")
    if accept_ro:
        row = conn.execute(
            "SELECT id FROM accounts_project WHERE api_key_readonly = ?", (hashed,)
        ).fetchone()
        if row:
            return int(row[0]), True
    return None


def project_for_ping_key(conn: sqlite3.Connection, ping_key: str) -> int | None:
    row = conn.execute("SELECT id FROM accounts_project WHERE ping_key = ?", (ping_key,)).fetchone()
    return int(row[0]) if row else None


def badge_key(conn: sqlite3.Connection, project_id: int) -> str:
    row = conn.execute("SELECT badge_key FROM accounts_project WHERE id = ?", (project_id,))
    return str(row.fetchone()[0])


# --- checks ---------------------------------------------------------------------------------

_CHECK_COLUMNS = (
    "id",
    "code",
    "project_id",
    "name",
    "slug",
    "tags",
    "desc",
    "created",
    "kind",
    "timeout",
    "grace",
    "schedule",
    "tz",
    "filter_subject",
    "filter_body",
    "filter_http_body",
    "filter_default_fail",
    "start_kw",
    "success_kw",
    "failure_kw",
    "methods",
    "manual_resume",
    "badge_key",
    "n_pings",
    "last_ping",
    "last_start",
    "last_start_rid",
    "last_duration",
    "has_confirmation_link",
    "alert_after",
    "status",
)
_SELECT_CHECK = "SELECT " + ", ".join(f'"{c}"' for c in _CHECK_COLUMNS) + " FROM api_check"


@dataclass
class CheckRow:
    """One `api_check` row, in Python types (durations in seconds, aware UTC datetimes)."""

    id: int | None
    code: uuid.UUID
    project_id: int
    name: str = ""
    slug: str = ""
    tags: str = ""
    desc: str = ""
    created: datetime | None = None
    kind: str = "simple"
    timeout: int = DEFAULT_TIMEOUT
    grace: int = DEFAULT_GRACE
    schedule: str = "* * * * *"
    tz: str = "UTC"
    filter_subject: bool = False
    filter_body: bool = False
    filter_http_body: bool = False
    filter_default_fail: bool = False
    start_kw: str = ""
    success_kw: str = ""
    failure_kw: str = ""
    methods: str = ""
    manual_resume: bool = False
    badge_key: str = ""  # a UUID with dashes
    n_pings: int = 0
    last_ping: datetime | None = None
    last_start: datetime | None = None
    last_start_rid: uuid.UUID | None = None
    last_duration: timedelta | None = None
    has_confirmation_link: bool = False
    alert_after: datetime | None = None
    status: str = "new"

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> CheckRow:
        # Positional and conversion-light: listing 1,000 checks builds 1,000 of these.
        (id_, code, project_id, name, slug, tags, desc, created, kind, timeout, grace) = row[:11]
        (schedule, tz, f_subject, f_body, f_http_body, f_default_fail, start_kw) = row[11:18]
        (success_kw, failure_kw, methods, manual_resume, badge_key, n_pings) = row[18:24]
        (last_ping, last_start, rid, last_duration, confirmation, alert_after, status) = row[24:]
        return cls(
            id=id_,
            code=uuid.UUID(code),
            project_id=project_id,
            name=name,
            slug=slug,
            tags=tags,
            desc=desc,
            created=from_db_time(created),
            kind=kind,
            timeout=timeout // MICROS,
            grace=grace // MICROS,
            schedule=schedule,
            tz=tz,
            filter_subject=bool(f_subject),
            filter_body=bool(f_body),
            filter_http_body=bool(f_http_body),
            filter_default_fail=bool(f_default_fail),
            start_kw=start_kw,
            success_kw=success_kw,
            failure_kw=failure_kw,
            methods=methods,
            manual_resume=bool(manual_resume),
            badge_key=dashed(badge_key),
            n_pings=n_pings,
            last_ping=from_db_time(last_ping),
            last_start=from_db_time(last_start),
            last_start_rid=uuid.UUID(rid) if rid else None,
            last_duration=None if last_duration is None else timedelta(microseconds=last_duration),
            has_confirmation_link=bool(confirmation),
            alert_after=from_db_time(alert_after),
            status=status,
        )

    def db_values(self, names: Sequence[str] | None = None) -> dict[str, object]:
        """Column -> stored value, in the database's formats (only `names`, if given)."""
        if names is not None:
            return {name: _db_value(self, name) for name in names}
        return {
            "code": self.code.hex,
            "project_id": self.project_id,
            "name": self.name,
            "slug": self.slug,
            "tags": self.tags,
            "desc": self.desc,
            "created": to_db_time(self.created),
            "kind": self.kind,
            "timeout": self.timeout * MICROS,
            "grace": self.grace * MICROS,
            "schedule": self.schedule,
            "tz": self.tz,
            "filter_subject": int(self.filter_subject),
            "filter_body": int(self.filter_body),
            "filter_http_body": int(self.filter_http_body),
            "filter_default_fail": int(self.filter_default_fail),
            "start_kw": self.start_kw,
            "success_kw": self.success_kw,
            "failure_kw": self.failure_kw,
            "methods": self.methods,
            "manual_resume": int(self.manual_resume),
            "badge_key": uuid.UUID(self.badge_key).hex if self.badge_key else uuid.uuid4().hex,
            "n_pings": self.n_pings,
            "last_ping": to_db_time(self.last_ping),
            "last_start": to_db_time(self.last_start),
            "last_start_rid": self.last_start_rid.hex if self.last_start_rid else None,
            "last_duration": _micros(self.last_duration),
            "has_confirmation_link": int(self.has_confirmation_link),
            "alert_after": to_db_time(self.alert_after),
            "status": self.status,
        }


def _db_value(check: CheckRow, name: str) -> object:
    value = getattr(check, name)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return to_db_time(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, timedelta):
        return _micros(value)
    if name in ("timeout", "grace"):
        return int(value) * MICROS
    return value


def dashed(value: str) -> str:
    """A stored UUID in its usual spelling; quick for the 32 hex characters Django writes."""
    if len(value) == 32 and value.islower():
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(uuid.UUID(value))


def _micros(value: timedelta | None) -> int | None:
    if value is None:
        return None
    return (value.days * 86_400 + value.seconds) * MICROS + value.microseconds


def get_check(conn: sqlite3.Connection, code: uuid.UUID) -> CheckRow | None:
    row = conn.execute(_SELECT_CHECK + " WHERE code = ?", (code.hex,)).fetchone()
    return CheckRow.from_row(row) if row else None


def get_check_by_id(conn: sqlite3.Connection, check_id: int) -> CheckRow | None:
    row = conn.execute(_SELECT_CHECK + " WHERE id = ?", (check_id,)).fetchone()
    return CheckRow.from_row(row) if row else None


def project_checks(
    conn: sqlite3.Connection, project_id: int, *, slug: str | None = None
) -> list[CheckRow]:
    if slug is not None:
        rows = conn.execute(
            _SELECT_CHECK + " WHERE project_id = ? AND slug = ? ORDER BY id", (project_id, slug)
        )
    else:
        rows = conn.execute(_SELECT_CHECK + " WHERE project_id = ? ORDER BY id", (project_id,))
    return [CheckRow.from_row(row) for row in rows]


def checks_by_slug(
    conn: sqlite3.Connection, ping_key: str, slug: str, *, limit: int = 2
) -> list[CheckRow]:
    rows = conn.execute(
        _SELECT_CHECK + " WHERE slug = ? AND project_id IN "
        "(SELECT id FROM accounts_project WHERE ping_key = ?) LIMIT ?",
        (slug, ping_key, limit),
    )
    return [CheckRow.from_row(row) for row in rows]


def count_checks(conn: sqlite3.Connection, project_id: int) -> int:
    row = conn.execute("SELECT COUNT(*) FROM api_check WHERE project_id = ?", (project_id,))
    return int(row.fetchone()[0])


def insert_check(conn: sqlite3.Connection, check: CheckRow) -> int:
    values = check.db_values()
    columns = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(
        f"INSERT INTO api_check ({columns}) VALUES ({marks})", tuple(values.values())
    )
    check.id = int(cursor.lastrowid or 0)
    return check.id


def save_check(conn: sqlite3.Connection, check: CheckRow, names: Sequence[str]) -> None:
    """Write only the named columns: concurrent changes to the others are kept."""
    if not names:
        return
    values = check.db_values(names)
    assignments = ", ".join(f'"{n}" = ?' for n in names)
    conn.execute(
        f"UPDATE api_check SET {assignments} WHERE id = ?",
        (*(values[n] for n in names), check.id),
    )


def delete_check(conn: sqlite3.Connection, check_id: int) -> None:
    for table, column in (
        ("api_ping", "owner_id"),
        ("api_flip", "owner_id"),
        ("api_channel_checks", "check_id"),
        ("api_check", "id"),
    ):
        conn.execute(f'DELETE FROM {table} WHERE "{column}" = ?', (check_id,))


# --- channels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelRow:
    id: int
    code: uuid.UUID
    name: str
    kind: str


def insert_channel(conn: sqlite3.Connection, project_id: int, kind: str, name: str) -> None:
    conn.execute(
        'INSERT INTO api_channel ("name", "code", "created", "kind", "value", "email_verified",'
        ' "project_id", "last_error", "disabled") VALUES (?, ?, ?, ?, ?, 0, ?, ?, 0)',
        (name, uuid.uuid4().hex, to_db_time(now()), kind, "", project_id, ""),
    )


def project_channels(conn: sqlite3.Connection, project_id: int) -> list[ChannelRow]:
    rows = conn.execute(
        "SELECT id, code, name, kind FROM api_channel WHERE project_id = ? ORDER BY id",
        (project_id,),
    )
    return [ChannelRow(int(r[0]), uuid.UUID(str(r[1])), str(r[2]), str(r[3])) for r in rows]


def check_channel_codes(conn: sqlite3.Connection, check_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT c.code FROM api_channel c JOIN api_channel_checks cc ON cc.channel_id = c.id "
        "WHERE cc.check_id = ?",
        (check_id,),
    )
    return sorted(dashed(r[0]) for r in rows)


def channel_codes_by_check(conn: sqlite3.Connection, project_id: int) -> dict[int, list[str]]:
    rows = conn.execute(
        "SELECT cc.check_id, c.code FROM api_channel_checks cc "
        "JOIN api_channel c ON cc.channel_id = c.id WHERE c.project_id = ?",
        (project_id,),
    )
    result: dict[int, list[str]] = {}
    for check_id, code in rows:
        result.setdefault(check_id, []).append(dashed(code))
    return result


def set_check_channels(conn: sqlite3.Connection, check_id: int, channel_ids: Sequence[int]) -> None:
    conn.execute("DELETE FROM api_channel_checks WHERE check_id = ?", (check_id,))
    conn.executemany(
        "INSERT INTO api_channel_checks (channel_id, check_id) VALUES (?, ?)",
        [(channel_id, check_id) for channel_id in channel_ids],
    )


# --- pings and flips ------------------------------------------------------------------------


@dataclass(frozen=True)
class PingRow:
    id: int
    n: int | None
    created: datetime
    kind: str | None
    scheme: str
    remote_addr: str | None
    method: str
    ua: str
    body_size: int
    exitstatus: int | None
    rid: uuid.UUID | None


@dataclass(frozen=True)
class NewPing:
    check_id: int
    n: int
    created: datetime
    kind: str | None
    scheme: str
    remote_addr: str
    method: str
    ua: str
    body: bytes
    exitstatus: int | None
    rid: uuid.UUID | None


def insert_ping(conn: sqlite3.Connection, ping: NewPing) -> None:
    conn.execute(
        'INSERT INTO api_ping ("created", "scheme", "remote_addr", "method", "ua", "owner_id",'
        ' "n", "kind", "body_raw", "exitstatus", "rid") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        (
            to_db_time(ping.created),
            ping.scheme,
            ping.remote_addr,
            ping.method,
            ping.ua,
            ping.check_id,
            ping.n,
            ping.kind,
            ping.body,
            ping.exitstatus,
            ping.rid.hex if ping.rid else None,
        ),
    )


def recent_pings(conn: sqlite3.Connection, check_id: int, limit: int) -> list[PingRow]:
    """The latest `limit` pings, newest first."""
    rows = conn.execute(
        'SELECT "id", "n", "created", "kind", "scheme", "remote_addr", "method", "ua",'
        ' LENGTH("body_raw"), "exitstatus", "rid" FROM api_ping WHERE owner_id = ?'
        " ORDER BY id DESC LIMIT ?",
        (check_id, limit),
    )
    return [
        PingRow(
            id=int(r[0]),
            n=None if r[1] is None else int(r[1]),
            created=from_db_time(str(r[2])) or now(),
            kind=None if r[3] is None else str(r[3]),
            scheme=str(r[4]),
            remote_addr=None if r[5] is None else str(r[5]),
            method=str(r[6]),
            ua=str(r[7]),
            body_size=int(r[8] or 0),
            exitstatus=None if r[9] is None else int(r[9]),
            rid=uuid.UUID(str(r[10])) if r[10] else None,
        )
        for r in rows
    ]


def prune_pings(conn: sqlite3.Connection, check_id: int, threshold: int) -> None:
    conn.execute("DELETE FROM api_ping WHERE owner_id = ? AND n <= ?", (check_id, threshold))


def insert_flip(
    conn: sqlite3.Connection,
    check_id: int,
    *,
    old_status: str,
    new_status: str,
    reason: str = "",
    processed: bool = False,
) -> None:
    created = now()
    conn.execute(
        'INSERT INTO api_flip ("created", "processed", "old_status", "new_status", "owner_id",'
        ' "reason") VALUES (?, ?, ?, ?, ?, ?)',
        (
            to_db_time(created),
            to_db_time(created) if processed else None,
            old_status,
            new_status,
            check_id,
            reason,
        ),
    )


def flips(
    conn: sqlite3.Connection,
    check_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[tuple[datetime, str]]:
    """(created, new_status) of the check's flips, newest first, within [start, end)."""
    sql = 'SELECT "created", "new_status" FROM api_flip WHERE owner_id = ?'
    params: list[object] = [check_id]
    if start is not None:
        sql += ' AND "created" >= ?'
        params.append(to_db_time(start))
    if end is not None:
        sql += ' AND "created" < ?'
        params.append(to_db_time(end))
    rows = conn.execute(sql + " ORDER BY id DESC", params)
    return [(from_db_time(str(r[0])) or now(), str(r[1])) for r in rows]


def unique_key(code: uuid.UUID) -> str:
    """The read-only identifier of a check: sha1 of the first 16 hex characters of its UUID."""
    return hashlib.sha1(code.hex[:16].encode()).hexdigest()
