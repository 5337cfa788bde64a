"""Validation of a check's JSON body, with the real server's rules and error messages.

Fields are checked in the real server's order and only the first problem is reported, as
"json validation error: <field> is too small". JSON null is rejected for every field. Unknown
keys (including `uuid`, `code` and `api_key`) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from cronsim import CronSim, CronSimError
from oncalendar import OnCalendar, OnCalendarError

from hcctl.server.timezones import canonical_tz

__all__ = ["CheckBody", "ValidationFailed", "guess_kind", "parse_check_body"]

MIN_DURATION = 60
MAX_DURATION = 31_536_000
UNIQUE_FIELDS = ("name", "slug", "tags", "timeout", "grace")
_SLUG = re.compile(r"^[a-z0-9\-_]*$")
_STR_LIMITS = {
    "failure_kw": 200,
    "name": 100,
    "schedule": 100,
    "slug": 100,
    "start_kw": 200,
    "subject": 200,
    "subject_fail": 200,
    "success_kw": 200,
}


class ValidationFailed(Exception):
    """The body is invalid; `message` is the full "json validation error: ..." sentence."""

    def __init__(self, subject: str, problem: str) -> None:
        self.message = f"json validation error: {subject} {problem}"
        super().__init__(self.message)


@dataclass
class CheckBody:
    """The fields of a create/update body; None means "not sent". Order is the check order."""

    channels: str | None = None
    desc: str | None = None
    failure_kw: str | None = None
    filter_subject: bool | None = None
    filter_body: bool | None = None
    filter_http_body: bool | None = None
    filter_default_fail: bool | None = None
    grace: int | None = None
    manual_resume: bool | None = None
    methods: str | None = None
    name: str | None = None
    schedule: str | None = None
    slug: str | None = None
    start_kw: str | None = None
    subject: str | None = None
    subject_fail: str | None = None
    success_kw: str | None = None
    tags: str | None = None
    timeout: int | None = None
    tz: str | None = None
    unique: list[str] | None = None

    def kind(self) -> str | None:
        """The kind of check the body asks for: a schedule wins over a timeout."""
        if self.schedule:
            return guess_kind(self.schedule)
        if self.timeout:
            return "simple"
        return None


def guess_kind(schedule: str) -> str:
    """A single line of five fields is cron; anything else is OnCalendar."""
    if "\n" not in schedule.strip() and len(schedule.split()) == 5:
        return "cron"
    return "oncalendar"


def parse_check_body(data: dict[str, Any]) -> CheckBody:
    """Validate `data` (a JSON object); raise ValidationFailed with the first problem."""
    body = CheckBody()
    for field in fields(CheckBody):
        if field.name in data:
            setattr(body, field.name, _validate(field.name, data[field.name]))
    return body


def _validate(name: str, value: object) -> Any:
    if name in ("grace", "timeout"):
        return _duration(name, value)
    if name in ("filter_subject", "filter_body", "filter_http_body", "filter_default_fail"):
        return _boolean(name, value)
    if name == "manual_resume":
        return _boolean(name, value)
    if name == "methods":
        if value not in ("", "POST") or not isinstance(value, str):
            raise ValidationFailed(name, "has unexpected value")
        return value
    if name == "unique":
        return _unique(value)
    text = _string(name, value)
    if name == "slug" and not _SLUG.match(text):
        raise ValidationFailed(name, "does not match pattern")
    if name == "schedule" and not _valid_schedule(text):
        raise ValidationFailed(name, "is not a valid cron or OnCalendar expression")
    if name == "tz":
        tz = canonical_tz(text)
        if tz is None:
            raise ValidationFailed(name, "is not a valid timezone")
        return tz
    return text


def _string(name: str, value: object) -> str:
    if not isinstance(value, str) or not _encodable(value):
        raise ValidationFailed(name, "is not a string")
    limit = _STR_LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise ValidationFailed(name, "is too long")
    return value


def _encodable(value: str) -> bool:
    # JSON can carry lone surrogates ("\ud800"), which no database column can store.
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(name, "is not a boolean")
    return value


def _duration(name: str, value: object) -> int:
    # Booleans are integers to the real server too: true is one second, hence "too small".
    if not isinstance(value, int):
        raise ValidationFailed(name, "is not a number")
    if value < MIN_DURATION:
        raise ValidationFailed(name, "is too small")
    if value > MAX_DURATION:
        raise ValidationFailed(name, "is too large")
    return int(value)


def _unique(value: object) -> list[str]:
    if not isinstance(value, list):
        raise ValidationFailed("unique", "is not an array")
    for item in value:
        if not isinstance(item, str) or item not in UNIQUE_FIELDS:
            raise ValidationFailed("an item in 'unique'", "has unexpected value")
    return list(value)


def _valid_schedule(schedule: str) -> bool:
    try:
        if guess_kind(schedule) == "cron":
            next(CronSim(schedule, datetime(2000, 1, 1)))
        else:
            next(OnCalendar(schedule, datetime(2000, 1, 1, tzinfo=UTC)))
    except (CronSimError, OnCalendarError, StopIteration):
        return False
    except Exception:
        # Whatever else the parsers trip on is an invalid expression, never a server error.
        return False
    return True
