"""Ping handlers: by UUID and by ping key + slug, with the real server's answers and effects.

A ping is looked up and recorded in one write transaction, so concurrent pings queue and a UUID
changed meanwhile through SQL (`UPDATE api_check SET code=...`) takes effect at once.
"""

from __future__ import annotations

import ipaddress
import re
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from hcctl.server import store
from hcctl.server.app import App
from hcctl.server.checks import new_check
from hcctl.server.http import Request, Response, never_cache, text
from hcctl.server.status import going_down_after
from hcctl.server.store import CheckRow, NewPing, now

__all__ = ["Pings"]

_MICROSECOND = timedelta(microseconds=1)
_RID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


@dataclass(frozen=True)
class _Event:
    action: str  # success, fail, start, log or ign
    body: bytes
    rid: uuid.UUID | None
    exitstatus: int | None
    remote_addr: str
    scheme: str
    method: str
    ua: str


class Pings:
    """The ping views, bound to one App."""

    def __init__(self, app: App) -> None:
        self.app = app

    def by_uuid(
        self, request: Request, code: str, action: str = "success", exitstatus: str | None = None
    ) -> Response:
        # One write transaction from lookup to record: concurrent pings queue, and a UUID
        # changed through SQL meanwhile is seen as it is.
        with self.app.write() as conn:
            check = store.get_check(conn, uuid.UUID(code))
            if check is None:
                return never_cache(text("not found", 404))
            return never_cache(self._ping(conn, request, check, action, exitstatus))

    def by_slug(
        self,
        request: Request,
        ping_key: str,
        slug: str,
        action: str = "success",
        exitstatus: str | None = None,
    ) -> Response:
        if slug != slug.lower():
            return text("invalid url format", 400)
        with self.app.write() as conn:
            found = store.checks_by_slug(conn, ping_key, slug)
            if len(found) > 1:
                return text("ambiguous slug", 409)
            created = False
            if found:
                check = found[0]
            elif request.param("create") != "1":
                return text("not found", 404)
            else:
                auto = self._auto_provision(conn, ping_key, slug)
                if auto is None:
                    return text("not found", 404)
                check, created = auto, True
            response = never_cache(self._ping(conn, request, check, action, exitstatus))
        if response.status == 200 and created:
            response.status, response.body = 201, b"Created"
        return response

    def _auto_provision(
        self, conn: sqlite3.Connection, ping_key: str, slug: str
    ) -> CheckRow | None:
        """Create the check a `?create=1` ping asks for: name = slug, every integration.

        Done in the ping's transaction, so two first pings at once cannot make two checks
        (the real server can: it looks, then inserts)."""
        project_id = store.project_for_ping_key(conn, ping_key)
        if project_id is None:
            return None
        # Auto-provisioning may go up to twice the check limit.
        if store.count_checks(conn, project_id) >= 2 * self.app.settings.check_limit:
            return None
        check = new_check(project_id, name=slug, slug=slug)
        store.insert_check(conn, check)
        channel_ids = [c.id for c in store.project_channels(conn, project_id)]
        store.set_check_channels(conn, check.id or 0, channel_ids)
        return check

    def _ping(
        self,
        conn: sqlite3.Connection,
        request: Request,
        check: CheckRow,
        action: str,
        exitstatus: str | None,
    ) -> Response:
        status = int(exitstatus) if exitstatus is not None else None
        if status is not None and status > 255:
            return text("invalid url format", 400)
        rid_text = request.param("rid")
        if rid_text is not None and not _RID.match(rid_text):
            return text("invalid uuid format", 400)
        event = self._event(request, check, action, status, rid_text)
        self._record(conn, check, event)
        response = text("OK")
        if self.app.settings.ping_body_limit is not None:
            response.headers["Ping-Body-Limit"] = str(self.app.settings.ping_body_limit)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    def _event(
        self,
        request: Request,
        check: CheckRow,
        action: str,
        exitstatus: int | None,
        rid_text: str | None,
    ) -> _Event:
        body = request.body or b""
        limit = self.app.settings.ping_body_limit
        if limit is not None:
            body = body[:limit]
        if exitstatus is not None and exitstatus > 0:
            action = "fail"
        if check.methods == "POST" and request.method != "POST":
            action = "ign"
        if action != "ign" and check.filter_http_body:
            action = _action_from_body(check, body.decode(errors="replace"))
        return _Event(
            action=action,
            body=body,
            rid=uuid.UUID(rid_text) if rid_text is not None else None,
            exitstatus=exitstatus,
            remote_addr=_remote_addr(request),
            scheme=request.headers.get_header("X-Forwarded-Proto", "http"),
            method=request.method,
            ua=request.headers.get_header("User-Agent")[:200],
        )

    def _record(self, conn: sqlite3.Connection, check: CheckRow, event: _Event) -> None:
        """Within the caller's write transaction: update the check, store the ping."""
        check_id = check.id or 0
        moment = now()
        action = _apply_event(conn, check, event, moment)
        _save_ping_columns(conn, check)
        store.insert_ping(
            conn,
            NewPing(
                check_id=check_id,
                n=check.n_pings,
                created=moment,
                kind=action if action != "success" else None,
                scheme=event.scheme,
                remote_addr=event.remote_addr,
                method=event.method,
                ua=event.ua,
                body=event.body,
                exitstatus=event.exitstatus,
                rid=event.rid,
            ),
        )
        if check.n_pings % 100 == 0:
            # Keep the latest pings only, as the real server prunes every hundred pings.
            store.prune_pings(conn, check_id, check.n_pings - self.app.settings.ping_log_limit)


def _apply_event(conn: sqlite3.Connection, check: CheckRow, event: _Event, moment: datetime) -> str:
    """Change the check as the real server's Check.ping does; the final action."""
    action = event.action
    if check.status == "paused" and check.manual_resume:
        action = "ign"
    if action == "start":
        check.last_start, check.last_start_rid = moment, event.rid
    elif action in ("success", "fail"):
        check.last_ping, check.last_duration = moment, None
        if check.last_start:
            if check.last_start_rid == event.rid:
                check.last_duration = moment - check.last_start
                check.last_start = None
            elif action == "fail" or event.rid is None:
                check.last_start = None
        new_status = "down" if action == "fail" else "up"
        if check.status != new_status:
            reason = "fail" if action == "fail" else ""
            store.insert_flip(
                conn, check.id or 0, old_status=check.status, new_status=new_status, reason=reason
            )
            check.status = new_status
    check.alert_after = going_down_after(check)
    check.n_pings += 1
    check.has_confirmation_link = "confirm" in event.body.decode(errors="replace").lower()
    return action


# One constant statement (cached by sqlite3) for the columns a ping changes: only those are
# written, so concurrent changes to the others are kept.
_SAVE_PING_COLUMNS = (
    'UPDATE api_check SET "last_start" = ?, "last_start_rid" = ?, "last_ping" = ?,'
    ' "last_duration" = ?, "status" = ?, "alert_after" = ?, "n_pings" = ?,'
    ' "has_confirmation_link" = ? WHERE id = ?'
)


def _save_ping_columns(conn: sqlite3.Connection, check: CheckRow) -> None:
    duration = check.last_duration
    conn.execute(
        _SAVE_PING_COLUMNS,
        (
            store.to_db_time(check.last_start),
            check.last_start_rid.hex if check.last_start_rid else None,
            store.to_db_time(check.last_ping),
            None if duration is None else duration // _MICROSECOND,
            check.status,
            store.to_db_time(check.alert_after),
            check.n_pings,
            int(check.has_confirmation_link),
            check.id,
        ),
    )


def _action_from_body(check: CheckRow, body: str) -> str:
    """With filter_http_body, keywords in the body decide what the ping means."""
    if check.failure_kw and _matches(body, check.failure_kw):
        return "fail"
    if check.success_kw and _matches(body, check.success_kw):
        return "success"
    if check.start_kw and _matches(body, check.start_kw):
        return "start"
    return "fail" if check.filter_default_fail else "ign"


def _matches(haystack: str, keywords: str) -> bool:
    return any(k.strip() and k.strip() in haystack for k in keywords.split(","))


def _remote_addr(request: Request) -> str:
    if not request.headers.has("X-Forwarded-For"):
        return request.remote_addr  # the socket's peer: always a valid address
    addr = request.headers.get_header("X-Forwarded-For").split(",")[0]
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        parts = addr.split(".")
        # "ipv4:port", as some proxies report it: drop the port.
        if len(parts) == 4 and ":" in parts[-1]:
            addr = addr.split(":")[0]
    return addr
