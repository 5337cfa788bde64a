"""The server's rules for each check field, as validators: raw TOML value -> CheckSpec value.

Each validator returns the value in CheckSpec's encoding or raises `Invalid` with a plain
sentence. The limits are the server's own (HEALTHCHECKS.md), so a spec that passes here is
accepted by the API.
"""

from __future__ import annotations

import difflib
import json
import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import cache

from cronsim import CronSim, CronSimError
from oncalendar import OnCalendar, OnCalendarError

from hcctl.durations import format_duration, parse_duration

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SLUG_PATTERN = re.compile(r"^[a-z0-9_-]+$")
ENV_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_UUID = re.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)

MIN_DURATION, MAX_DURATION = 60, 31536000
MAX_NAME, MAX_SLUG, MAX_SCHEDULE, MAX_KEYWORDS, MAX_TAGS = 100, 100, 100, 200, 500
# What the server uses as "now" when it checks that a schedule fires at all.
_SCHEDULE_START = datetime(2000, 1, 1)

# zoneinfo lists a few names that are not IANA zones and that the server refuses.
_NOT_ZONES = {"localtime", "Factory", "posixrules"}


class Invalid(Exception):
    """A field's value breaks a rule; the message says which, in plain words."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


Validator = Callable[[object], object]


def show(value: object) -> str:
    """A value as the user wrote it in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date/time"
    return repr(value)


def _string(value: object, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be {what}, got {show(value)}")
    return value


def _at_most(value: str, limit: int) -> str:
    if len(value) > limit:
        raise Invalid(f"is {len(value)} characters long; the server's limit is {limit}")
    return value


def normalize_uuid(value: str) -> str | None:
    """The canonical spelling (lowercase, dashed) of a UUID, or None if `value` is not one."""
    text = value.lower()
    if not _UUID.fullmatch(text):
        return None
    text = text.replace("-", "")
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def check_key(key: str) -> str | None:
    """Why `key` cannot name a check, or None when it can."""
    if not key:
        return "is empty: a check needs a key"
    if not KEY_PATTERN.fullmatch(key):
        return (
            "is not a valid check key: use lowercase letters, digits, - and _, "
            "starting with a letter or digit"
        )
    if len(key) > MAX_SLUG:
        return f"is {len(key)} characters long; a key is the default slug, limited to {MAX_SLUG}"
    return None


def name(value: object) -> str:
    text = _string(value)
    if not text:
        raise Invalid("cannot be empty (leave it out to use the key)")
    return _at_most(text, MAX_NAME)


def slug(value: object) -> str:
    text = _string(value)
    if not text:
        raise Invalid("cannot be empty (leave it out to use the key)")
    if not SLUG_PATTERN.fullmatch(text):
        raise Invalid(f"{show(text)} may hold only lowercase letters, digits, - and _")
    return _at_most(text, MAX_SLUG)


def env(value: object) -> str:
    text = _string(value)
    if not ENV_PATTERN.fullmatch(text):
        raise Invalid(f"{show(text)} is not a variable name: use A-Z, 0-9 and _, like HC_CHECK_API")
    return text


def uuid(value: object) -> str:
    text = _string(value)
    canonical = normalize_uuid(text)
    if canonical is None:
        raise Invalid(f"{show(text)} is not a valid UUID")
    return canonical


def text(value: object) -> str:
    return _string(value)


def keywords(value: object) -> str:
    return _at_most(_string(value, "a string of comma-separated keywords"), MAX_KEYWORDS)


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, got {show(value)}")
    return value


def methods(value: object) -> str:
    if value not in ("", "POST"):
        raise Invalid(f'must be "" (any method) or "POST", got {show(value)}')
    return str(value)


def _string_list(value: object, what: str) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(f"must be a list of {what}, got {show(value)}")
    for number, item in enumerate(value, 1):
        if not isinstance(item, str):
            raise Invalid(f"item {number} must be a string, got {show(item)}")
        if not item:
            raise Invalid(f"item {number} is empty")
    return value


def _no_repeats(items: list[str]) -> None:
    for number, item in enumerate(items, 1):
        if item in items[: number - 1]:
            raise Invalid(f"item {number} ({show(item)}) is listed twice")


def tags(value: object) -> tuple[str, ...]:
    items = _string_list(value, 'tags, like ["backend", "db"]')
    for number, item in enumerate(items, 1):
        if any(char.isspace() for char in item):
            raise Invalid(f"item {number} ({show(item)}) contains a space; a tag is one word")
    _no_repeats(items)
    joined = " ".join(items)
    if len(joined) > MAX_TAGS:
        raise Invalid(f"are {len(joined)} characters once joined; the server stores {MAX_TAGS}")
    return tuple(items)


def channels(value: object) -> str | tuple[str, ...]:
    if value in ("*", ""):
        return str(value)
    if isinstance(value, str):
        raise Invalid(
            f'must be "*" (all integrations), "" (none) or a list of integration names '
            f"or UUIDs, got {show(value)}"
        )
    items = _string_list(value, "integration names or UUIDs")
    for number, item in enumerate(items, 1):
        if "," in item:
            raise Invalid(f"item {number} ({show(item)}) contains a comma")
    # The server compares UUIDs as it prints them: lowercase with dashes.
    items = [normalize_uuid(item) or item for item in items]
    _no_repeats(items)
    return tuple(items)


def duration(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        seconds, shown = value, f"{value}s"
    elif isinstance(value, str) and _is_duration(value):
        seconds, shown = parse_duration(value), value.strip()
    else:
        raise Invalid(
            'must be a duration: seconds like 300, or "90s", "5m", "2h", "1d", "1w"; '
            f"got {show(value)}"
        )
    if seconds < MIN_DURATION:
        raise Invalid(f"{shown} is below the server's minimum of {MIN_DURATION}s")
    if seconds > MAX_DURATION:
        limit = format_duration(MAX_DURATION)
        raise Invalid(f"{shown} is above the server's maximum of {limit} ({MAX_DURATION}s)")
    return seconds


def _is_duration(value: str) -> bool:
    try:
        parse_duration(value)
    except ValueError:
        return False
    return True


def schedule_kind(expression: str) -> str:
    """ "cron" or "oncalendar", decided as the server decides: 5 fields on one line is cron."""
    one_line = "\n" not in expression.strip()
    return "cron" if one_line and len(expression.split()) == 5 else "oncalendar"


def _explain(exc: Exception) -> str:
    reason = str(exc).strip().rstrip(".")
    return f": {reason[0].lower()}{reason[1:]}" if reason else ""


def _check_cron(expression: str) -> None:
    try:
        next(CronSim(expression, _SCHEDULE_START))
    except CronSimError as exc:
        raise Invalid(f"{show(expression)} is not a valid cron expression{_explain(exc)}") from None
    except StopIteration:
        raise Invalid(f"{show(expression)} is a cron expression that never fires") from None


def _looks_like_cron(expression: str) -> bool:
    fields = expression.split()
    return len(fields) in (4, 6) and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields)


def _check_oncalendar(expression: str) -> None:
    try:
        next(OnCalendar(expression, _SCHEDULE_START.replace(tzinfo=UTC)))
    except OnCalendarError as exc:
        message = f"{show(expression)} is not a valid OnCalendar expression{_explain(exc)}"
        if expression.strip().startswith("@") or _looks_like_cron(expression):
            # The server takes only exactly 5 fields as cron: "@daily" is not cron to it.
            message += '; a cron expression has exactly 5 fields, like "0 0 * * *"'
        raise Invalid(message) from None
    except StopIteration:
        raise Invalid(f"{show(expression)} is an OnCalendar expression that never fires") from None


def schedule(value: object) -> str:
    if isinstance(value, list):
        expression = "\n".join(_string_list(value, "OnCalendar expressions"))
    else:
        expression = _string(value, "a cron or OnCalendar expression")
    if not expression.strip():
        raise Invalid("cannot be empty")
    _at_most(expression, MAX_SCHEDULE)
    if schedule_kind(expression) == "cron":
        _check_cron(expression)
    else:
        _check_oncalendar(expression)
    return expression


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


def tz(value: object) -> str:
    zone = _string(value, 'an IANA time zone name, like "Europe/Paris"')
    if zone in _zones():
        return zone
    close = difflib.get_close_matches(zone, sorted(_zones()), n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ' (like "Europe/Paris" or "UTC")'
    raise Invalid(f"{show(zone)} is not an IANA time zone name{hint}")


# Every key a [checks.<key>] table accepts, with its validator. `subject` and `subject_fail` are
# the API's deprecated aliases of success_kw and failure_kw.
CHECK_FIELDS: dict[str, Validator] = {
    "name": name,
    "slug": slug,
    "env": env,
    "uuid": uuid,
    "tags": tags,
    "desc": text,
    "timeout": duration,
    "grace": duration,
    "schedule": schedule,
    "tz": tz,
    "methods": methods,
    "manual_resume": boolean,
    "start_kw": keywords,
    "success_kw": keywords,
    "failure_kw": keywords,
    "subject": keywords,
    "subject_fail": keywords,
    "filter_subject": boolean,
    "filter_body": boolean,
    "filter_http_body": boolean,
    "filter_default_fail": boolean,
    "channels": channels,
}

# A check's identity cannot be shared, so [defaults] takes every other field.
IDENTITY_FIELDS = ("name", "slug", "env", "uuid")
ALIASES = {"subject": "success_kw", "subject_fail": "failure_kw"}
