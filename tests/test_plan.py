"""plan.diff with plain data: matching, normalisation, and every kind of action."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from hcctl.api import Channel, Check
from hcctl.plan import (
    Adopt,
    Clash,
    Create,
    Duplicate,
    FieldChange,
    Pin,
    Plan,
    Unchanged,
    Update,
    diff,
    unique_key,
)
from hcctl.spec import CheckSpec, Spec
from hcctl.zones import same_zone

U1 = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"
U2 = "229acece-8847-4ed7-97f4-94c720651ed3"
U3 = "ed5560b3-ac29-4d5b-adf9-ef59d636dd4f"
EMAIL = Channel(id="11111111-1111-4111-8111-111111111111", name="ops mail", kind="email")
SLACK = Channel(id="22222222-2222-4222-8222-222222222222", name="slack", kind="slack")


def check(uuid: str | None = U1, *, read_only: bool = False, **fields: Any) -> Check:
    """A server check as `GET checks/` returns it (simple, 1 day, 1 hour, by default)."""
    data: dict[str, Any] = {"name": "api", "slug": "api", "tags": "", "grace": 3600}
    if "schedule" not in fields:
        data["timeout"] = 86400
    data.update(fields)
    if read_only:
        assert uuid is not None
        data["unique_key"] = unique_key(uuid)
    else:
        data["uuid"] = uuid
        data.setdefault("channels", "")
    return Check.from_json(data)


def plan_of(*specs: CheckSpec, checks: list[Check], **options: Any) -> Plan:
    return diff(Spec(tuple(specs)), checks, **options)


def kinds(plan: Plan) -> list[tuple[str, str]]:
    return [(a.kind, a.key) for a in plan.actions]


# --- matching --------------------------------------------------------------------------------


def test_it_creates_a_missing_check_with_an_upsert_on_its_slug_in_hosted_mode() -> None:
    plan = plan_of(CheckSpec(key="api", uuid=U1, timeout=300), checks=[])
    [action] = plan.actions
    assert isinstance(action, Create)
    assert action.body == {"name": "api", "slug": "api", "timeout": 300}
    assert (action.pin_to, action.unique) == (None, ("slug",))


def test_it_creates_and_pins_a_missing_check_in_pinned_mode() -> None:
    plan = plan_of(CheckSpec(key="api", uuid=U1), checks=[], pinning=True)
    [action] = plan.actions
    assert isinstance(action, Create)
    assert (action.pin_to, action.unique) == (U1, ())
    assert plan.mode == "pinned"


def test_it_creates_without_upsert_when_the_slug_is_ambiguous() -> None:
    plan = plan_of(
        CheckSpec(key="api", name="API"),
        checks=[check(U2, name="a"), check(U3, name="b")],
    )
    assert kinds(plan) == [("create", "api"), ("duplicate", "api"), ("duplicate", "api")]
    assert isinstance(plan.actions[0], Create)
    assert plan.actions[0].unique == ()


def test_it_leaves_a_check_with_its_uuid_and_fields_unchanged() -> None:
    plan = plan_of(CheckSpec(key="api", uuid=U1, timeout=86400), checks=[check(U1)])
    assert plan.actions == (Unchanged(plan.actions[0].spec, check(U1)),)  # type: ignore[union-attr]
    assert not plan.has_changes
    assert plan.matches == {"api": check(U1)}


def test_it_matches_by_uuid_before_slug() -> None:
    other = check(U2)
    plan = plan_of(CheckSpec(key="api", uuid=U1), checks=[other, check(U1, slug="old")])
    assert kinds(plan) == [("update", "api"), ("duplicate", "api")]
    assert plan.matches["api"].uuid == U1
    assert plan.duplicates[0].check == other


def test_it_pins_a_slug_match_in_pinned_mode() -> None:
    plan = plan_of(CheckSpec(key="api", uuid=U1), checks=[check(U2)], pinning=True)
    assert plan.actions == (Pin(plan.actions[0].spec, check(U2), U1),)  # type: ignore[union-attr]


def test_it_adopts_a_slug_match_in_hosted_mode() -> None:
    plan = plan_of(CheckSpec(key="api", uuid=U1), checks=[check(U2)])
    [action] = plan.actions
    assert isinstance(action, Adopt)
    assert action.uuid == U2


def test_it_adopts_when_the_spec_has_no_uuid_even_with_pinning() -> None:
    plan = plan_of(CheckSpec(key="api"), checks=[check(U2)], pinning=True)
    assert kinds(plan) == [("adopt", "api")]


def test_it_matches_the_single_name_when_no_slug_matches() -> None:
    plan = plan_of(CheckSpec(key="api", name="API"), checks=[check(U2, name="API", slug="")])
    assert kinds(plan) == [("adopt", "api"), ("update", "api")]
    update = plan.actions[1]
    assert isinstance(update, Update)
    assert update.body == {"slug": "api"}


def test_it_settles_slugs_before_names() -> None:
    # "b" is named like the check whose slug is "a": the slug wins, "b" gets its own check.
    specs = (CheckSpec(key="b", name="shared"), CheckSpec(key="a"))
    plan = plan_of(*specs, checks=[check(U1, slug="a", name="shared")])
    assert kinds(plan) == [("create", "b"), ("adopt", "a"), ("update", "a")]


def test_it_narrows_several_slug_matches_by_name() -> None:
    plan = plan_of(
        CheckSpec(key="api", name="API", uuid=U1),
        checks=[check(U2, name="API"), check(U3, name="old")],
        pinning=True,
    )
    assert kinds(plan) == [("pin", "api"), ("duplicate", "api")]
    assert plan.matches["api"].uuid == U2


def test_it_matches_by_unique_key_with_a_read_only_key() -> None:
    plan = plan_of(CheckSpec(key="api", uuid=U1), checks=[check(U1, read_only=True)])
    assert kinds(plan) == [("unchanged", "api")]


def test_it_adopts_an_unknown_uuid_with_a_read_only_key() -> None:
    plan = plan_of(CheckSpec(key="api"), checks=[check(U2, read_only=True)])
    [action] = plan.actions
    assert isinstance(action, Adopt)
    assert action.uuid is None


def test_unique_key_is_sha1_of_the_first_16_hex() -> None:
    expected = hashlib.sha1(b"0cab08fe03f448c2").hexdigest()
    assert unique_key(U1) == unique_key(U1.upper()) == expected


# --- duplicates, unmanaged, conflicts --------------------------------------------------------


def test_it_reports_duplicates_by_slug_or_name_and_leaves_the_rest_unmanaged() -> None:
    by_name = check(U2, slug="", name="api")
    stranger = check(U3, slug="other", name="other")
    plan = plan_of(CheckSpec(key="api", uuid=U1), checks=[check(U1), by_name, stranger])
    assert plan.duplicates == (Duplicate(by_name, "api"),)
    assert plan.unmanaged == (stranger,)
    assert plan.has_changes


def test_it_refuses_swapped_uuids() -> None:
    specs = (CheckSpec(key="a", uuid=U1), CheckSpec(key="b"))
    plan = plan_of(*specs, checks=[check(U1, slug="b", name="b")], pinning=True)
    clash = plan.actions[-1]
    assert isinstance(clash, Clash)
    assert clash.key == "b"
    assert "'a'" in clash.message
    assert plan.has_changes


def test_it_refuses_one_uuid_for_two_spec_checks() -> None:
    specs = (CheckSpec(key="a", uuid=U1), CheckSpec(key="b", uuid=U1))
    plan = plan_of(*specs, checks=[check(U1, slug="a", name="a")])
    assert kinds(plan) == [("unchanged", "a"), ("conflict", "b")]


def test_it_refuses_an_unknown_integration() -> None:
    plan = plan_of(CheckSpec(key="api", channels=("pager",)), checks=[], channels=[EMAIL, SLACK])
    assert plan.conflicts == (Clash("api", "no integration is named 'pager'"),)


def test_it_refuses_an_ambiguous_integration_name() -> None:
    twin = Channel(id="33333333-3333-4333-8333-333333333333", name="slack", kind="slack")
    plan = plan_of(CheckSpec(key="api", channels="slack"), checks=[], channels=[SLACK, twin])
    assert [c.message for c in plan.conflicts] == [
        "integration name 'slack' is ambiguous: 2 have it"
    ]


# --- field normalisation ---------------------------------------------------------------------


def changes_of(spec: CheckSpec, server: Check, **options: Any) -> Update | None:
    plan = plan_of(spec, checks=[server], **options)
    updates = [a for a in plan.actions if isinstance(a, Update)]
    return updates[0] if updates else None


def test_it_sends_only_the_changed_fields() -> None:
    spec = CheckSpec(key="api", uuid=U1, name="API", grace=300, desc="the API", timeout=86400)
    update = changes_of(spec, check(U1, desc="the API"))
    assert update is not None
    assert update.body == {"name": "API", "grace": 300}
    assert update.changes == (FieldChange("name", "api", "API"), FieldChange("grace", 3600, 300))


def test_it_compares_tags_as_a_set_and_sends_them_in_spec_order() -> None:
    assert changes_of(CheckSpec(key="api", uuid=U1, tags=("b", "a")), check(tags="a b")) is None
    update = changes_of(CheckSpec(key="api", uuid=U1, tags=("b", "c")), check(tags="a b"))
    assert update is not None
    assert update.body == {"tags": "b c"}


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("Europe/Kiev", "Europe/Kyiv"), ("UTC", "Etc/UTC"), ("CET", "Europe/Brussels")],
)
def test_it_compares_time_zones_by_their_data(ours: str, theirs: str) -> None:
    spec = CheckSpec(key="api", uuid=U1, schedule="0 3 * * *", tz=ours)
    assert changes_of(spec, check(schedule="0 3 * * *", tz=theirs)) is None
    assert same_zone(ours, theirs)


def test_it_keeps_zones_that_only_agree_today_apart() -> None:
    assert not same_zone("Europe/Paris", "Europe/Berlin")
    assert not same_zone("Europe/Paris", "Nowhere/Atlantis")
    spec = CheckSpec(key="api", uuid=U1, schedule="0 3 * * *", tz="Europe/Paris")
    update = changes_of(spec, check(schedule="0 3 * * *", tz="Europe/Berlin"))
    assert update is not None
    assert update.body == {"tz": "Europe/Paris"}


def test_it_turns_a_simple_check_into_a_scheduled_one() -> None:
    spec = CheckSpec(key="api", uuid=U1, schedule="*/5 * * * *", tz="Europe/Paris")
    update = changes_of(spec, check())
    assert update is not None
    assert update.body == {"schedule": "*/5 * * * *", "tz": "Europe/Paris"}


def test_it_turns_a_scheduled_check_back_into_a_simple_one_with_its_timeout_alone() -> None:
    update = changes_of(CheckSpec(key="api", uuid=U1, timeout=300), check(schedule="0 3 * * *"))
    assert update is not None
    assert update.body == {"timeout": 300}
    assert update.changes == (
        FieldChange("timeout", None, 300),
        FieldChange("schedule", "0 3 * * *", None),
    )


def test_it_ignores_spacing_inside_a_schedule() -> None:
    spec = CheckSpec(key="api", uuid=U1, schedule="0  3 * * *")
    assert changes_of(spec, check(schedule="0 3 * * *", tz="UTC")) is None


def test_it_leaves_unmanaged_fields_alone() -> None:
    server = check(desc="kept", grace=60, tags="x", schedule="0 3 * * *", tz="Asia/Tokyo")
    assert changes_of(CheckSpec(key="api", uuid=U1), server) is None


def test_it_resolves_channel_names_to_uuids() -> None:
    spec = CheckSpec(key="api", uuid=U1, channels=("slack", "ops mail"))
    server = check(channels=f"{EMAIL.id},{SLACK.id}")
    assert changes_of(spec, server, channels=[EMAIL, SLACK]) is None
    update = changes_of(spec, check(channels=SLACK.id), channels=[EMAIL, SLACK])
    assert update is not None
    assert update.body == {"channels": f"{EMAIL.id},{SLACK.id}"}


def test_it_compares_all_channels_and_sends_a_star() -> None:
    spec = CheckSpec(key="api", uuid=U1, channels="*")
    update = changes_of(spec, check(channels=SLACK.id), channels=[EMAIL, SLACK])
    assert update is not None
    assert update.body == {"channels": "*"}
    assert changes_of(CheckSpec(key="api", uuid=U1, channels=""), check()) is None


def test_it_skips_channels_when_the_server_hides_them() -> None:
    spec = CheckSpec(key="api", uuid=U1, channels="*")
    assert changes_of(spec, check(U1, read_only=True)) is None
    assert changes_of(spec, check(channels=SLACK.id), channels=None) is None


def test_it_creates_with_channel_names_resolved() -> None:
    plan = plan_of(CheckSpec(key="api", channels="slack"), checks=[], channels=[EMAIL, SLACK])
    assert isinstance(plan.actions[0], Create)
    assert plan.actions[0].body["channels"] == SLACK.id


# --- force-recreate and the summary ----------------------------------------------------------


def test_force_recreate_sends_every_managed_field_of_every_matched_check() -> None:
    spec = CheckSpec(key="api", uuid=U1, tags=("a",), timeout=86400, channels="*")
    server = check(tags="a", channels=EMAIL.id)
    plan = plan_of(spec, checks=[server], channels=[EMAIL], force_recreate=True)
    [update] = plan.actions
    assert isinstance(update, Update)
    assert update.forced
    assert update.changes == ()
    assert update.body == {
        "name": "api",
        "slug": "api",
        "tags": "a",
        "timeout": 86400,
        "channels": "*",
    }


def test_counts_name_every_kind() -> None:
    plan = plan_of(
        CheckSpec(key="a", uuid=U1),
        CheckSpec(key="b"),
        checks=[check(U1, slug="a", name="a"), check(U3, slug="a", name="x")],
    )
    assert plan.counts() == {
        "create": 1,
        "update": 0,
        "pin": 0,
        "adopt": 0,
        "duplicate": 1,
        "conflict": 0,
        "unchanged": 1,
    }
    assert [a.kind for a in plan.changes] == ["create"]
