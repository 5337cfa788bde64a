"""Carry out a Plan: create, update, pin and adopt checks, and write their UUIDs to the env file.

    result = apply_plan(plan, api=api, env_path=Path(".env.healthchecks"), pinner=pinner)

Each spec check's actions run in order (pin or adopt, then update) on a bounded thread pool, one
spec check per task. apply never deletes a check, except the one it has just created itself when
another machine won the race for the same UUID. Each UUID is written to the env file as soon
as its check is settled, so an apply killed at any point is finished by running it again: what
was created is found again by its UUID or its slug.

Machines applying the same spec at once meet on one check per spec entry:
- pinned (a UUID is wanted and a Pinner is given): every machine creates its own check and pins
  it; the database's unique constraint lets one win; the others find the winner by its UUID,
  delete their own and converge.
- claimed (no UUID can be imposed): creation upserts on the slug; once everything is done, and
  a short moment later, one list shows every check with the slug, and the smallest UUID wins
  on every machine; a machine whose own check lost deletes it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from hcctl.api import Channel, Check
from hcctl.envfile import read_env, update_env
from hcctl.errors import ApiError, AuthError, HcctlError, NotFound, PinError, UuidTaken
from hcctl.pinning import BatchPinner, Pinner
from hcctl.plan import Adopt, Change, Create, Pin, Plan, PlanConflict, Update, check_changes
from hcctl.spec import CheckSpec

__all__ = ["ApplyResult", "ChecksApi", "Outcome", "apply_plan"]

Done = Literal["created", "updated", "pinned", "adopted", "joined"]
READ_ONLY = "apply needs a read-write API key"
T = TypeVar("T")
# Pins committed together: one commit (one wait for the disk) per batch rather than per check,
# while a batch holds the database's write lock for a few milliseconds only.
PIN_BATCH = 200


class ChecksApi(Protocol):
    """What apply needs of `hcctl.api.HealthchecksApi` (a test may pass any such object)."""

    def list_checks(self, *, tags: Sequence[str] = (), slug: str | None = None) -> list[Check]:
        """Every check of the project."""

    def get_check(self, uuid: str) -> Check:
        """One check by UUID."""

    def create_check(
        self, body: Mapping[str, object], *, unique: Sequence[str] = ()
    ) -> tuple[Check, bool]:
        """Create (or upsert on `unique`); True when a check was created."""

    def update_check(self, uuid: str, body: Mapping[str, object]) -> Check:
        """Change the fields in `body`."""

    def delete_check(self, uuid: str) -> Check:
        """Delete one check."""


@dataclass(frozen=True)
class Outcome:
    """What apply did for one spec check: `done`, the check's final UUID, and a detail."""

    key: str
    done: Done
    uuid: str
    detail: str = ""


@dataclass(frozen=True)
class ApplyResult:
    """The plan that was applied, what was done per spec check, and the env lines written."""

    plan: Plan
    outcomes: tuple[Outcome, ...]
    env_written: Mapping[str, str] = field(default_factory=dict)
    env_path: Path | None = None

    @property
    def changed(self) -> bool:
        return bool(self.outcomes or self.env_written)


@dataclass(frozen=True)
class _Target:
    """Where a spec check stands after a step: its UUID, and whether its fields are settled."""

    uuid: str
    settled: bool = False


class _EnvWriter:
    """Writes UUIDs to the env file as checks settle, batching the writes of threads waiting."""

    def __init__(self, path: Path, current: Mapping[str, str]) -> None:
        self.path = path
        self.current = dict(current)
        self.written: dict[str, str] = {}
        self._pending: dict[str, str] = {}
        self._pending_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def record(self, name: str, uuid: str) -> None:
        with self._pending_lock:
            if self.current.get(name) == uuid and name not in self._pending:
                return
            self._pending[name] = uuid
        with self._write_lock:
            with self._pending_lock:
                batch, self._pending = self._pending, {}
            if batch:
                update_env(self.path, batch)
                self.current.update(batch)
                self.written.update(batch)


def _is_desired(spec: CheckSpec, check: Check) -> bool:
    """Whether `check` is the one `spec` describes (another machine's copy of the same entry)."""
    return check.slug == spec.slug or check.name == spec.name


@dataclass(frozen=True)
class _PendingPin:
    """A check to give its wanted UUID, and the update to send it afterwards."""

    spec: CheckSpec
    current: str
    wanted: str
    own: bool = False  # created by this apply (deleted if it cannot be pinned)
    then: Update | None = None


@dataclass(frozen=True)
class _Claim:
    spec: CheckSpec
    uuid: str
    created: bool


class _Run:
    """One apply: the shared state of its worker threads."""

    def __init__(
        self,
        plan: Plan,
        *,
        api: ChecksApi,
        env: _EnvWriter,
        pinner: Pinner | None,
        channels: Sequence[Channel] | None,
        on_outcome: Callable[[Outcome], None] | None,
    ) -> None:
        self.plan = plan
        self.api = api
        self.env = env
        self.pinner = pinner
        self.channels = channels
        self.on_outcome = on_outcome
        self.outcomes: dict[str, Outcome] = {}
        self.claims: dict[str, _Claim] = {}
        self.pending: list[_PendingPin] = []
        self.order = {a.key: i for i, a in enumerate(plan.actions)}
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._pin_lock = threading.Lock()

    # -- bookkeeping

    def settle(self, spec: CheckSpec, done: Done, uuid: str, detail: str = "") -> None:
        """Record a settled step: the UUID goes to the env file at once, then into the outcome."""
        self.env.record(spec.env, uuid)
        with self._lock:
            previous = self.outcomes.get(spec.key)
            if done == "updated" and previous is not None:
                # An update after a pin or an adoption: keep what happened first, add the fields.
                detail = "; ".join(filter(None, (previous.detail, f"updated {detail}")))
                done = previous.done
            self.outcomes[spec.key] = Outcome(spec.key, done, uuid, detail)

    def claim(self, spec: CheckSpec, uuid: str, created: bool) -> None:
        with self._lock:
            self.claims[spec.key] = _Claim(spec, uuid, created)

    def report(self, key: str) -> None:
        outcome = self.outcomes.get(key)
        if self.on_outcome is not None and outcome is not None:
            self.on_outcome(outcome)

    # -- one spec check

    def run_group(self, actions: Sequence[Change]) -> None:
        """Creates, adoptions and updates; a pin is left for `run_pins`, with what follows it."""
        if self.stopped.is_set():
            return
        target: _Target | None = None
        for action in actions:
            if isinstance(action, Create):
                target = self.create(action)
                if target is None:  # created; its pin (and nothing else) waits for run_pins
                    return
            elif isinstance(action, Pin):
                self.defer(_PendingPin(action.spec, _uuid_of(action.check), action.uuid), actions)
                return
            elif isinstance(action, Adopt):
                target = self.adopt(action)
            else:
                self.update(action, target)
        self.report(actions[0].key)

    def defer(self, pin: _PendingPin, actions: Sequence[Change]) -> None:
        then = [a for a in actions if isinstance(a, Update)]
        with self._lock:
            self.pending.append(replace(pin, then=then[0] if then else None))

    def create(self, action: Create) -> _Target | None:
        """Create the check; None when it has a UUID to be pinned (after every creation)."""
        spec = action.spec
        check, created = _write(lambda: self.api.create_check(action.body, unique=action.unique))
        uuid = _uuid_of(check)
        if action.pin_to is None or not created:
            if action.unique:
                self.claim(spec, uuid, created)
            self.settle(spec, "created" if created else "joined", uuid)
            return _Target(uuid, settled=True)
        with self._lock:
            self.pending.append(_PendingPin(spec, uuid, action.pin_to, own=True))
        return None

    # -- pins: one after the other, once every check is created

    def run_pins(self) -> None:
        # A pin holds the database's write lock: done among the server's own writes, each one
        # makes the other wait. Pinning after the creations lets both run at full speed.
        ordered = sorted(self.pending, key=lambda p: self.order.get(p.spec.key, 0))
        for start in range(0, len(ordered), PIN_BATCH):
            batch = ordered[start : start + PIN_BATCH]
            if self.stopped.is_set():
                return
            if len(batch) > 1 and self.pin_batch(batch):
                for pending in batch:
                    self.after_pin(pending, self.pinned(pending))
                continue
            for pending in batch:  # one by one: each failure handled as it should be
                if self.stopped.is_set():
                    return
                self.after_pin(pending, self.finish_pin(pending))

    def pin_batch(self, batch: Sequence[_PendingPin]) -> bool:
        """Pin the whole batch in one transaction; False when the pinner cannot or one fails."""
        if not isinstance(self.pinner, BatchPinner):
            return False
        with self._pin_lock:
            return self.pinner.pin_many([(p.current, p.wanted) for p in batch])

    def after_pin(self, pending: _PendingPin, target: _Target) -> None:
        if pending.then is not None:
            self.update(pending.then, target)
        self.report(pending.spec.key)

    def finish_pin(self, pending: _PendingPin) -> _Target:
        spec, current, wanted = pending.spec, pending.current, pending.wanted
        try:
            self.pin_uuid(current, wanted)
        except UuidTaken:
            return self.join(spec, wanted, own=current if pending.own else None)
        except PinError:
            if pending.own:
                self.delete_own(current)
                raise
            # Another machine may have pinned this very check a moment ago: then it is there.
            if self.wanted_exists(spec, wanted):
                return self.join(spec, wanted, own=None)
            raise
        return self.pinned(pending)

    def pinned(self, pending: _PendingPin) -> _Target:
        """Record a pin that succeeded."""
        spec, current, wanted = pending.spec, pending.current, pending.wanted
        if pending.own:
            self.settle(spec, "created", wanted, "pinned")
            return _Target(wanted, settled=True)
        self.settle(spec, "pinned", wanted, f"was {current}")
        return _Target(wanted)

    def adopt(self, action: Adopt) -> _Target:
        uuid = _uuid_of(action.check)
        if action.check.slug == action.spec.slug:
            self.claim(action.spec, uuid, created=False)
        self.settle(action.spec, "adopted", uuid)
        return _Target(uuid)

    def update(self, action: Update, target: _Target | None) -> None:
        if target is not None and target.settled:
            return
        uuid = target.uuid if target is not None else _uuid_of(action.check)
        _write(lambda: self.api.update_check(uuid, action.body))
        fields = ", ".join(c.field for c in action.changes) or "every field"
        self.settle(action.spec, "updated", uuid, fields)

    # -- pinning races

    def pin_uuid(self, current: str, wanted: str) -> None:
        if self.pinner is None:
            raise PinError("the plan pins UUIDs but no database or Django command was given")
        with self._pin_lock:  # a Pinner holds one connection
            self.pinner.pin(current, wanted)

    def wanted_exists(self, spec: CheckSpec, wanted: str) -> bool:
        try:
            return _is_desired(spec, self.api.get_check(wanted))
        except ApiError:
            return False

    def join(self, spec: CheckSpec, wanted: str, *, own: str | None) -> _Target:
        """The wanted UUID is taken: converge on it if it is this very check, else fail."""
        try:
            existing = self.api.get_check(wanted)
        except ApiError as exc:
            if own is not None:
                self.delete_own(own)
            raise PinError(
                f"{spec.key}: the UUID {wanted} belongs to a check this API key cannot see "
                "(another project?)"
            ) from exc
        if not _is_desired(spec, existing):
            if own is not None:
                self.delete_own(own)
            raise PinError(
                f"{spec.key}: the UUID {wanted} already belongs to another check, "
                f"{existing.name!r} (slug {existing.slug!r})"
            )
        if own is not None:
            self.delete_own(own)
        self.converge(spec, existing)
        return _Target(wanted, settled=True)

    def converge(self, spec: CheckSpec, existing: Check) -> None:
        uuid = _uuid_of(existing)
        _, body = check_changes(spec, existing, self.channels)
        if body:
            _write(lambda: self.api.update_check(uuid, body))
        self.settle(spec, "joined", uuid, "another machine created it at the same time")

    def delete_own(self, uuid: str) -> None:
        """Delete the check this apply has just created (it lost a race, or cannot be pinned)."""
        # NotFound: it was pinned to another UUID meanwhile, so nothing of ours is left.
        with contextlib.suppress(NotFound):
            self.api.delete_check(uuid)

    # -- claims: machines that created the same slug at once keep the smallest UUID

    def settle_claims(self, delay: float) -> None:
        if not self.claims or self.stopped.is_set():
            return
        time.sleep(delay)
        checks = self.api.list_checks()
        for claim in self.claims.values():
            same = sorted(c.uuid for c in checks if c.slug == claim.spec.slug and c.uuid)
            if not same or same[0] == claim.uuid:
                continue
            winner = next(c for c in checks if c.uuid == same[0])
            if claim.created and claim.uuid in same:
                self.delete_own(claim.uuid)
            self.converge(claim.spec, winner)


def _uuid_of(check: Check) -> str:
    if check.uuid is None:
        raise AuthError(READ_ONLY, status=401)
    return check.uuid


def _write(call: Callable[[], T]) -> T:
    """A write request; a 401 after a list that worked means the key is read-only."""
    try:
        return call()
    except AuthError as exc:
        if exc.status == 401:
            raise AuthError(READ_ONLY, status=401, check=exc.check) from exc
        raise


def _pins(action: Change) -> bool:
    return isinstance(action, Pin) or (isinstance(action, Create) and action.pin_to is not None)


def _groups(plan: Plan) -> list[list[Change]]:
    groups: dict[str, list[Change]] = {}
    for action in plan.changes:
        groups.setdefault(action.key, []).append(action)
    return list(groups.values())


def _check_env_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        raise HcctlError(f"{path}: cannot be written: permission denied")
    if not folder.is_dir():
        raise HcctlError(f"{path}: cannot be written: its folder does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise HcctlError(f"{path}: cannot be written: its folder is not writable")


def _check_toml_uuids(plan: Plan, env: Mapping[str, str]) -> None:
    # A UUID written in the TOML (not in the env file) cannot be replaced by the server's.
    for action in plan.changes:
        replaces = (isinstance(action, Create) and action.pin_to is None) or isinstance(
            action, Adopt
        )
        spec = action.spec
        if replaces and spec.uuid is not None and spec.env not in env:
            raise HcctlError(
                f"{spec.key}: its UUID {spec.uuid} is written in the spec file, and without "
                "pinning the server cannot take it; give a database URL or a Django command "
                "for pinning, or move the UUID to the env file"
            )


def apply_plan(
    plan: Plan,
    *,
    api: ChecksApi,
    env_path: Path,
    pinner: Pinner | None = None,
    channels: Sequence[Channel] | None = None,
    concurrency: int = 4,
    on_outcome: Callable[[Outcome], None] | None = None,
    settle_delay: float = 0.5,
) -> ApplyResult:
    """Execute `plan` (made by `hcctl.plan.diff` against the same server) and return what was done.

    Raises PlanConflict when the plan holds conflicts (nothing is done), and the first error of
    any action otherwise, after the actions already running have finished and their UUIDs are
    in the env file.
    """
    if plan.conflicts:
        raise PlanConflict(plan.conflicts)
    if pinner is None and any(_pins(a) for a in plan.changes):
        raise PinError("the plan pins UUIDs but no database or Django command was given")
    current = read_env(env_path) if env_path.exists() else {}
    if plan.changes:
        _check_toml_uuids(plan, current)
        _check_env_writable(env_path)
    env = _EnvWriter(env_path, current)
    run = _Run(plan, api=api, env=env, pinner=pinner, channels=channels, on_outcome=on_outcome)
    _run_groups(run, _groups(plan), max(1, concurrency))
    run.run_pins()
    run.settle_claims(settle_delay)
    order = {a.key: i for i, a in enumerate(plan.actions)}
    outcomes = sorted(run.outcomes.values(), key=lambda o: order.get(o.key, 0))
    return ApplyResult(plan, tuple(outcomes), dict(env.written), env_path)


def _run_groups(run: _Run, groups: list[list[Change]], concurrency: int) -> None:
    if not groups:
        return
    with ThreadPoolExecutor(max_workers=min(concurrency, len(groups))) as pool:
        futures: list[Future[None]] = [pool.submit(run.run_group, g) for g in groups]
        try:
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        except BaseException:  # Ctrl-C: let the running checks settle, start no more
            run.stopped.set()
            raise
        failed = [f for f in done if f.exception() is not None]
        if failed:
            run.stopped.set()
            wait(futures)
            error = failed[0].exception()
            assert error is not None
            raise error
