"""Many machines applying at once, and applies killed at random points, in real processes."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from types import TracebackType

import pytest

from hcctl.api import HealthchecksApi
from hcctl.durations import parse_duration
from hcctl.envfile import read_env
from hcctl.server.pytest_plugin import HealthchecksServer

# Starting Python and importing hcctl takes longer than an apply, so a zygote imports it once
# and forks a machine per command: real processes running the real CLI, started within
# milliseconds of each other, killed at any point of their apply. The zygote has no threads,
# which makes forking it safe.
ZYGOTE = """
import json, os, sys
from hcctl.cli import cli
for line in sys.stdin:
    command = json.loads(line)
    if "wait" in command:
        _, status = os.waitpid(command["wait"], 0)
        print(json.dumps(os.waitstatus_to_exitcode(status)), flush=True)
        continue
    pid = os.fork()
    if pid == 0:
        os.chdir(command["cwd"])
        out = os.open(command["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(out, 2)
        try:
            cli(command["args"], prog_name="hcctl")
        except SystemExit as exit:
            os._exit(exit.code if isinstance(exit.code, int) else 1)
        os._exit(0)
    print(json.dumps(pid), flush=True)
"""


class Zygote:
    """Runs `hcctl` commands as forked processes of one warm Python."""

    def __init__(self, hc: HealthchecksServer, folder: Path) -> None:
        env = {**os.environ, "HC_API_URL": hc.api_url, "HC_API_KEY": hc.api_key, "NO_COLOR": "1"}
        self.folder = folder
        self.count = 0
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, command: dict[str, object]) -> int:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert isinstance(answer, int)
        return answer

    def start(self, cwd: Path, *args: str) -> tuple[int, Path]:
        """Fork a machine running `hcctl ARGS` in `cwd`; its pid and its output file."""
        self.count += 1
        out = self.folder / f"output-{self.count}.txt"
        return self._ask({"cwd": str(cwd), "args": list(args), "out": str(out)}), out

    def wait(self, pid: int) -> int:
        return self._ask({"wait": pid})

    def run(self, cwd: Path, *args: str) -> tuple[int, str]:
        pid, out = self.start(cwd, *args)
        return self.wait(pid), out.read_text()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.process.communicate()  # closing stdin ends it


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
def test_eight_machines_applying_at_once_end_with_one_check_per_entry(
    healthchecks_server: HealthchecksServer, tmp_path: Path, pinned: bool
) -> None:
    hc = healthchecks_server
    wanted = {key: str(uuid.uuid4()) for key in KEYS} if pinned else {}
    folders = [tmp_path / f"machine-{n}" for n in range(8)]
    for folder in folders:
        write_spec(folder, uuids=wanted)
    with Zygote(hc, tmp_path) as zygote:
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


def test_applies_killed_at_random_points_converge_when_run_again(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    hc, rng = healthchecks_server, random.Random(1234)
    # Half the checks have a UUID to pin; the others get the server's, adopted.
    wanted = {key: str(uuid.uuid4()) for key in MANY_KEYS[::2]}
    folder = tmp_path / "machine"
    write_spec(folder, uuids=wanted, keys=MANY_KEYS)
    args = apply_args(hc, pinned=True)

    def new_round(round_: int) -> None:
        env_text = (folder / ".env.healthchecks").read_text()
        write_spec(folder, timeout=f"{5 + round_ % 3}m", keys=MANY_KEYS)
        (folder / ".env.healthchecks").write_text(env_text)
        delete_some(hc, rng)

    with Zygote(hc, tmp_path) as zygote:
        assert zygote.run(folder, *args)[0] == 0
        # How long a round's apply takes here and now: kills land anywhere within it.
        new_round(-1)
        started = time.monotonic()
        assert zygote.run(folder, *args)[0] == 0
        duration = time.monotonic() - started
        killed_mid_way = 0
        for round_ in range(50):
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
