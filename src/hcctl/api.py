"""Management API v3 client: typed checks and channels over one httpx connection pool.

INTERFACE FIRST: the types below are final; the client's methods are filled in by the api work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["Channel", "Check", "HealthchecksApi"]


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


def _uuid_from_ping_url(ping_url: object) -> str | None:
    # Servers older than v3.5 have no "uuid" field; the ping URL ends with it.
    if not isinstance(ping_url, str) or not ping_url:
        return None
    return ping_url.rstrip("/").rsplit("/", 1)[-1]


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
            name=str(data["name"]),
            slug=str(data.get("slug", "")),
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
            last_duration=int(data["last_duration"]) if "last_duration" in data else None,
            uuid=str(uuid) if uuid else None,
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


class HealthchecksApi:
    """Management API v3 client (to be completed by the api work).

        with HealthchecksApi("https://hc.example.org/api/v3/", api_key) as api:
            checks = api.list_checks()

    Methods: list_checks(*, tags=(), slug=None) -> list[Check]; get_check(uuid_or_unique_key)
    -> Check; create_check(body, *, unique=()) -> tuple[Check, bool created]; update_check(uuid,
    body) -> Check; delete_check(uuid) -> Check; pause_check(uuid) -> Check; resume_check(uuid)
    -> Check; list_channels() -> list[Channel]; close(). Errors: hcctl.errors only.
    """
