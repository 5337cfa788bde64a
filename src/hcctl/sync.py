"""The sync commands as Python calls: plan, apply, prune, verify and status.

Each one loads the settings and the spec unless given, talks to the server through one API
client, and returns a value the CLI prints. Teams that keep their checks in code pass a Spec:

    spec = hcctl.Spec((hcctl.CheckSpec(key="backup", schedule="0 3 * * *"),),
                      env_path=Path(".env.healthchecks"))
    result = hcctl.apply(spec=spec, settings=hcctl.Settings.load())
    print(result.outcomes)
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from hcctl._http import Failure, default_transport
from hcctl.api import Channel, Check, HealthchecksApi
from hcctl.apply import READ_ONLY, ApplyResult, Outcome, apply_plan
from hcctl.durations import format_duration
from hcctl.envfile import read_env
from hcctl.errors import AuthError, NotFound, SpecError, SpecProblem, TransportError
from hcctl.pinning import Pinner, open_pinner
from hcctl.plan import Action, Adopt, Clash, Create, Pin, Plan, PlanConflict, Update, diff
from hcctl.report import format_value
from hcctl.settings import Settings
from hcctl.spec import CheckSpec, Spec

__all__ = [
    "ApplyProgress",
    "PruneResult",
    "StatusRow",
    "VerifyProblem",
    "VerifyResult",
    "apply",
    "plan",
    "prune",
    "status",
    "verify",
]


class ApplyProgress(Protocol):
    """Told how many spec checks apply will change, then of each one done (a progress bar)."""

    def start(self, total: int) -> None: ...

    def advance(self, outcome: Outcome) -> None: ...


# --- shared plumbing -------------------------------------------------------------------------


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else Settings.load()


def _spec(spec: Spec | None, settings: Settings) -> Spec:
    if spec is None:
        return settings.load_spec()
    return _with_env_uuids(spec)


def _with_env_uuids(spec: Spec) -> Spec:
    """A spec built in code takes the UUIDs its env file holds for checks that name none."""
    if spec.env_path is None or not spec.env_path.exists():
        return spec
    env = read_env(spec.env_path)
    checks = []
    for check in spec:
        value = env.get(check.env)
        if check.uuid is None and value:
            try:
                check = replace(check, uuid=str(uuidlib.UUID(value)))
            except ValueError as exc:
                message = f"{check.env} is not a UUID: {value!r}"
                raise SpecError([SpecProblem(str(spec.env_path), check.env, message)]) from exc
        checks.append(check)
    return replace(spec, checks=tuple(checks))


def _env_path(spec: Spec, settings: Settings) -> Path:
    return spec.env_path if spec.env_path is not None else settings.env_file


@contextmanager
def _client(settings: Settings, api: HealthchecksApi | None) -> Iterator[HealthchecksApi]:
    if api is not None:
        yield api
        return
    if not settings.api_key:
        raise AuthError("no API key: set HC_API_KEY or put it in .env.healthchecks.local")
    client = HealthchecksApi(settings.api_url, settings.api_key)
    try:
        yield client
    finally:
        client.close()


def _names_channels(spec: Spec) -> bool:
    return any(c.channels not in (None, "") for c in spec)


def _read_only(checks: Sequence[Check]) -> bool:
    return any(c.uuid is None for c in checks)


def _server_state(
    api: HealthchecksApi, spec: Spec, *, write: bool
) -> tuple[list[Check], list[Channel] | None]:
    """The project's checks, and its integrations when the spec names some (None: unknown).

    A read-only key sees no UUIDs and cannot list integrations: fine for looking, not for
    writing (`write`), which is refused before anything is changed.
    """
    checks = api.list_checks()
    if write and _read_only(checks):
        raise AuthError(READ_ONLY, status=401)
    if _read_only(checks) or not (_names_channels(spec) or (write and not checks)):
        return checks, None
    try:
        return checks, api.list_channels()
    except AuthError as exc:
        if write:
            raise AuthError(READ_ONLY, status=401) from exc
        return checks, None  # a read-only key on an empty project


def _pins(plan: Plan) -> bool:
    return any(isinstance(a, Pin) or (isinstance(a, Create) and a.pin_to) for a in plan.actions)


def _pinning(settings: Settings) -> bool:
    return bool(settings.db_url or settings.django_cmd)


# --- plan and apply --------------------------------------------------------------------------


def plan(
    *,
    settings: Settings | None = None,
    spec: Spec | None = None,
    force_recreate: bool = False,
    api: HealthchecksApi | None = None,
) -> Plan:
    """What apply would do. A read-only API key is enough."""
    settings = _settings(settings)
    spec = _spec(spec, settings)
    with _client(settings, api) as client:
        checks, channels = _server_state(client, spec, write=False)
    return diff(spec, checks, channels, pinning=_pinning(settings), force_recreate=force_recreate)


def apply(
    *,
    settings: Settings | None = None,
    spec: Spec | None = None,
    force_recreate: bool = False,
    concurrency: int = 4,
    progress: ApplyProgress | None = None,
    api: HealthchecksApi | None = None,
) -> ApplyResult:
    """Make the server match the spec and write created or adopted UUIDs to the env file.

    Never deletes a check. Raises PlanConflict (nothing done) when the plan has conflicts, and
    AuthError("apply needs a read-write API key") for a read-only key.
    """
    settings = _settings(settings)
    spec = _spec(spec, settings)
    env_path = _env_path(spec, settings)
    with _client(settings, api) as client:
        checks, channels = _server_state(client, spec, write=True)
        the_plan = diff(
            spec, checks, channels, pinning=_pinning(settings), force_recreate=force_recreate
        )
        if the_plan.conflicts:
            raise PlanConflict(the_plan.conflicts)
        if not the_plan.changes:
            return ApplyResult(the_plan, (), {}, env_path)
        with _pinner_for(the_plan, settings) as pinner:
            if progress is not None:
                progress.start(len({a.key for a in the_plan.changes}))
            return apply_plan(
                the_plan,
                api=client,
                env_path=env_path,
                pinner=pinner,
                channels=channels,
                concurrency=concurrency,
                on_outcome=progress.advance if progress is not None else None,
            )


@contextmanager
def _pinner_for(plan: Plan, settings: Settings) -> Iterator[Pinner | None]:
    """The pinner, opened (and the database checked) only when the plan pins something."""
    if not _pins(plan):
        yield None
        return
    pinner = open_pinner(db_url=settings.db_url, django_cmd=settings.django_cmd)
    try:
        yield pinner
    finally:
        if pinner is not None:
            pinner.close()


# --- prune -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PruneResult:
    """The checks prune found to remove, and those it removed (none when not confirmed)."""

    candidates: tuple[Check, ...]
    deleted: tuple[Check, ...]


def prune(
    *,
    settings: Settings | None = None,
    spec: Spec | None = None,
    unmanaged: bool = False,
    confirm: Callable[[Sequence[Check]], bool] | None = None,
    api: HealthchecksApi | None = None,
) -> PruneResult:
    """Delete the duplicates of managed checks (and, with `unmanaged`, every check not in the spec).

    `confirm` sees the candidates first and may refuse (nothing deleted). A managed check, one
    that the spec matches or whose UUID the spec holds, is never deleted.
    """
    settings = _settings(settings)
    spec = _spec(spec, settings)
    with _client(settings, api) as client:
        checks = client.list_checks()
        if _read_only(checks):
            raise AuthError("prune needs a read-write API key", status=401)
        the_plan = diff(spec, checks, None, pinning=_pinning(settings))
        candidates = [d.check for d in the_plan.duplicates]
        if unmanaged:
            candidates.extend(the_plan.unmanaged)
        protected = {c.uuid for c in the_plan.matches.values()} | {c.uuid for c in spec}
        candidates = [c for c in candidates if c.uuid not in protected]
        if not candidates or (confirm is not None and not confirm(candidates)):
            return PruneResult(tuple(candidates), ())
        return PruneResult(tuple(candidates), tuple(_delete_all(client, candidates)))


def _delete_all(api: HealthchecksApi, checks: Sequence[Check]) -> list[Check]:
    deleted = []
    for check in checks:
        assert check.uuid is not None
        try:
            api.delete_check(check.uuid)
        except NotFound:
            continue  # someone else removed it meanwhile
        deleted.append(check)
    return deleted


# --- verify ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyProblem:
    """What is wrong with one spec check."""

    key: str
    message: str


@dataclass(frozen=True)
class VerifyResult:
    """Every problem found; `checked` spec checks looked at, `pinged` of them pinged."""

    problems: tuple[VerifyProblem, ...]
    checked: int
    pinged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    *,
    settings: Settings | None = None,
    spec: Spec | None = None,
    ping: bool = False,
    api: HealthchecksApi | None = None,
) -> VerifyResult:
    """Check that every spec check exists with its UUID and fields; `ping` sends each a /log.

    A /log ping is recorded in the check's log and changes no status. A read-only key is enough.
    """
    settings = _settings(settings)
    spec = _spec(spec, settings)
    the_plan = plan(settings=settings, spec=spec, api=api)
    problems = [_problem(a) for a in the_plan.actions if a.kind not in ("unchanged", "duplicate")]
    problems.extend(VerifyProblem(c.key, "has no UUID in the env file") for c in spec if not c.uuid)
    pinged = 0
    if ping:
        ready = [c for c in spec if c.uuid and c.key in the_plan.matches]
        problems.extend(_ping_all(settings.ping_url, ready))
        pinged = len(ready)
    order = {c.key: i for i, c in enumerate(spec)}
    problems.sort(key=lambda p: order.get(p.key, 0))
    return VerifyResult(tuple(_unique(problems)), len(spec), pinged)


def _unique(problems: list[VerifyProblem]) -> list[VerifyProblem]:
    seen: set[VerifyProblem] = set()
    return [p for p in problems if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def _problem(action: Action) -> VerifyProblem:
    if isinstance(action, Create):
        spec = action.spec
        found_by = f"its UUID {spec.uuid}, " if spec.uuid else ""
        message = f"is missing: no check has {found_by}its slug {spec.slug!r} or its name"
        return VerifyProblem(action.key, message)
    if isinstance(action, Pin | Adopt):
        found = action.check.uuid or "another UUID"
        return VerifyProblem(action.key, f"exists with {found}, not the UUID of the spec")
    if isinstance(action, Update):
        fields = ", ".join(
            f"{c.field} is {format_value(c.field, c.old)}, wanted {format_value(c.field, c.new)}"
            for c in action.changes
        )
        return VerifyProblem(action.key, f"differs: {fields}")
    assert isinstance(action, Clash)
    return VerifyProblem(action.key, action.message)


def _ping_all(ping_url: str, specs: Sequence[CheckSpec]) -> list[VerifyProblem]:
    problems = []
    transport = default_transport(ping_url)
    try:
        for spec in specs:
            url = f"{ping_url.rstrip('/')}/{spec.uuid}/log"
            try:
                response = transport.request("POST", url, body=b"hcctl verify", timeout=10.0)
            except Failure as exc:
                raise TransportError(f"cannot reach the ping endpoint {ping_url}: {exc}") from exc
            if response.status != 200:
                message = f"ping /log answered {response.status} {response.text(40)!r}"
                problems.append(VerifyProblem(spec.key, message))
    finally:
        transport.close()
    return problems


# --- status ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    """One spec check as the server sees it; status "missing" when it has no check there."""

    key: str
    name: str
    uuid: str | None
    status: str
    last_ping: datetime | None
    schedule: str  # "*/5 * * * * (Europe/Paris)" or "every 5m"


def status(
    *,
    settings: Settings | None = None,
    spec: Spec | None = None,
    api: HealthchecksApi | None = None,
) -> list[StatusRow]:
    """The spec's checks, in spec order, with their server status and last ping."""
    settings = _settings(settings)
    spec = _spec(spec, settings)
    the_plan = plan(settings=settings, spec=spec, api=api)
    rows = []
    for wanted in spec:
        check = the_plan.matches.get(wanted.key)
        if check is None:
            rows.append(StatusRow(wanted.key, wanted.name, wanted.uuid, "missing", None, ""))
            continue
        if check.schedule is not None:
            schedule = f"{check.schedule} ({check.tz or 'UTC'})"
        else:
            schedule = f"every {format_duration(check.timeout or 0)}"
        uuid = check.uuid or wanted.uuid
        row = StatusRow(wanted.key, check.name, uuid, check.status, check.last_ping, schedule)
        rows.append(row)
    return rows
