"""Many machines applying at once, and applies killed at random points, in real processes."""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from hcctl.api import HealthchecksApi
from hcctl.durations import parse_duration
from hcctl.envfile import read_env
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.zygote import Zygote

KEYS = [f"job-{n}" for n in range(12)]
MANY_KEYS = [f"job-{n}" for n in range(16)]


def write_spec(
    folder: Path,
    *,
    timeout: str = "5m",
    uuids: dict[str, str] | None = None,
    keys: list[str] = KEYS,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tables = [f'[checks.{key}]\nname = "Job {key}"\ntimeout = "{timeout}"\n' for key in keys]
    (folder / "healthchecks.toml").write_text("\n".join(tables))
    lines = [f"HC_CHECK_{key.upper().replace('-', '_')}={u}" for key, u in (uuids or {}).items()]
    (folder / ".env.healthchecks").write_text("# machine\n" + "".join(f"{x}\n" for x in lines))


def slugs_on(hc: HealthchecksServer) -> Counter[str]:
    with HealthchecksApi(hc.api_url, hc.api_key) as api:
        return Counter(c.slug for c in api.list_checks())


def uuids_on(hc: HealthchecksServer) -> dict[str, str]:
    with HealthchecksApi(hc.api_url, hc.api_key) as api:
        return {c.slug: c.uuid or "" for c in api.list_checks()}


def env_uuids(folder: Path, keys: list[str] = KEYS) -> dict[str, str]:
    env = read_env(folder / ".env.healthchecks")  # raises if the file is not valid
    found = {}
    for key in keys:
        value = env.get(f"HC_CHECK_{key.upper().replace('-', '_')}")
        if value is not None:
            found[key] = str(uuid.UUID(value))
    return found


def apply_args(hc: HealthchecksServer, *, pinned: bool) -> list[str]:
    return ["apply", "--db-url", f"sqlite:///{hc.db_path}"] if pinned else ["apply"]


@pytest.mark.parametrize("pinned", [True, False], ids=["pinned", "hosted"])
def test_ten_machines_applying_at_once_end_with_one_check_per_entry(
    healthchecks_server: HealthchecksServer, tmp_path: Path, pinned: bool
) -> None:
    hc = healthchecks_server
    wanted = {key: str(uuid.uuid4()) for key in KEYS} if pinned else {}
    folders = [tmp_path / f"machine-{n}" for n in range(10)]
    for folder in folders:
        write_spec(folder, uuids=wanted)
    with Zygote(tmp_path, hc=hc) as zygote:
        started = [zygote.start(folder, *apply_args(hc, pinned=pinned)) for folder in folders]
        for pid, out in started:
            assert zygote.wait(pid) == 0, out.read_text()
    assert slugs_on(hc) == Counter(KEYS)
    on_server = uuids_on(hc)
    if pinned:
        assert on_server == wanted
    for folder in folders:
        assert env_uuids(folder) == on_server


def delete_some(hc: HealthchecksServer, rng: random.Random) -> None:
    """Someone deletes a few checks: the next apply has creations to do (and to be killed in)."""
    with HealthchecksApi(hc.api_url, hc.api_key) as api:
        checks = api.list_checks()
        for check in rng.sample(checks, min(2, len(checks))):
            api.delete_check(check.uuid or "")


def wait_for_first_write(hc: HealthchecksServer, timeout: str, *, within: float) -> None:
    """Return once a check on the server has `timeout`, or after `within` seconds."""
    seconds, deadline = parse_duration(timeout), time.monotonic() + within
    while timeouts_on(hc)[seconds] == 0 and time.monotonic() < deadline:
        time.sleep(0.002)


def timeouts_on(hc: HealthchecksServer) -> Counter[int | None]:
    with HealthchecksApi(hc.api_url, hc.api_key) as api:
        return Counter(c.timeout for c in api.list_checks())


@pytest.mark.parametrize(("pinned", "rounds"), [(True, 50), (False, 25)], ids=["pinned", "hosted"])
def test_applies_killed_at_random_points_converge_when_run_again(
    healthchecks_server: HealthchecksServer, tmp_path: Path, pinned: bool, rounds: int
) -> None:
    hc, rng = healthchecks_server, random.Random(1234)
    # Pinned: half the checks have a UUID to pin; the others get the server's, adopted.
    wanted = {key: str(uuid.uuid4()) for key in MANY_KEYS[::2]} if pinned else {}
    folder = tmp_path / "machine"
    write_spec(folder, uuids=wanted, keys=MANY_KEYS)
    args = apply_args(hc, pinned=pinned)

    def new_round(round_: int) -> None:
        env_text = (folder / ".env.healthchecks").read_text()
        write_spec(folder, timeout=f"{5 + round_ % 3}m", keys=MANY_KEYS)
        (folder / ".env.healthchecks").write_text(env_text)
        delete_some(hc, rng)

    with Zygote(tmp_path, hc=hc) as zygote:
        assert zygote.run(folder, *args)[0] == 0
        # How long a round's apply takes here and now: kills land anywhere within it.
        new_round(-1)
        started = time.monotonic()
        assert zygote.run(folder, *args)[0] == 0
        duration = time.monotonic() - started
        killed_mid_way = 0
        for round_ in range(rounds):
            new_round(round_)
            pid, _ = zygote.start(folder, *args)
            if round_ % 2:
                time.sleep(rng.uniform(0.0, duration))  # anywhere, its very start included
            else:
                # On a loaded machine an apply can take far longer than the one measured: these
                # rounds wait for its first write, so some kills surely land among its writes.
                wait_for_first_write(hc, f"{5 + round_ % 3}m", within=duration * 20)
            os.kill(pid, signal.SIGKILL)
            zygote.wait(pid)
            env_uuids(folder, MANY_KEYS)  # always a valid file
            timeouts = timeouts_on(hc)
            partly = len(MANY_KEYS) - 2 < sum(timeouts.values()) < len(MANY_KEYS)
            killed_mid_way += len(timeouts) > 1 or partly
        assert killed_mid_way > 0  # the kills did land in the middle of applies
        assert zygote.run(folder, *args)[0] == 0
        status, output = zygote.run(folder, *args)
    assert (status, output) == (0, f"No changes. {len(MANY_KEYS)} checks match the spec.\n")
    assert slugs_on(hc) == Counter(MANY_KEYS)
    on_server = uuids_on(hc)
    assert env_uuids(folder, MANY_KEYS) == on_server
    assert {key: on_server[key] for key in wanted} == wanted
    shutil.rmtree(folder)
