"""What it takes to make the server match the spec: `diff(spec, checks) -> Plan`. No I/O at all.

Matching (DESIGN.md): each spec check is the server check with its UUID; else the one server
check with its slug; else the one with its name. Slug matches are settled for every spec check
before name matches, so a name never steals another spec check's slug. A check matched by slug
or name whose UUID is not the spec's is pinned (pinning configured) or adopted (the env file
gets the server's UUID). Server checks left that share a managed slug or name are duplicates;
the rest are unmanaged and never touched.

Comparison is per managed field (None in the spec: not managed), normalised as the server
normalises: a scheduled check compares `schedule` and `tz` (same zone data, not same name),
a simple one `timeout`; tags as a set; channels resolved to integration UUIDs.

    plan = diff(spec, api.list_checks(), api.list_channels(), pinning=True)
    for action in plan.changes:
        print(action.kind, action.key)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hcctl.api import Channel, Check
from hcctl.errors import HcctlError
from hcctl.spec import MANAGED_FIELDS, CheckSpec, Spec
from hcctl.zones import same_zone

__all__ = [
    "Action",
    "Adopt",
    "Clash",
    "Create",
    "Duplicate",
    "FieldChange",
    "Pin",
    "Plan",
    "PlanConflict",
    "Unchanged",
    "Update",
    "check_changes",
    "diff",
    "resolve_channels",
    "unique_key",
]

Mode = Literal["pinned", "hosted"]
Via = Literal["uuid", "slug", "name"]

_PLAIN_FIELDS = (
    "name",
    "slug",
    "desc",
    "grace",
    "methods",
    "manual_resume",
    "start_kw",
    "success_kw",
    "failure_kw",
    "filter_subject",
    "filter_body",
    "filter_http_body",
    "filter_default_fail",
)


class PlanConflict(HcctlError):
    """The plan holds conflicts (`Clash` actions): nothing can be applied until they are fixed."""

    def __init__(self, clashes: Sequence[Clash]) -> None:
        self.clashes = tuple(clashes)
        lines = [f"{c.key}: {c.message}" for c in clashes]
        super().__init__("the plan has conflicts, nothing was changed:\n" + "\n".join(lines))


def unique_key(uuid: str) -> str:
    """The identifier a read-only key sees instead of the UUID (sha1 of its first 16 hex)."""
    return hashlib.sha1(uuid.replace("-", "").lower()[:16].encode()).hexdigest()


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: `old` as the server has it (None: absent), `new` as wanted."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class Create:
    """Create the check; pin it to `pin_to` when given.

    `unique` names the fields the server upserts on: ("slug",) when no server check had the
    slug at planning time, so machines creating it at the same moment meet on one check.
    """

    spec: CheckSpec
    body: Mapping[str, object]
    pin_to: str | None = None
    unique: tuple[str, ...] = ()
    kind: Literal["create"] = "create"

    @property
    def key(self) -> str:
        return self.spec.key


@dataclass(frozen=True)
class Update:
    """Send `body` to the check: only the changed fields, or every managed one when forced."""

    spec: CheckSpec
    check: Check
    changes: tuple[FieldChange, ...]
    body: Mapping[str, object]
    forced: bool = False
    kind: Literal["update"] = "update"

    @property
    def key(self) -> str:
        return self.spec.key


@dataclass(frozen=True)
class Pin:
    """Change the matched check's UUID to the spec's (`uuid`) in the server's database."""

    spec: CheckSpec
    check: Check
    uuid: str
    kind: Literal["pin"] = "pin"

    @property
    def key(self) -> str:
        return self.spec.key


@dataclass(frozen=True)
class Adopt:
    """Write the matched check's UUID (`uuid`; None when a read-only key hides it) to the env."""

    spec: CheckSpec
    check: Check
    uuid: str | None
    kind: Literal["adopt"] = "adopt"

    @property
    def key(self) -> str:
        return self.spec.key


@dataclass(frozen=True)
class Duplicate:
    """A server check that shares the slug or name of the managed check `key` (prune removes)."""

    check: Check
    key: str
    kind: Literal["duplicate"] = "duplicate"


@dataclass(frozen=True)
class Clash:
    """A conflict: the spec check `key` cannot be planned safely; `message` says why."""

    key: str
    message: str
    kind: Literal["conflict"] = "conflict"


@dataclass(frozen=True)
class Unchanged:
    """The check exists with the spec's UUID and every managed field as wanted."""

    spec: CheckSpec
    check: Check
    kind: Literal["unchanged"] = "unchanged"

    @property
    def key(self) -> str:
        return self.spec.key


Action = Create | Update | Pin | Adopt | Duplicate | Clash | Unchanged
Change = Create | Update | Pin | Adopt


@dataclass(frozen=True)
class Plan:
    """The actions, per spec check in spec order (pin or adopt before update), then duplicates.

    `matches` maps each spec key to the server check it was matched to; `unmanaged` holds the
    server checks that neither match nor duplicate a spec check.
    """

    mode: Mode
    actions: tuple[Action, ...]
    matches: Mapping[str, Check] = field(default_factory=dict)
    unmanaged: tuple[Check, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        """What apply does: creates, updates, pins and adoptions."""
        return tuple(a for a in self.actions if isinstance(a, Create | Update | Pin | Adopt))

    @property
    def conflicts(self) -> tuple[Clash, ...]:
        return tuple(a for a in self.actions if isinstance(a, Clash))

    @property
    def duplicates(self) -> tuple[Duplicate, ...]:
        return tuple(a for a in self.actions if isinstance(a, Duplicate))

    @property
    def has_changes(self) -> bool:
        """True when apply or prune has something to do, or a conflict needs fixing."""
        return bool(self.changes or self.conflicts or self.duplicates)

    def counts(self) -> dict[str, int]:
        """How many actions of each kind, every kind present (zero when none)."""
        kinds = ("create", "update", "pin", "adopt", "duplicate", "conflict", "unchanged")
        counts = dict.fromkeys(kinds, 0)
        for action in self.actions:
            counts[action.kind] += 1
        return counts


# --- channels --------------------------------------------------------------------------------


class _ChannelProblem(Exception):
    pass


def resolve_channels(
    value: str | tuple[str, ...], channels: Sequence[Channel]
) -> tuple[str, ...] | str:
    """The sorted integration UUIDs `value` ("*", "", names or UUIDs) means, or why not (str)."""
    if value == "*":
        return tuple(sorted(c.id.lower() for c in channels))
    items = value if isinstance(value, tuple) else tuple(value.split(","))
    try:
        ids = {_find_channel(item.strip(), channels) for item in items if item.strip()}
    except _ChannelProblem as problem:
        return str(problem)
    return tuple(sorted(ids))


def _find_channel(item: str, channels: Sequence[Channel]) -> str:
    for channel in channels:
        if channel.id.lower() == item.lower():
            return channel.id.lower()
    by_name = [c for c in channels if c.name == item]
    if len(by_name) == 1:
        return by_name[0].id.lower()
    if by_name:
        raise _ChannelProblem(f"integration name {item!r} is ambiguous: {len(by_name)} have it")
    raise _ChannelProblem(f"no integration is named {item!r}")


# --- comparing one check ---------------------------------------------------------------------


def check_changes(
    spec: CheckSpec, check: Check, channels: Sequence[Channel] | None = None
) -> tuple[tuple[FieldChange, ...], dict[str, object]]:
    """The managed fields where `check` differs from `spec`, and the update body sending them.

    Channels are compared only when both the check's (a read-write key) and the project's
    integrations (`channels`) are known. Raises nothing: unknown integrations are left to diff.
    """
    changes: list[FieldChange] = []
    body: dict[str, object] = {}
    for name in _PLAIN_FIELDS:
        wanted = getattr(spec, name)
        if wanted is not None and getattr(check, name) != wanted:
            changes.append(FieldChange(name, getattr(check, name), wanted))
            body[name] = wanted
    if spec.tags is not None and set(spec.tags) != set(check.tags):
        changes.append(FieldChange("tags", check.tags, spec.tags))
        body["tags"] = " ".join(spec.tags)
    _schedule_changes(spec, check, changes, body)
    _channel_changes(spec, check, channels, changes, body)
    return tuple(sorted(changes, key=_field_order)), body


def _field_order(change: FieldChange) -> int:
    return MANAGED_FIELDS.index(change.field)


def _schedule_changes(
    spec: CheckSpec, check: Check, changes: list[FieldChange], body: dict[str, object]
) -> None:
    # The server keeps one kind: a schedule wins over a timeout, and a scheduled check shows no
    # timeout. Sending a timeout alone turns a scheduled check back into a simple one.
    if spec.schedule is not None:
        if check.schedule is None or _lines(check.schedule) != _lines(spec.schedule):
            changes.append(FieldChange("schedule", check.schedule, spec.schedule))
            body["schedule"] = spec.schedule
        if spec.tz is not None and (check.tz is None or not same_zone(check.tz, spec.tz)):
            changes.append(FieldChange("tz", check.tz, spec.tz))
            body["tz"] = spec.tz
    elif spec.timeout is not None:
        if check.schedule is not None:
            changes.append(FieldChange("schedule", check.schedule, None))
        if check.schedule is not None or check.timeout != spec.timeout:
            changes.append(FieldChange("timeout", check.timeout, spec.timeout))
            body["timeout"] = spec.timeout


def _lines(schedule: str) -> list[str]:
    return [" ".join(line.split()) for line in schedule.strip().split("\n")]


def _channel_changes(
    spec: CheckSpec,
    check: Check,
    channels: Sequence[Channel] | None,
    changes: list[FieldChange],
    body: dict[str, object],
) -> None:
    if spec.channels is None or check.channels is None or channels is None:
        return
    wanted = resolve_channels(spec.channels, channels)
    current = tuple(sorted(c.lower() for c in check.channels))
    if isinstance(wanted, tuple) and wanted != current:
        changes.append(FieldChange("channels", current, wanted))
        body["channels"] = _channels_body(spec.channels, wanted)


def _channels_body(value: str | tuple[str, ...], resolved: tuple[str, ...] | None) -> str:
    # "*" stays "*" (all integrations, as the user means it); names go as resolved UUIDs, which
    # the server cannot find ambiguous.
    if value == "*":
        return "*"
    if resolved is not None:
        return ",".join(resolved)
    return value if isinstance(value, str) else ",".join(value)


def _full_body(spec: CheckSpec, channels: Sequence[Channel] | None) -> dict[str, object]:
    body = spec.api_body()
    if spec.channels is not None:
        resolved = resolve_channels(spec.channels, channels) if channels is not None else None
        body["channels"] = _channels_body(
            spec.channels, resolved if isinstance(resolved, tuple) else None
        )
    return body


# --- matching --------------------------------------------------------------------------------


def _ident(check: Check) -> str:
    return check.uuid or check.unique_key or f"{check.slug}/{check.name}"


@dataclass
class _Matching:
    """Which server check each spec check got, and how."""

    checks: Sequence[Check]
    found: dict[str, tuple[Check, Via]] = field(default_factory=dict)
    claimed: dict[str, str] = field(default_factory=dict)  # check ident -> spec key
    clashes: dict[str, str] = field(default_factory=dict)  # spec key -> message

    def claim(self, spec: CheckSpec, check: Check, via: Via) -> None:
        self.found[spec.key] = (check, via)
        self.claimed[_ident(check)] = spec.key

    def unclaimed(self, checks: Iterable[Check]) -> list[Check]:
        return [c for c in checks if _ident(c) not in self.claimed]


def _match_uuids(spec: Spec, m: _Matching) -> None:
    by_uuid = {c.uuid.lower(): c for c in m.checks if c.uuid}
    by_key = {c.unique_key: c for c in m.checks if c.unique_key}
    for wanted in spec:
        if wanted.uuid is None:
            continue
        check = by_uuid.get(wanted.uuid.lower()) or by_key.get(unique_key(wanted.uuid))
        if check is None:
            continue
        owner = m.claimed.get(_ident(check))
        if owner is not None:
            m.clashes[wanted.key] = f"its UUID {wanted.uuid} is also the UUID of {owner!r}"
            continue
        m.claim(wanted, check, "uuid")


def _match_by(spec: Spec, m: _Matching, attr: Literal["slug", "name"]) -> None:
    index: dict[str, list[Check]] = {}
    for check in m.checks:
        index.setdefault(getattr(check, attr), []).append(check)
    for wanted in spec:
        if wanted.key in m.found or wanted.key in m.clashes:
            continue
        candidates = m.unclaimed(index.get(getattr(wanted, attr), []))
        if len(candidates) > 1 and attr == "slug":
            candidates = [c for c in candidates if c.name == wanted.name]
        if len(candidates) == 1:
            m.claim(wanted, candidates[0], attr)


def _swapped_uuid_clashes(spec: Spec, m: _Matching) -> None:
    # A check that a UUID gave to spec check A, but whose slug is the one of spec check B that
    # found nothing: the env file's lines are probably swapped. Creating B would be wrong.
    for wanted in spec:
        if wanted.key in m.found or wanted.key in m.clashes:
            continue
        for check in m.checks:
            owner = m.claimed.get(_ident(check))
            if check.slug == wanted.slug and owner is not None and owner != wanted.key:
                m.clashes[wanted.key] = (
                    f"the server check with its slug {wanted.slug!r} has the UUID that the spec "
                    f"gives to {owner!r}; fix the UUIDs in the env file"
                )
                break


def _channel_clash(spec: CheckSpec, channels: Sequence[Channel] | None) -> str | None:
    if spec.channels is None or channels is None:
        return None
    resolved = resolve_channels(spec.channels, channels)
    return resolved if isinstance(resolved, str) else None


# --- the plan --------------------------------------------------------------------------------


def diff(
    spec: Spec,
    checks: Sequence[Check],
    channels: Sequence[Channel] | None = None,
    *,
    pinning: bool = False,
    force_recreate: bool = False,
) -> Plan:
    """The plan that makes `checks` (the server's) match `spec`.

    `channels` is the project's integrations (None when unknown: channels are then neither
    compared nor resolved). `pinning` says whether UUIDs can be made exact (pinned mode) or only
    adopted (hosted mode). `force_recreate` sends every managed field of every matched check.
    """
    m = _Matching(checks)
    _match_uuids(spec, m)
    _match_by(spec, m, "slug")
    _match_by(spec, m, "name")
    _swapped_uuid_clashes(spec, m)
    mode: Mode = "pinned" if pinning else "hosted"
    actions: list[Action] = []
    for wanted in spec:
        clash = m.clashes.get(wanted.key) or _channel_clash(wanted, channels)
        if clash is not None:
            actions.append(Clash(wanted.key, clash))
        elif wanted.key in m.found:
            check, via = m.found[wanted.key]
            actions.extend(_matched_actions(wanted, check, via, channels, mode, force_recreate))
        else:
            actions.append(_create(wanted, checks, channels, mode))
    duplicates, unmanaged = _leftovers(spec, m)
    actions.extend(duplicates)
    matches = {key: check for key, (check, _) in m.found.items()}
    return Plan(mode=mode, actions=tuple(actions), matches=matches, unmanaged=unmanaged)


def _matched_actions(
    spec: CheckSpec,
    check: Check,
    via: Via,
    channels: Sequence[Channel] | None,
    mode: Mode,
    force_recreate: bool,
) -> list[Action]:
    actions: list[Action] = []
    if via != "uuid":
        if spec.uuid is not None and mode == "pinned":
            actions.append(Pin(spec, check, spec.uuid))
        else:
            actions.append(Adopt(spec, check, check.uuid))
    changes, body = check_changes(spec, check, channels)
    if force_recreate:
        actions.append(Update(spec, check, changes, _full_body(spec, channels), forced=True))
    elif changes:
        actions.append(Update(spec, check, changes, body))
    elif not actions:
        actions.append(Unchanged(spec, check))
    return actions


def _create(
    spec: CheckSpec, checks: Sequence[Check], channels: Sequence[Channel] | None, mode: Mode
) -> Create:
    pin_to = spec.uuid if mode == "pinned" else None
    slug_taken = any(c.slug == spec.slug for c in checks)
    unique = ("slug",) if pin_to is None and not slug_taken else ()
    return Create(spec, _full_body(spec, channels), pin_to=pin_to, unique=unique)


def _leftovers(spec: Spec, m: _Matching) -> tuple[list[Duplicate], tuple[Check, ...]]:
    by_slug = {c.slug: c.key for c in spec}
    by_name = {c.name: c.key for c in spec}
    duplicates: list[Duplicate] = []
    unmanaged: list[Check] = []
    for check in m.unclaimed(m.checks):
        key = by_slug.get(check.slug) if check.slug else None
        key = key or by_name.get(check.name)
        if key is not None:
            duplicates.append(Duplicate(check, key))
        else:
            unmanaged.append(check)
    order = {c.key: i for i, c in enumerate(spec)}
    duplicates.sort(key=lambda d: (order[d.key], d.check.name, _ident(d.check)))
    return duplicates, tuple(unmanaged)
