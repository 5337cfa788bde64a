"""apply against the local server on a real socket: create, pin, adopt, update, races, bad input."""

from __future__ import annotations

import shlex
import sys
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hcctl
from hcctl.api import Check, HealthchecksApi, set_testing
from hcctl.apply import ApplyResult, Outcome, apply_plan
from hcctl.envfile import read_env
from hcctl.errors import AuthError, HcctlError, PinError, TransportError
from hcctl.pinning import open_pinner
from hcctl.plan import PlanConflict, diff
from hcctl.server.pytest_plugin import HealthchecksServer
from hcctl.settings import Settings

# Fresh UUIDs per test session run: a UUID is unique in the whole server, across projects.
U_API, U_BEAT, U_BACKUP = "", "", ""
TOML = """
[defaults]
grace = "5m"
tags = ["backend"]

[checks.api]
name = "API"
timeout = "5m"

[checks.beat]
schedule = "*/5 * * * *"
tz = "Europe/Kiev"

[checks.backup]
schedule = "*-*-* 04:00:00"
channels = ["slack"]
"""
ENV = "# UUIDs\nHC_CHECK_API={api}\nHC_CHECK_BEAT={beat}\nHC_CHECK_BACKUP={backup}\n"


@pytest.fixture(autouse=True)
def no_waits() -> Iterator[None]:
    """Retries stay, their waits go (the client's public switch for tests)."""
    set_testing(True)
    yield
    set_testing(False)


@pytest.fixture(autouse=True)
def fresh_uuids() -> None:
    global U_API, U_BEAT, U_BACKUP
    U_API, U_BEAT, U_BACKUP = (str(uuidlib.uuid4()) for _ in range(3))


def project(tmp_path: Path, toml: str = TOML, env: str | None = ENV) -> Path:
    (tmp_path / "healthchecks.toml").write_text(toml)
    if env is not None:
        text = env.format(api=U_API, beat=U_BEAT, backup=U_BACKUP)
        (tmp_path / ".env.healthchecks").write_text(text)
    return tmp_path


def settings(
    hc: HealthchecksServer, folder: Path, *, pinned: bool = True, **flags: Any
) -> Settings:
    db_url = f"sqlite:///{hc.db_path}" if pinned else None
    options: dict[str, Any] = {"api_url": hc.api_url, "api_key": hc.api_key, "db_url": db_url}
    options.update(flags)
    return Settings.load(cwd=folder, environ={}, **options)


def server_checks(hc: HealthchecksServer, key: str | None = None) -> dict[str, Check]:
    with HealthchecksApi(hc.api_url, key or hc.api_key) as api:
        return {c.slug: c for c in api.list_checks()}


def done(result: ApplyResult) -> list[tuple[str, str]]:
    return [(o.key, o.done) for o in result.outcomes]


def test_it_creates_and_pins_every_check_then_has_nothing_to_do(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    result = hcctl.apply(settings=settings(healthchecks_server, folder))
    assert done(result) == [("api", "created"), ("beat", "created"), ("backup", "created")]
    checks = server_checks(healthchecks_server)
    assert {slug: c.uuid for slug, c in checks.items()} == {
        "api": U_API,
        "beat": U_BEAT,
        "backup": U_BACKUP,
    }
    assert checks["api"].timeout == 300
    assert checks["beat"].tz == "Europe/Kyiv"
    assert len(checks["backup"].channels or ()) == 1
    assert result.env_written == {}  # the env file already had every UUID
    again = hcctl.apply(settings=settings(healthchecks_server, folder))
    assert again.outcomes == ()
    assert not again.plan.has_changes


def test_it_adopts_the_server_uuids_in_hosted_mode(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path, env="# keep me\nOTHER=1\n")
    result = hcctl.apply(settings=settings(healthchecks_server, folder, pinned=False))
    checks = server_checks(healthchecks_server)
    env = read_env(folder / ".env.healthchecks")
    assert env == {
        "OTHER": "1",
        "HC_CHECK_API": checks["api"].uuid,
        "HC_CHECK_BEAT": checks["beat"].uuid,
        "HC_CHECK_BACKUP": checks["backup"].uuid,
    }
    assert (folder / ".env.healthchecks").read_text().startswith("# keep me\nOTHER=1\n")
    assert set(result.env_written) == {"HC_CHECK_API", "HC_CHECK_BEAT", "HC_CHECK_BACKUP"}
    again = hcctl.apply(settings=settings(healthchecks_server, folder, pinned=False))
    assert again.outcomes == ()


def test_without_pinning_it_replaces_uuids_the_server_cannot_take(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    hcctl.apply(settings=settings(healthchecks_server, folder, pinned=False))
    env = read_env(folder / ".env.healthchecks")
    checks = server_checks(healthchecks_server)
    assert env["HC_CHECK_API"] == checks["api"].uuid != U_API


def test_it_sends_only_what_changed(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    hcctl.apply(settings=settings(healthchecks_server, folder))
    project(tmp_path, TOML.replace('timeout = "5m"', 'timeout = "10m"'))
    result = hcctl.apply(settings=settings(healthchecks_server, folder))
    assert result.outcomes == (Outcome("api", "updated", U_API, "timeout"),)
    assert server_checks(healthchecks_server)["api"].timeout == 600


def test_it_pins_an_existing_check_keeping_its_history(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        old, _ = api.create_check({"name": "API", "slug": "api"})
    assert old.uuid is not None
    import httpx

    assert httpx.get(f"{healthchecks_server.ping_url}{old.uuid}").status_code == 200
    folder = project(tmp_path)
    result = hcctl.apply(settings=settings(healthchecks_server, folder))
    assert result.outcomes[0] == Outcome(
        "api", "pinned", U_API, f"was {old.uuid}; updated tags, timeout, grace"
    )
    api_check = server_checks(healthchecks_server)["api"]
    assert (api_check.uuid, api_check.n_pings) == (U_API, 1)


def test_force_recreate_resends_every_field_and_keeps_the_uuids(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    hcctl.apply(settings=settings(healthchecks_server, folder))
    result = hcctl.apply(settings=settings(healthchecks_server, folder), force_recreate=True)
    assert [o.done for o in result.outcomes] == ["updated"] * 3
    assert {c.uuid for c in server_checks(healthchecks_server).values()} == {
        U_API,
        U_BEAT,
        U_BACKUP,
    }


def test_it_never_touches_duplicates_or_unmanaged_checks(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        api.create_check({"name": "stranger", "slug": "stranger"})
    folder = project(tmp_path)
    hcctl.apply(settings=settings(healthchecks_server, folder))
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        api.create_check({"name": "API copy", "slug": "api"})
        result = hcctl.apply(settings=settings(healthchecks_server, folder))
        assert result.outcomes == ()
        assert [d.check.name for d in result.plan.duplicates] == ["API copy"]
        assert len(api.list_checks()) == 5


# --- machines racing for the same check ------------------------------------------------------


def another_machine_creates(hc: HealthchecksServer, body: dict[str, object], pin_to: str) -> None:
    pinner = open_pinner(db_url=f"sqlite:///{hc.db_path}")
    assert pinner is not None
    with HealthchecksApi(hc.api_url, hc.api_key) as api:
        check, _ = api.create_check(body)
        assert check.uuid is not None
        pinner.pin(check.uuid, pin_to)
    pinner.close()


def test_it_joins_the_check_another_machine_pinned_first(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    spec = settings(healthchecks_server, folder).load_spec()
    plan = diff(spec, [], pinning=True)  # planned before the other machine acted
    another_machine_creates(healthchecks_server, {"name": "API", "slug": "api"}, U_API)
    pinner = open_pinner(db_url=f"sqlite:///{healthchecks_server.db_path}")
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        result = apply_plan(plan, api=api, env_path=folder / ".env.healthchecks", pinner=pinner)
        assert len(api.list_checks()) == 3
    assert result.outcomes[0].done == "joined"
    assert server_checks(healthchecks_server)["api"].timeout == 300  # converged on the spec


def test_it_joins_when_another_machine_pinned_the_same_check(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        first, _ = api.create_check({"name": "API", "slug": "api"})
        spec = settings(healthchecks_server, folder).load_spec()
        plan = diff(spec, api.list_checks(), pinning=True)  # plans to pin `first`
        pinner = open_pinner(db_url=f"sqlite:///{healthchecks_server.db_path}")
        assert pinner is not None
        assert first.uuid is not None
        pinner.pin(first.uuid, U_API)  # the other machine was quicker
        result = apply_plan(plan, api=api, env_path=folder / ".env.healthchecks", pinner=pinner)
        assert sorted(c.uuid or "" for c in api.list_checks()) == sorted([U_API, U_BEAT, U_BACKUP])
    assert result.outcomes[0].done == "joined"


def race_for_the_slug(hc: HealthchecksServer, folder: Path, rival_uuid: str) -> list[Check]:
    """Apply while another machine's create of the same slug slips past the upsert."""
    spec = settings(hc, folder, pinned=False).load_spec()
    plan = diff(spec, [])
    pinner = open_pinner(db_url=f"sqlite:///{hc.db_path}")
    assert pinner is not None
    with HealthchecksApi(hc.api_url, hc.api_key) as api:

        def rival_creates(outcome: Outcome) -> None:
            if outcome.key == "api":
                rival, _ = api.create_check({"name": "API", "slug": "api"})
                assert rival.uuid is not None
                pinner.pin(rival.uuid, rival_uuid)

        options: dict[str, Any] = {"on_outcome": rival_creates, "concurrency": 1}
        env_path = folder / ".env.healthchecks"
        apply_plan(plan, api=api, env_path=env_path, settle_delay=0, **options)
        return [c for c in api.list_checks() if c.slug == "api"]


def test_a_machine_whose_check_lost_the_slug_race_deletes_it_and_joins(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path, env=None)
    smallest = "00000000-0000-4000-8000-" + uuidlib.uuid4().hex[:12]
    [survivor] = race_for_the_slug(healthchecks_server, folder, smallest)
    assert survivor.uuid == smallest
    assert read_env(folder / ".env.healthchecks")["HC_CHECK_API"] == smallest
    assert survivor.timeout == 300  # converged on the spec


def test_a_machine_whose_check_won_the_slug_race_keeps_it(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path, env=None)
    largest = "ffffffff-ffff-4fff-8fff-" + uuidlib.uuid4().hex[:12]
    checks = race_for_the_slug(healthchecks_server, folder, largest)
    mine = read_env(folder / ".env.healthchecks")["HC_CHECK_API"]
    # The rival's own apply deletes its check; ours stays and is in the env file.
    assert sorted(c.uuid or "" for c in checks) == [mine, largest]


# --- bad input: a clear error, nothing half-done ---------------------------------------------


def assert_nothing_created(hc: HealthchecksServer) -> None:
    assert server_checks(hc) == {}


def test_it_refuses_a_read_only_key(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    options = settings(healthchecks_server, folder, api_key=healthchecks_server.api_key_readonly)
    with pytest.raises(AuthError, match=r"^apply needs a read-write API key$"):
        hcctl.apply(settings=options)
    assert_nothing_created(healthchecks_server)


def test_it_reports_a_wrong_key_and_an_unreachable_server(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    with pytest.raises(AuthError) as wrong:
        hcctl.apply(settings=settings(healthchecks_server, folder, api_key="x" * 32))
    assert "x" * 32 not in str(wrong.value)
    dead = settings(healthchecks_server, folder, api_url="http://127.0.0.1:9/")
    with pytest.raises(TransportError):
        hcctl.apply(settings=dead)
    assert_nothing_created(healthchecks_server)


@pytest.mark.parametrize(
    "db_url",
    ["sqlite:///{tmp}/missing.sqlite", "sqlite:///{tmp}/not-healthchecks.sqlite"],
)
def test_it_checks_the_database_before_creating_anything(
    healthchecks_server: HealthchecksServer, tmp_path: Path, db_url: str
) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "not-healthchecks.sqlite").execute("CREATE TABLE t (x)").close()
    folder = project(tmp_path)
    options = settings(healthchecks_server, folder, db_url=db_url.format(tmp=tmp_path))
    with pytest.raises(PinError):
        hcctl.apply(settings=options)
    assert_nothing_created(healthchecks_server)


def test_it_keeps_a_database_password_out_of_its_messages(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    db_url = "postgresql://hc:s3cret-pw@127.0.0.1:1/hc"
    with pytest.raises(PinError) as error:
        hcctl.apply(settings=settings(healthchecks_server, folder, db_url=db_url))
    assert "s3cret-pw" not in str(error.value)
    assert_nothing_created(healthchecks_server)


def test_it_leaves_nothing_behind_when_the_uuid_belongs_to_another_project(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    outsider = healthchecks_server.outsider
    with HealthchecksApi(healthchecks_server.api_url, outsider.api_key) as api:
        theirs, _ = api.create_check({"name": "theirs", "slug": "theirs"})
    assert theirs.uuid is not None
    folder = project(tmp_path, env=f"HC_CHECK_API={theirs.uuid}\n")
    toml = '[checks.api]\nname = "API"\n'
    project(tmp_path, toml, env=None)
    with pytest.raises(PinError, match=f"api: the UUID {theirs.uuid} belongs to a check"):
        hcctl.apply(settings=settings(healthchecks_server, folder))
    assert_nothing_created(healthchecks_server)


def test_it_refuses_a_plan_with_conflicts(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path, TOML.replace('["slack"]', '["pager"]'))
    with pytest.raises(PlanConflict, match="no integration is named 'pager'"):
        hcctl.apply(settings=settings(healthchecks_server, folder))
    assert_nothing_created(healthchecks_server)


def test_it_refuses_an_env_file_it_cannot_write(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    folder = project(tmp_path, env=None)
    env_file = folder / "gone" / ".env"
    spec_path = folder / "healthchecks.toml"
    options = settings(healthchecks_server, folder, env_file=env_file, spec_path=spec_path)
    with pytest.raises(HcctlError, match="cannot be written: its folder does not exist"):
        hcctl.apply(settings=options)
    assert_nothing_created(healthchecks_server)


def test_checks_in_code_apply_like_files(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    # The seeds' DEFAULT_CHECKS, kept in Python.
    spec = hcctl.Spec(
        (
            hcctl.CheckSpec(key="postgres", name="PostgreSQL", schedule="*/2 * * * *", grace=240),
            hcctl.CheckSpec(key="redis", name="Redis", tags=("cache", "tier1"), timeout=120),
        ),
        env_path=tmp_path / ".env.healthchecks",
    )
    options = settings(healthchecks_server, tmp_path, pinned=False)
    result = hcctl.apply(spec=spec, settings=options)
    assert [o.done for o in result.outcomes] == ["created", "created"]
    env = read_env(tmp_path / ".env.healthchecks")
    assert uuidlib.UUID(env["HC_CHECK_REDIS"])
    assert hcctl.plan(spec=spec, settings=options).has_changes is False


def test_the_seeds_env_file_alone_is_a_spec_that_applies(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    (tmp_path / ".env.healthchecks").write_text(
        f"# Check IDs (à conserver entre machines)\nHC_CHECK_API={U_API}\n"
        f"HC_CHECK_CELERY_BEAT={U_BEAT}\n"
    )
    result = hcctl.apply(settings=settings(healthchecks_server, tmp_path))
    assert done(result) == [("api", "created"), ("celery-beat", "created")]
    checks = server_checks(healthchecks_server)
    assert (checks["api"].uuid, checks["celery-beat"].uuid) == (U_API, U_BEAT)


def test_it_pins_through_the_servers_django_too(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    standin = Path(__file__).parent / "django_standin" / "manage.py"
    words = ["env", f"HCCTL_STANDIN_DB={healthchecks_server.db_path}", sys.executable, str(standin)]
    folder = project(tmp_path)
    options = settings(healthchecks_server, folder, pinned=False, django_cmd=shlex.join(words))
    result = hcctl.apply(settings=options)
    assert [o.detail for o in result.outcomes] == ["pinned"] * 3
    assert {c.uuid for c in server_checks(healthchecks_server).values()} == {
        U_API,
        U_BEAT,
        U_BACKUP,
    }
