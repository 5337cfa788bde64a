"""SIGKILL at random points: the env file is always the old or the new version, never torn.

Applies killed at random points (50 more rounds, with pinning) are in tests/test_apply_races.py.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from hcctl.envfile import update_env
from tests.reliability.workers import versions
from tests.zygote import Zygote

TRIALS = 200


def render(path: Path, values: dict[str, str]) -> str:
    update_env(path, values)
    return path.read_text()


def test_an_env_file_writer_killed_at_random_points_never_tears_the_file(tmp_path: Path) -> None:
    rng = random.Random(4321)
    folder = tmp_path / "project"
    folder.mkdir()
    env = folder / ".env.healthchecks"
    env.write_text("# written by hcctl apply\nexport OTHER='kept'  # a comment\n")
    old, new = versions()
    new_text = render(env, new)
    old_text = render(env, old)
    seen: set[str] = set()
    with Zygote(tmp_path) as zygote:
        for _ in range(TRIALS):
            pid, _ = zygote.call(folder, "tests.reliability.workers:write_env_forever", str(env))
            time.sleep(rng.uniform(0.0, 0.03))
            os.kill(pid, signal.SIGKILL)
            assert zygote.wait(pid) == -signal.SIGKILL
            text = env.read_text()
            assert text in (old_text, new_text)
            seen.add(text)
    assert seen == {old_text, new_text}  # the kills landed in both directions
    litter = sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))
    update_env(env, new)  # the next writer runs normally and cleans up after the dead ones
    assert env.read_text() == new_text
    assert sorted(p.name for p in folder.iterdir()) == [
        ".env.healthchecks",
        ".env.healthchecks.lock",
    ], litter
