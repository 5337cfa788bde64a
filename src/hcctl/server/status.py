"""A check's status and next expected ping, by the real server's rules, and its JSON shape.

Simple checks expect a ping `timeout` after the last one; cron and OnCalendar checks at the
schedule's next time after the last ping, in the check's time zone. Past that comes `grace`,
then "down". A check that was started and not finished goes down `grace` after its start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cronsim import CronSim
from oncalendar import OnCalendar

from hcctl.server.store import CheckRow, now, unique_key

__all__ = ["Urls", "check_to_dict", "going_down_after", "grace_start", "status_of"]


@dataclass(frozen=True)
class Urls:
    """Where the server says it lives, for the URLs it puts in responses."""

    site_root: str  # "http://127.0.0.1:8000", no trailing slash
    ping_endpoint: str  # "http://127.0.0.1:8000/ping/"


def isostring(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with whole seconds: "2026-11-22T06:18:30+00:00"."""
    return value.replace(microsecond=0).isoformat() if value else None


def _next_in_schedule(check: CheckRow, after: datetime) -> datetime | None:
    local = after.astimezone(ZoneInfo(check.tz))
    try:
        if check.kind == "cron":
            result: datetime = next(CronSim(check.schedule, local))
        else:
            result = next(OnCalendar(check.schedule, local))
    except StopIteration:
        return None
    # Back to UTC before adding durations, so DST transitions cannot skew them.
    return result.astimezone(UTC)


def grace_start(check: CheckRow, *, with_started: bool = True) -> datetime | None:
    """When the grace period starts; None for new, paused and down checks that are not running."""
    result: datetime | None = None
    if check.status == "up" and check.last_ping is not None:
        if check.kind == "simple":
            result = check.last_ping + timedelta(seconds=check.timeout)
        else:
            result = _next_in_schedule(check, check.last_ping)
    if with_started and check.last_start and check.status != "down":
        result = check.last_start if result is None else min(result, check.last_start)
    return result


def going_down_after(check: CheckRow) -> datetime | None:
    start = grace_start(check)
    return None if start is None else start + timedelta(seconds=check.grace)


def status_of(check: CheckRow, *, at: datetime | None = None, with_started: bool = False) -> str:
    """new, up, grace, down or paused (or started, for API v1), as of `at` (default now)."""
    moment = at or now()
    grace = timedelta(seconds=check.grace)
    if check.last_start:
        if moment >= check.last_start + grace:
            return "down"
        if with_started:
            return "started"
    if check.status in ("new", "paused", "down"):
        return check.status
    start = grace_start(check, with_started=False)
    if start is None:
        return "up"
    if moment >= start + grace:
        return "down"
    if moment >= start:
        return "grace"
    return "up"


def check_to_dict(
    check: CheckRow,
    urls: Urls,
    *,
    readonly: bool,
    channels: list[str] | None = None,
    v: int = 3,
) -> dict[str, Any]:
    """The check as the API v3 shows it, field for field and in the same order."""
    result: dict[str, Any] = {
        "name": check.name,
        "slug": check.slug,
        "tags": check.tags,
        "desc": check.desc,
        "grace": check.grace,
        "n_pings": check.n_pings,
        "status": status_of(check, with_started=v == 1),
        "started": check.last_start is not None,
        "last_ping": isostring(check.last_ping),
        "next_ping": isostring(grace_start(check)),
        "manual_resume": check.manual_resume,
        "methods": check.methods,
        "subject": check.success_kw if check.filter_subject else "",
        "subject_fail": check.failure_kw if check.filter_subject else "",
        "start_kw": check.start_kw,
        "success_kw": check.success_kw,
        "failure_kw": check.failure_kw,
        "filter_subject": check.filter_subject,
        "filter_body": check.filter_body,
        "filter_http_body": check.filter_http_body,
        "filter_default_fail": check.filter_default_fail,
        "badge_url": f"{urls.site_root}/b/2/{check.badge_key}.svg",
    }
    if check.last_duration:
        result["last_duration"] = int(check.last_duration.total_seconds())
    if readonly:
        result["unique_key"] = unique_key(check.code)
    else:
        code = str(check.code)
        update_url = f"{urls.site_root}/api/v{v}/checks/{code}"
        result["uuid"] = code
        result["ping_url"] = urls.ping_endpoint + code
        result["update_url"] = update_url
        result["pause_url"] = update_url + "/pause"
        result["resume_url"] = update_url + "/resume"
        result["channels"] = ",".join(sorted(channels or []))
    if check.kind == "simple":
        result["timeout"] = check.timeout
    else:
        result["schedule"] = check.schedule
        result["tz"] = check.tz
    return result
