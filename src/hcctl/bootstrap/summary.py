"""The seeds' closing summary: the instance, the project, each check and what changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hcctl.bootstrap import BootstrapResult

__all__ = ["CheckLine", "render_summary", "summary_json"]


@dataclass(frozen=True)
class CheckLine:
    """One spec check on the server: its key, UUID, status and ping URL."""

    key: str
    uuid: str
    status: str
    ping_url: str


_MADE = {
    "admin user": "created the admin user",
    "project": "created the project",
    "HC_API_KEY": "made a read-write API key (HC_API_KEY)",
    "HC_API_KEY_READONLY": "made a read-only API key (HC_API_KEY_READONLY)",
    "HC_PING_KEY": "made a ping key (HC_PING_KEY)",
}


def render_summary(result: BootstrapResult) -> str:
    """The summary as text, the admin password included when this run created the admin."""
    lines = [
        f"Healthchecks: {result.site_url}",
        f"Project:      {result.project} (admin {result.admin_email})",
        f"Keys in:      {result.local_file}",
    ]
    if result.admin_password is not None:
        lines.append(f"Password:     {result.admin_password}  (shown once; also in the keys file)")
    lines += ["", *_check_table(result)]
    lines += ["", *_change_lines(result)]
    return "\n".join(lines)


def _check_table(result: BootstrapResult) -> list[str]:
    if not result.checks:
        return ["No checks in the spec."]
    rows = [("CHECK", "UUID", "STATUS", "PING URL")]
    rows += [(c.key, c.uuid, c.status, c.ping_url) for c in result.checks]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]


def _change_lines(result: BootstrapResult) -> list[str]:
    if not result.changed:
        return ["Nothing changed: the server was already ready."]
    lines = ["Changes:"]
    if result.compose_command:
        lines.append(f"  started: {' '.join(result.compose_command)}")
    lines += [f"  {_MADE[item]}" for item in result.made]
    if result.gitignore is not None:
        lines.append(f"  added {result.local_file.name} to {result.gitignore}")
    lines += [f"  {change}" for change in result.changes]
    return lines


def summary_json(result: BootstrapResult) -> str:
    """The summary as JSON (the admin password only on the run that created the admin)."""
    data = {
        "url": result.site_url,
        "project": {"name": result.project, "code": result.project_code},
        "admin": {"email": result.admin_email, "password": result.admin_password},
        "local_file": str(result.local_file),
        "compose_command": list(result.compose_command),
        "made": list(result.made),
        "checks": [
            {"key": c.key, "uuid": c.uuid, "status": c.status, "ping_url": c.ping_url}
            for c in result.checks
        ],
        "changes": list(result.changes),
        "changed": result.changed,
    }
    return json.dumps(data, indent=2)
