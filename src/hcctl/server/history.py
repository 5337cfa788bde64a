"""What happened to a check: its pings (`checks/<uuid>/pings/`, a ping's body) and flips."""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hcctl.server import store
from hcctl.server.api import Api, Auth
from hcctl.server.http import Request, Response, json_response, not_found_page
from hcctl.server.store import CheckRow, PingRow

__all__ = ["History"]

# A start and its end further apart than this are not paired.
MAX_DURATION = timedelta(hours=72)
MAX_TIMESTAMP = 10_000_000_000
MAX_SECONDS = 31_536_000


class History:
    """The pings and flips views, bound to the API's authorisation."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.app = api.app

    def pings(self, request: Request, code: str, v: int) -> Response:
        auth = self.api.authorize(request)
        if isinstance(auth, Response):
            return auth
        check = self.api.own_check(auth, code)
        if isinstance(check, Response):
            return check
        limit = min(self.app.settings.ping_log_limit, 1000)
        rows = store.recent_pings(self.app.conn(), check.id or 0, limit)
        durations = _durations(self.app.conn(), check.id or 0, rows)
        base = f"{self.app.urls.site_root}/api/v{v}/checks/{check.code}/pings"
        return json_response({"pings": [_ping_dict(p, durations, base) for p in rows]})

    def ping_body(self, request: Request, code: str, n: str, v: int) -> Response:
        auth = self.api.authorize(request)
        if isinstance(auth, Response):
            return auth
        check = self.api.own_check(auth, code)
        if isinstance(check, Response):
            return check
        if int(n) <= check.n_pings - self.app.settings.ping_log_limit:
            return not_found_page()
        row = (
            self.app.conn()
            .execute(
                "SELECT body_raw FROM api_ping WHERE owner_id = ? AND n = ?", (check.id, int(n))
            )
            .fetchone()
        )
        if row is None or not row[0]:
            return not_found_page()
        return Response(200, bytes(row[0]), "text/plain")

    def flips_by_uuid(self, request: Request, code: str, v: int) -> Response:
        auth = self.api.authorize_read(request)
        if isinstance(auth, Response):
            return auth
        check = store.get_check(self.app.conn(), uuid.UUID(code))
        if check is None:
            return not_found_page()
        return self._flips(request, auth, check)

    def flips_by_unique_key(self, request: Request, unique_key: str, v: int) -> Response:
        auth = self.api.authorize_read(request)
        if isinstance(auth, Response):
            return auth
        for check in store.project_checks(self.app.conn(), auth.project_id):
            if store.unique_key(check.code) == unique_key:
                return self._flips(request, auth, check)
        return Response(404)

    def _flips(self, request: Request, auth: Auth, check: CheckRow) -> Response:
        if check.project_id != auth.project_id:
            return Response(403)
        try:
            start, end, seconds = _flip_filters(request)
        except ValueError:
            return Response(400)
        if seconds:
            threshold = store.now() - timedelta(seconds=seconds)
            start = threshold if start is None else max(start, threshold)
        rows = store.flips(self.app.conn(), check.id or 0, start=start, end=end)
        items = [
            {"timestamp": created.replace(microsecond=0).isoformat(), "up": int(status == "up")}
            for created, status in rows
        ]
        return json_response({"flips": items})


def _flip_filters(request: Request) -> tuple[datetime | None, datetime | None, int | None]:
    """`start`, `end` (UNIX timestamps) and `seconds`, validated as the real server's form."""
    start = _timestamp(request.param("start"))
    end = _timestamp(request.param("end"))
    seconds = _integer(request.param("seconds"))
    if seconds is not None and not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(seconds)
    return start, end, seconds


def _timestamp(value: str | None) -> datetime | None:
    if value is None:
        return None
    number = int(value.strip())
    if not 0 <= number <= MAX_TIMESTAMP:
        raise ValueError(value)
    return datetime.fromtimestamp(number, UTC)


def _integer(value: str | None) -> int | None:
    # Django's IntegerField: blank is "not given", and a trailing ".0" is tolerated.
    if value is None or not value.strip():
        return None
    return int(re.sub(r"\.0*\s*$", "", value.strip()))


def _ping_dict(ping: PingRow, durations: dict[int, float], base: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "type": ping.kind or "success",
        "date": ping.created.isoformat(),
        "n": ping.n,
        "scheme": ping.scheme,
        "remote_addr": ping.remote_addr,
        "method": ping.method,
        "ua": ping.ua,
        "rid": str(ping.rid) if ping.rid else None,
        "body_url": f"{base}/{ping.n}/body" if ping.body_size else None,
    }
    if ping.id in durations:
        result["duration"] = durations[ping.id]
    return result


def _durations(conn: sqlite3.Connection, check_id: int, pings: list[PingRow]) -> dict[int, float]:
    """Seconds from a start to the success/fail that ends it (same rid), by ping id.

    `pings` is newest first. A start older than the list is looked up in the database, as
    the real server does, unless that would take more than ten extra lookups.
    """
    result: dict[int, float] = {}
    starts: dict[uuid.UUID | None, datetime | None] = {}
    misses: list[PingRow] = []
    earliest = pings[-1] if pings else None
    for ping in reversed(pings):
        if ping.kind == "start":
            starts[ping.rid] = ping.created
        elif ping.kind in (None, "fail"):
            if ping.rid in starts:
                start = starts[ping.rid]
                if start is not None and ping.created - start < MAX_DURATION:
                    result[ping.id] = _seconds(ping.created - start)
            elif earliest is not None and ping.created - earliest.created < MAX_DURATION:
                misses.append(ping)
            starts[ping.rid] = None
    if len(misses) <= 10:
        for ping in misses:
            found = _duration_from_db(conn, check_id, ping)
            if found is not None:
                result[ping.id] = found
    return result


def _duration_from_db(conn: sqlite3.Connection, check_id: int, ping: PingRow) -> float | None:
    if ping.n == 1:
        return None
    rows = conn.execute(
        "SELECT created, kind, rid FROM api_ping WHERE owner_id = ? AND id < ? AND created >= ?"
        " ORDER BY id DESC",
        (check_id, ping.id, store.to_db_time(ping.created - MAX_DURATION)),
    )
    rid = ping.rid.hex if ping.rid else None
    for created, kind, other_rid in rows:
        if kind == "start" and other_rid == rid:
            started = store.from_db_time(str(created))
            return _seconds(ping.created - started) if started else None
        if kind in (None, "fail") and other_rid == rid:
            return None
    return None


def _seconds(delta: timedelta) -> float:
    # HTTP timing is imprecise: the real server rounds to hundredths of a second.
    return round(delta.total_seconds(), 2)
