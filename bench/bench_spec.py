"""Benchmarks of the spec area: loading a large spec, updating the env file, concurrent writers.

Run with `make bench` (or `python bench/bench_spec.py`); the figures replace the "spec" section
of bench/RESULTS.md.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from _results import record_section
from hcctl.envfile import read_env, update_env
from hcctl.spec import load_spec

CHECKS = 1000
WRITER = """
import sys
from pathlib import Path
from hcctl.envfile import update_env
path, name, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(rounds):
    update_env(path, {name: str(i)})
"""


def _project(folder: Path) -> tuple[Path, Path]:
    toml = folder / "healthchecks.toml"
    env = folder / ".env.healthchecks"
    tables = [
        f'[checks.job-{i}]\nname = "Job {i}"\nschedule = "{i % 60} * * * *"\ntz = "Europe/Paris"\n'
        if i % 2
        else f'[checks.job-{i}]\ntimeout = "{i % 50 + 1}m"\ntags = ["a", "b"]\n'
        for i in range(CHECKS)
    ]
    toml.write_text('[defaults]\ngrace = "5m"\nchannels = "*"\n\n' + "\n".join(tables))
    env.write_text("".join(f"HC_CHECK_JOB_{i}={uuid.uuid4()}\n" for i in range(CHECKS)))
    return toml, env


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _concurrent(env: Path, writers: int, rounds: int) -> float:
    start = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(env), f"HC_CHECK_W{n}", str(rounds)])
        for n in range(writers)
    ]
    if any(proc.wait() for proc in procs):
        raise SystemExit("a writer failed")
    elapsed = time.perf_counter() - start
    values = read_env(env)
    if any(values[f"HC_CHECK_W{n}"] != str(rounds - 1) for n in range(writers)):
        raise SystemExit("an update was lost")
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        toml, env = _project(Path(tmp))
        load_ms = _median_ms(lambda: load_spec(toml, env), 5)
        update_ms = _median_ms(lambda: update_env(env, {"HC_CHECK_JOB_500": str(uuid.uuid4())}), 50)
        seconds = _concurrent(env, writers=4, rounds=50)
    lines = [
        "## Spec and env file (bench/bench_spec.py)",
        "",
        f"Python {sys.version.split()[0]}, one machine, median of several runs.",
        "",
        f"- load_spec of {CHECKS} checks (TOML + env file, every rule checked): {load_ms:.0f} ms",
        f"- update_env of one variable in a {CHECKS}-line env file (lock, fsync, rename): "
        f"{update_ms:.1f} ms",
        f"- 4 processes x 50 updates of different variables: {seconds:.2f} s in all, "
        "no update lost",
    ]
    record_section("spec", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
