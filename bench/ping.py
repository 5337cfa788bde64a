"""Benchmark of pings: `hcctl ping` start-up, client creation, background calls, keep-alive.

    .venv/bin/python bench/ping.py [--runs 30]

Runs the local server in its own process (so the client's timings do not share its GIL), then
measures, side by side in one run:

1. `hcctl ping <uuid>` wall time against the floor for any Python CLI (`python -c` sending the
   same request with http.client) and against `curl -fsS -m 10 --retry 5 -o /dev/null URL`;
   target: at most 1.5x the floor.
2. `import hcctl` plus creating a PingClient, in a fresh interpreter; target: at most 50 ms.
3. A background ping call, in process; target: median at most 20 microseconds.
4. Synchronous pings over one kept-alive connection against a new connection per ping;
   target: at least 3x the throughput.

Writes its section of bench/RESULTS.md and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

from _results import record_section
from hcctl._http import StdlibTransport
from hcctl.ping import PingClient

HERE = Path(__file__).parent
PY = sys.executable
HCCTL = str(Path(PY).with_name("hcctl"))

SERVER = """
import json, sys
from hcctl.server.local import LocalServer
with LocalServer() as s:
    print(json.dumps({"api": s.api_url, "ping": s.ping_url, "key": s.api_key}), flush=True)
    sys.stdin.read()
"""

FLOOR = """
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
c.request("POST", sys.argv[3], body=b"")
r = c.getresponse()
r.read()
sys.exit(r.status != 200)
"""

CREATE = """
import sys, time
t = time.perf_counter()
import hcctl
c = hcctl.PingClient(sys.argv[1])
print(time.perf_counter() - t)
"""

CREATE_FROM_ENV = CREATE.replace("hcctl.PingClient(sys.argv[1])", "hcctl.PingClient.from_env()")


@contextmanager
def local_server() -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [PY, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    try:
        yield json.loads(proc.stdout.readline())
    finally:
        proc.stdin.close()
        proc.wait(10)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def wall(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cli_times(url: str, env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall times of the three ways to send one ping, interleaved."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    commands = {
        "hcctl ping": [HCCTL, "ping", url.rsplit("/", 1)[-1]],
        "python -c (http.client)": [PY, "-c", FLOOR, host, port, "/" + path],
        "curl": ["curl", "-fsS", "-m", "10", "--retry", "5", "-o", "/dev/null", url],
    }
    if shutil.which("curl") is None:
        del commands["curl"]
    samples: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as cwd:
        for round_ in range(runs + 2):
            for name, cmd in commands.items():
                elapsed = wall(cmd, env, cwd)
                if round_ >= 2:  # two warm-up rounds: compiled .pyc, disk cache
                    samples[name].append(elapsed)
    return {name: median_ms(values) for name, values in samples.items()}


def creation_ms(script: str, url: str, env: dict[str, str], runs: int) -> float:
    samples = []
    with tempfile.TemporaryDirectory() as cwd:
        for round_ in range(runs + 2):
            out = subprocess.run(
                [PY, "-c", script, url], env=env, cwd=cwd, capture_output=True, text=True
            )
            if round_ >= 2:
                samples.append(float(out.stdout))
    return median_ms(samples)


def background_call_us(url: str, uuid: str, calls: int = 20000) -> tuple[float, float]:
    """Median and 99th percentile of one background ping call, while the worker sends."""
    samples = []
    with PingClient(url, background=True, queue_size=calls) as client:
        for _ in range(calls):
            start = time.perf_counter_ns()
            client.log(uuid)
            samples.append(time.perf_counter_ns() - start)
        client.flush(120)
    samples.sort()
    return statistics.median(samples) / 1000, samples[int(len(samples) * 0.99)] / 1000


def throughput(send: Callable[[], object], count: int) -> float:
    send()
    start = time.perf_counter()
    for _ in range(count):
        send()
    return count / (time.perf_counter() - start)


def keep_alive_rates(url: str, uuid: str, count: int) -> tuple[float, float]:
    kept = PingClient(url, strict=True)
    fresh = PingClient(url, strict=True)
    fresh._transport = StdlibTransport(max_idle=0)  # the same code, without keeping anything
    with kept, fresh:
        return throughput(lambda: kept.log(uuid), count), throughput(lambda: fresh.log(uuid), count)


def write_results(lines: list[str]) -> None:
    record_section("ping", lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pings", type=int, default=1000)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HC_", "HEALTHCHECKS_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' installs have compiled bytecode
    with local_server() as server:
        response = httpx.post(
            server["api"] + "checks/", headers={"X-Api-Key": server["key"]}, json={"name": "b"}
        )
        uuid = response.json()["uuid"]
        url = server["ping"] + uuid
        env["HC_PING_URL"] = server["ping"]
        cli = cli_times(url, env, args.runs)
        bare = median_ms([wall([PY, "-c", "pass"], env, "/") for _ in range(args.runs)])
        create = creation_ms(CREATE, server["ping"], env, args.runs)
        create_env = creation_ms(CREATE_FROM_ENV, server["ping"], env, args.runs)
        bg_median, bg_p99 = background_call_us(server["ping"], uuid)
        kept, fresh = keep_alive_rates(server["ping"], uuid, args.pings)
    floor = cli["python -c (http.client)"]
    ratio = cli["hcctl ping"] / floor
    checks = {
        "hcctl ping <= 1.5x the floor": ratio <= 1.5,
        "import + PingClient <= 50 ms": create <= 50,
        "background call median <= 20 us": bg_median <= 20,
        "keep-alive >= 3x new connections": kept >= 3 * fresh,
    }
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        "## Pings (bench/ping.py)",
        "",
        f"Measured {when} on {platform.machine()} ({os.cpu_count()} CPUs), Python "
        f"{platform.python_version()}, against the local server in its own process on "
        f"127.0.0.1; wall times are medians of {args.runs} runs after two warm-up runs.",
        "",
        "| what | figure | target |",
        "|---|---|---|",
        f"| `hcctl ping <uuid>` | {cli['hcctl ping']:.1f} ms | |",
        f"| floor: `python -c` with http.client, same request | {floor:.1f} ms | |",
        f"| hcctl ping / floor | {ratio:.2f}x | at most 1.5x |",
    ]
    if "curl" in cli:
        lines.append(
            f"| `curl -fsS -m 10 --retry 5 -o /dev/null URL` | {cli['curl']:.1f} ms "
            f"(hcctl ping / curl: {cli['hcctl ping'] / cli['curl']:.2f}x) | |"
        )
    lines += [
        f"| bare `python -c pass` | {bare:.1f} ms | |",
        f"| `import hcctl` + `PingClient(url)`, in process | {create:.1f} ms | at most 50 ms |",
        f"| `import hcctl` + `PingClient.from_env()`, in process | {create_env:.1f} ms | |",
        f"| background ping call, median (p99) | {bg_median:.1f} us ({bg_p99:.1f} us) "
        "| at most 20 us |",
        f"| sync pings, one kept-alive connection | {kept:.0f}/s | |",
        f"| sync pings, a new connection each | {fresh:.0f}/s | |",
        f"| kept-alive / new connection | {kept / fresh:.2f}x | at least 3x |",
        "",
        "Targets: "
        + ", ".join(f"{k}: {'met' if ok else 'MISSED'}" for k, ok in checks.items())
        + ".",
    ]
    write_results(lines)
    print("\n".join(lines))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
