"""How plans, apply results and checks are shown: rich text for people, plain dicts for --json.

Everything here is pure: it turns values into `rich.text.Text` (printed by a `rich` Console,
which honours NO_COLOR and drops colour when output is not a terminal) or JSON-ready dicts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from hcctl.api import Channel, Check
from hcctl.durations import format_duration
from hcctl.plan import (
    Action,
    Adopt,
    Clash,
    Create,
    Duplicate,
    FieldChange,
    Pin,
    Plan,
    Unchanged,
    Update,
)

if TYPE_CHECKING:  # apply and sync import this module
    from hcctl.apply import ApplyResult
    from hcctl.sync import StatusRow, VerifyResult

__all__ = [
    "action_json",
    "apply_json",
    "check_json",
    "format_value",
    "plan_json",
    "plan_summary",
    "relative_time",
    "render_apply",
    "render_checks",
    "render_plan",
    "render_verify",
    "status_json",
    "status_table",
    "verify_json",
]

_SIGNS = {
    "create": ("+", "green"),
    "update": ("~", "yellow"),
    "pin": (">", "cyan"),
    "adopt": (">", "cyan"),
    "duplicate": ("-", "red"),
    "conflict": ("!", "bold red"),
}
_WIDTH = 10  # of the longest action word, "duplicate", and a space


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    """ "never", "just now", "5 minutes ago", "3 days ago" (or "in 5 minutes" ahead)."""
    if moment is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    ahead, seconds = seconds < 0, abs(seconds)
    if seconds < 10:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size:
            count = seconds // size
            words = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {words}" if ahead else f"{words} ago"
    return "just now"  # pragma: no cover - seconds >= 10 always finds a unit


def format_value(field: str, value: object, channels: Sequence[Channel] | None = None) -> str:
    """One field's value as a user writes it: durations "5m", strings quoted, "-" for none."""
    if value is None:
        return "-"
    if field in ("timeout", "grace") and isinstance(value, int):
        return format_duration(value)
    if field == "channels" and isinstance(value, tuple):
        names = {c.id.lower(): c.name for c in channels or ()}
        return json.dumps([names.get(str(v), str(v)) for v in value], ensure_ascii=False)
    if isinstance(value, tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def _short(uuid: str | None) -> str:
    return uuid if uuid else "(hidden from a read-only key)"


def _describe(action: Action, env_name: str, now: datetime | None) -> str:
    if isinstance(action, Create):
        if action.pin_to:
            return f"pinned to {action.pin_to}"
        if action.spec.uuid:  # hosted mode: the server cannot take it
            return f"the server's new UUID replaces {action.spec.uuid} in {env_name}"
        return f"UUID to {env_name}"
    if isinstance(action, Update):
        return f"{_short(action.check.uuid)}{' (forced)' if action.forced else ''}"
    if isinstance(action, Pin):
        return f"{_short(action.check.uuid)} -> {action.uuid}"
    if isinstance(action, Adopt):
        return f"{_short(action.uuid)} -> {env_name} {action.spec.env}"
    if isinstance(action, Duplicate):
        pings = f"{action.check.n_pings} ping{'' if action.check.n_pings == 1 else 's'}"
        last = relative_time(action.check.last_ping, now)
        return f"{_short(action.check.uuid)} {action.check.name!r}, {pings}, last {last}"
    if isinstance(action, Clash):
        return action.message
    return ""  # pragma: no cover - Unchanged is never described


def _change_line(change: FieldChange, channels: Sequence[Channel] | None) -> Text:
    old = format_value(change.field, change.old, channels)
    new = format_value(change.field, change.new, channels)
    return Text(f"      {change.field}: {old} -> {new}\n", style="yellow")


def render_plan(
    plan: Plan,
    *,
    env_name: str = ".env.healthchecks",
    channels: Sequence[Channel] | None = None,
    now: datetime | None = None,
) -> Text:
    """Terraform-style lines (`+ create`, `~ update` with old -> new, ...) and a summary line."""
    text = Text()
    shown = [a for a in plan.actions if not isinstance(a, Unchanged)]
    width = max((len(a.key) for a in shown), default=0)
    for action in shown:
        sign, style = _SIGNS[action.kind]
        text.append(f"  {sign} {action.kind:<{_WIDTH}}", style=style)
        text.append(f"{action.key:<{width}}", style="bold")
        text.append(f"  {_describe(action, env_name, now)}\n")
        if isinstance(action, Update):
            for change in action.changes:
                text.append_text(_change_line(change, channels))
    if text:
        text.append("\n")
    text.append(plan_summary(plan) + "\n")
    return text


def plan_summary(plan: Plan) -> str:
    """ "Plan: 1 to create, 2 to update. 3 unchanged." or "No changes. 3 checks match the spec."."""
    counts = plan.counts()
    parts = [f"{counts[k]} to {k}" for k in ("create", "update", "pin", "adopt") if counts[k]]
    if counts["duplicate"]:
        parts.append(f"{counts['duplicate']} duplicate{_s(counts['duplicate'])} (hcctl prune)")
    if counts["conflict"]:
        parts.append(f"{counts['conflict']} conflict{_s(counts['conflict'])}")
    unchanged = counts["unchanged"]
    matching = (
        f"{unchanged} check{_s(unchanged)} {'matches' if unchanged == 1 else 'match'} the spec"
    )
    if not parts:
        return f"No changes. {matching}."
    return f"Plan: {', '.join(parts)}. {counts['unchanged']} unchanged."


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _jsonable(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _check_json(check: Check) -> dict[str, object]:
    return {
        "uuid": check.uuid,
        "unique_key": check.unique_key,
        "name": check.name,
        "slug": check.slug,
        "n_pings": check.n_pings,
        "last_ping": _jsonable(check.last_ping),
    }


def action_json(action: Action) -> dict[str, object]:
    """One action as a JSON-ready dict with "action" and "key" first."""
    data: dict[str, object] = {"action": action.kind, "key": action.key}
    if isinstance(action, Create):
        data.update(uuid=action.pin_to, body=_jsonable(action.body), unique=list(action.unique))
    elif isinstance(action, Update):
        changes = [
            {"field": c.field, "old": _jsonable(c.old), "new": _jsonable(c.new)}
            for c in action.changes
        ]
        data.update(uuid=action.check.uuid, changes=changes, body=_jsonable(action.body))
        data["forced"] = action.forced
    elif isinstance(action, Pin):
        data.update({"from": action.check.uuid, "to": action.uuid})
    elif isinstance(action, Adopt):
        data.update(uuid=action.uuid, env=action.spec.env)
    elif isinstance(action, Duplicate):
        data["check"] = _check_json(action.check)
    elif isinstance(action, Clash):
        data["message"] = action.message
    else:
        data["uuid"] = action.check.uuid
    return data


def plan_json(plan: Plan) -> dict[str, object]:
    """The whole plan: mode, counts, every action (unchanged ones included), unmanaged checks."""
    return {
        "mode": plan.mode,
        "has_changes": plan.has_changes,
        "summary": plan.counts(),
        "actions": [action_json(a) for a in plan.actions],
        "unmanaged": [_check_json(c) for c in plan.unmanaged],
    }


# --- apply, prune, verify, status ------------------------------------------------------------

_DONE = {
    "created": ("+", "green"),
    "updated": ("~", "yellow"),
    "pinned": (">", "cyan"),
    "adopted": (">", "cyan"),
    "joined": ("=", "cyan"),
}
_STATUS_STYLES = {
    "up": "green",
    "new": "dim",
    "grace": "yellow",
    "down": "bold red",
    "paused": "blue",
    "missing": "red",
}


def render_apply(result: ApplyResult) -> Text:
    """One line per spec check changed, the env lines written, and a summary line."""
    if not result.outcomes and not result.env_written:
        return Text(plan_summary(result.plan) + "\n")
    text = Text()
    width = max(len(o.key) for o in result.outcomes) if result.outcomes else 0
    for outcome in result.outcomes:
        sign, style = _DONE[outcome.done]
        text.append(f"  {sign} {outcome.done:<8}", style=style)
        text.append(f"{outcome.key:<{width}}", style="bold")
        detail = f" ({outcome.detail})" if outcome.detail else ""
        text.append(f"  {outcome.uuid}{detail}\n")
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        counts[outcome.done] = counts.get(outcome.done, 0) + 1
    summary = ", ".join(f"{n} {done}" for done, n in counts.items())
    text.append(f"\nApply complete: {summary or 'nothing to do'}.")
    if result.env_written:
        where = result.env_path or "the env file"
        count = len(result.env_written)
        text.append(f" {count} UUID{_s(count)} written to {where}.")
    return text.append("\n")


def apply_json(result: ApplyResult) -> dict[str, object]:
    """What apply did, as JSON: outcomes, env lines written, and the plan it carried out."""
    return {
        "changed": result.changed,
        "outcomes": [
            {"key": o.key, "done": o.done, "uuid": o.uuid, "detail": o.detail}
            for o in result.outcomes
        ],
        "env_file": str(result.env_path) if result.env_path else None,
        "env_written": dict(result.env_written),
        "plan": plan_json(result.plan),
    }


def render_checks(checks: Sequence[Check], *, now: datetime | None = None) -> Text:
    """Checks about to be deleted: name, UUID, slug, pings and the last one."""
    text = Text()
    for check in checks:
        pings = f"{check.n_pings} ping{_s(check.n_pings)}"
        last = relative_time(check.last_ping, now)
        text.append("  - ", style="red")
        text.append(check.name, style="bold")
        text.append(f"  {check.uuid}  slug {check.slug!r}, {pings}, last {last}\n")
    return text


def check_json(check: Check) -> dict[str, object]:
    """A check's identity and activity, as JSON."""
    return _check_json(check)


def render_verify(result: VerifyResult) -> Text:
    text = Text()
    for problem in result.problems:
        text.append("  ! ", style="bold red")
        text.append(problem.key, style="bold")
        text.append(f"  {problem.message}\n")
    pinged = f", {result.pinged} pinged" if result.pinged else ""
    if result.ok:
        return text.append(f"All {result.checked} checks verified{pinged}.\n", style="green")
    count = len(result.problems)
    return text.append(f"\n{count} problem{_s(count)} in {result.checked} checks{pinged}.\n")


def verify_json(result: VerifyResult) -> dict[str, object]:
    return {
        "ok": result.ok,
        "checked": result.checked,
        "pinged": result.pinged,
        "problems": [{"key": p.key, "message": p.message} for p in result.problems],
    }


def status_table(rows: Sequence[StatusRow], *, now: datetime | None = None) -> Table:
    """The dashboard: key, name, short UUID, status in colour, last ping, schedule or timeout."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("key", "name", "uuid", "status", "last ping", "schedule"):
        table.add_column(column, no_wrap=column in ("key", "uuid", "status"))
    for row in rows:
        style = _STATUS_STYLES.get(row.status, "")
        table.add_row(
            row.key,
            row.name,
            (row.uuid or "-")[:8],
            Text(row.status, style=style),
            relative_time(row.last_ping, now) if row.status != "missing" else "-",
            row.schedule,
        )
    return table


def status_json(rows: Sequence[StatusRow]) -> list[dict[str, object]]:
    return [
        {
            "key": r.key,
            "name": r.name,
            "uuid": r.uuid,
            "status": r.status,
            "last_ping": _jsonable(r.last_ping),
            "schedule": r.schedule,
        }
        for r in rows
    ]
