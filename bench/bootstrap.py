"""Benchmark `hcctl bootstrap` on this machine; records bench/RESULTS.md's section.

    .venv/bin/python bench/bootstrap.py

Against the local server on a real socket, its manage.py the tests' Django stand-in: a first
bootstrap of the seeds' 14 checks (admin, project, keys, 14 checks created and pinned), then a
second one on the ready server (nothing changes), each the mean of a few runs.
"""

from __future__ import annotations

import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _results import record_section
from hcctl.bootstrap import bootstrap
from hcctl.server.local import LocalServer
from hcctl.settings import Settings

HERE = Path(__file__).resolve().parent
SEEDS_ENV = HERE.parent / "examples" / ".env.healthchecks"
STANDIN = HERE.parent / "tests" / "django_standin" / "manage.py"
RUNS = 3


def one_server() -> tuple[float, float, int]:
    """(first run s, second run s, checks) on a fresh server and folder."""
    with LocalServer() as server, tempfile.TemporaryDirectory() as tmp:
        words = ["env", f"HCCTL_STANDIN_DB={server.db_path}", sys.executable, str(STANDIN)]
        subprocess.run([*words, "migrate", "--run-syncdb", "-v", "0"], check=True)
        shutil.copy(SEEDS_ENV, Path(tmp) / ".env.healthchecks")
        settings = Settings.load(
            api_url=server.api_url, env_file=Path(tmp) / ".env.healthchecks", environ={}
        )
        times = []
        for _ in range(2):
            start = time.perf_counter()
            result = bootstrap(django_cmd=shlex.join(words), settings=settings, wait=10)
            times.append(time.perf_counter() - start)
        assert not result.changed
        return times[0], times[1], len(result.checks)


def main() -> None:
    runs = [one_server() for _ in range(RUNS)]
    first = sum(r[0] for r in runs) / RUNS
    second = sum(r[1] for r in runs) / RUNS
    lines = [
        f"Measured {date.today()} on {platform.machine()}, Python {platform.python_version()},"
        " against the local server on 127.0.0.1, manage.py the Django stand-in; means of"
        f" {RUNS} fresh servers; 1-minute load average {os.getloadavg()[0]:.0f} (other jobs ran).",
        "",
        "| what | figure |",
        "|---|---|",
        f"| first bootstrap: admin, project, 3 keys, {runs[0][2]} checks created and pinned"
        f" | {first:.2f} s |",
        f"| second bootstrap on the ready server (nothing changes) | {second:.2f} s |",
        "",
        "Most of it is Django starting: one `manage.py shell` for the account and keys, one for"
        " all the pins of the run.",
    ]
    record(lines)
    print("\n".join(lines))


def record(lines: list[str]) -> None:
    record_section("bootstrap", ["## Bootstrap (bench/bootstrap.py)", "", *lines])


if __name__ == "__main__":
    main()
