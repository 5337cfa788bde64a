"""Creating and changing checks from a validated body: the real server's `_update` rules.

Only the fields present in the body change. A schedule makes a cron/OnCalendar check (a timeout
sent with it is ignored); a timeout alone makes a simple check, so sending `timeout` to a cron
check turns it into a simple one. `subject`/`subject_fail` are the deprecated spellings of
`success_kw`/`failure_kw` with `filter_subject`.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
import uuid

from hcctl.server import store
from hcctl.server.status import going_down_after
from hcctl.server.store import CheckRow, now
from hcctl.server.validation import CheckBody

__all__ = ["BadChannel", "apply_body", "find_unique", "new_check"]

_PLAIN_FIELDS = (
    "slug",
    "tags",
    "desc",
    "manual_resume",
    "methods",
    "tz",
    "start_kw",
    "success_kw",
    "failure_kw",
    "filter_subject",
    "filter_body",
    "filter_http_body",
    "filter_default_fail",
    "grace",
)


class BadChannel(Exception):
    """`channels` names an unknown or ambiguous integration; `message` is the API's error."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def new_check(project_id: int, *, name: str = "", slug: str = "") -> CheckRow:
    """A check with the real server's defaults (1 day timeout, 1 hour grace, status new)."""
    return CheckRow(
        id=None,
        code=uuid.uuid4(),
        project_id=project_id,
        name=name,
        slug=slug,
        created=now(),
        badge_key=str(uuid.uuid4()),
    )


def find_unique(conn: sqlite3.Connection, project_id: int, body: CheckBody) -> CheckRow | None:
    """The check that `unique` points at: every listed field sent and equal; lowest id wins."""
    if not body.unique:
        return None
    if any(getattr(body, name) is None for name in body.unique):
        # A named field missing from the body never matches: the real server creates a check.
        return None
    for check in store.project_checks(conn, project_id):
        if all(getattr(check, name) == getattr(body, name) for name in body.unique):
            return check
    return None


def resolve_channels(
    conn: sqlite3.Connection, project_id: int, spec: str | None
) -> list[int] | None:
    """Integration ids for a `channels` value; None when the body has no `channels`."""
    if spec is None:
        return None
    available = store.project_channels(conn, project_id)
    if spec == "*":
        return [c.id for c in available]
    if spec == "":
        return []
    chosen: list[int] = []
    for item in spec.split(","):
        if item == "":
            raise BadChannel("empty channel identifier")
        matches = [c for c in available if str(c.code) == item or c.name == item]
        if not matches:
            raise BadChannel(f"invalid channel identifier: {item}")
        if len(matches) > 1:
            raise BadChannel(f"non-unique channel identifier: {item}")
        if matches[0].id not in chosen:
            chosen.append(matches[0].id)
    return chosen


def apply_body(conn: sqlite3.Connection, check: CheckRow, body: CheckBody, *, v: int = 3) -> None:
    """Validate channels, change the fields sent, then insert or save only what changed."""
    channels = resolve_channels(conn, check.project_id, body.channels)
    changed = _assign(check, body, v)
    check.alert_after = going_down_after(check)
    changed.add("alert_after")
    if check.id is None:
        store.insert_check(conn, check)
    else:
        store.save_check(conn, check, sorted(changed))
    if channels is not None:
        assert check.id is not None
        store.set_check_channels(conn, check.id, channels)


def _assign(check: CheckRow, body: CheckBody, v: int) -> set[str]:
    changed: set[str] = set()
    if body.name is not None:
        check.name = body.name
        changed.add("name")
        if v < 3:
            # API v1 and v2 derive the slug from the name; v3 does not.
            check.slug = slugify(body.name)
            changed.add("slug")
    kind = body.kind()
    if kind == "simple" and body.timeout is not None:
        check.kind, check.timeout = "simple", body.timeout
        changed.update(("kind", "timeout"))
    elif kind in ("cron", "oncalendar") and body.schedule is not None:
        check.kind, check.schedule = kind, body.schedule
        changed.update(("kind", "schedule"))
    if body.subject is not None:
        check.success_kw = body.subject
        check.filter_subject = bool(check.success_kw or check.failure_kw)
        changed.update(("success_kw", "filter_subject"))
    if body.subject_fail is not None:
        check.failure_kw = body.subject_fail
        check.filter_subject = bool(check.success_kw or check.failure_kw)
        changed.update(("failure_kw", "filter_subject"))
    for name in _PLAIN_FIELDS:
        value = getattr(body, name)
        if value is not None:
            setattr(check, name, value)
            changed.add(name)
    return changed


def slugify(value: str) -> str:
    """Django's slugify: ASCII, lowercase, dashes for spaces, other punctuation dropped."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")
