"""How plans are shown: Terraform-style text with a summary line, and JSON."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console

from hcctl.api import Channel, Check
from hcctl.plan import Plan, diff
from hcctl.report import format_value, plan_json, relative_time, render_plan
from hcctl.spec import CheckSpec, Spec

U1 = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"
U2 = "229acece-8847-4ed7-97f4-94c720651ed3"
U3 = "ed5560b3-ac29-4d5b-adf9-ef59d636dd4f"
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
SLACK = Channel(id="22222222-2222-4222-8222-222222222222", name="slack", kind="slack")


def check(uuid: str, **fields: Any) -> Check:
    data: dict[str, Any] = {"name": "x", "slug": "x", "grace": 3600, "timeout": 86400}
    data.update(uuid=uuid, channels="", **fields)
    return Check.from_json(data)


def text_of(plan: Plan, **options: Any) -> str:
    console = Console(file=io.StringIO(), width=120, no_color=True)
    console.print(render_plan(plan, now=NOW, **options), end="")
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


def sample_plan() -> Plan:
    spec = Spec(
        (
            CheckSpec(key="api", uuid=U1, timeout=300, tags=("web",)),
            CheckSpec(key="beat", uuid=U2),
            CheckSpec(key="new", uuid=U3, channels="slack"),
        )
    )
    two_days_ago = (NOW - timedelta(days=2)).isoformat()
    checks = [
        check(U1, slug="api", name="api"),
        check(U3.replace("e", "f"), slug="beat", name="beat"),
        check(U2.replace("2", "3"), slug="api", name="old api", n_pings=3, last_ping=two_days_ago),
    ]
    return diff(spec, checks, [SLACK], pinning=True)


def test_it_shows_every_change_terraform_style_with_a_summary() -> None:
    assert text_of(sample_plan()) == (
        f"  ~ update    api   {U1}\n"
        '      tags: [] -> ["web"]\n'
        "      timeout: 1d -> 5m\n"
        f"  > pin       beat  {U3.replace('e', 'f')} -> {U2}\n"
        f"  + create    new   pinned to {U3}\n"
        f"  - duplicate api   {U2.replace('2', '3')} 'old api', 3 pings, last 2 days ago\n"
        "\n"
        "Plan: 1 to create, 1 to update, 1 to pin, 1 duplicate (hcctl prune). 0 unchanged.\n"
    )


def test_it_says_no_changes_when_everything_matches() -> None:
    plan = diff(Spec((CheckSpec(key="x", uuid=U1),)), [check(U1)])
    assert text_of(plan) == "No changes. 1 check matches the spec.\n"


def test_it_shows_adoptions_and_conflicts() -> None:
    spec = Spec((CheckSpec(key="x"), CheckSpec(key="y", channels="pager")))
    plan = diff(spec, [check(U1)], [SLACK])
    assert text_of(plan, env_name="envs") == (
        f"  > adopt     x  {U1} -> envs HC_CHECK_X\n"
        "  ! conflict  y  no integration is named 'pager'\n"
        "\n"
        "Plan: 1 to adopt, 1 conflict. 0 unchanged.\n"
    )


def test_the_json_holds_every_action_and_the_counts() -> None:
    data = plan_json(sample_plan())
    json.dumps(data)  # serialisable as it is
    assert data["mode"] == "pinned"
    assert data["has_changes"] is True
    assert data["summary"] == {
        "create": 1,
        "update": 1,
        "pin": 1,
        "adopt": 0,
        "duplicate": 1,
        "conflict": 0,
        "unchanged": 0,
    }
    actions = data["actions"]
    assert isinstance(actions, list)
    assert actions[0] == {
        "action": "update",
        "key": "api",
        "uuid": U1,
        "changes": [
            {"field": "tags", "old": [], "new": ["web"]},
            {"field": "timeout", "old": 86400, "new": 300},
        ],
        "body": {"tags": "web", "timeout": 300},
        "forced": False,
    }
    assert actions[2]["body"] == {"name": "new", "slug": "new", "channels": SLACK.id}
    assert actions[3]["check"]["n_pings"] == 3


def test_relative_times_read_naturally() -> None:
    assert relative_time(None, NOW) == "never"
    assert relative_time(NOW - timedelta(seconds=3), NOW) == "just now"
    assert relative_time(NOW - timedelta(minutes=1, seconds=5), NOW) == "1 minute ago"
    assert relative_time(NOW - timedelta(hours=5), NOW) == "5 hours ago"
    assert relative_time(NOW + timedelta(days=2), NOW) == "in 2 days"


def test_values_are_shown_as_users_write_them() -> None:
    assert format_value("grace", 3600) == "1h"
    assert format_value("name", "API") == '"API"'
    assert format_value("manual_resume", True) == "true"
    assert format_value("schedule", None) == "-"
    assert format_value("channels", (SLACK.id,), [SLACK]) == '["slack"]'


def test_it_says_when_the_server_will_replace_a_uuid_without_pinning() -> None:
    plan = diff(Spec((CheckSpec(key="x", uuid=U1),)), [])
    assert text_of(plan).startswith(
        f"  + create    x  the server's new UUID replaces {U1} in .env.healthchecks\n"
    )
