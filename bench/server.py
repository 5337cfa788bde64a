"""Benchmark a Healthchecks(-compatible) server: pings per second and listing latency.

    python bench/server.py                         # starts a local server and records figures
    python bench/server.py --api-url URL --api-key K --ping-url URL [--no-record]

Measures (1) sequential pings over one keep-alive connection, (2) pings from 16 concurrent
clients, each with its own keep-alive connection, (3) the latency of `GET checks/` with 1,000
checks in the project. Against a given server it creates the checks it needs and deletes them
afterwards. With the local server, the figures go into bench/RESULTS.md (section "server").
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPSConnection
from urllib.parse import urlsplit

import httpx

from _results import record_section

SECTION = "server"


@dataclass(frozen=True)
class Target:
    api_url: str
    api_key: str
    ping_url: str


@dataclass(frozen=True)
class Figures:
    sequential_pps: float
    concurrent_pps: float
    clients: int
    list_checks: int
    list_median_ms: float
    list_p95_ms: float


class PingClient:
    """One keep-alive connection through http.client: a lean client, so the figures are the
    server's and not the client library's (httpx costs about a millisecond per request)."""

    def __init__(self, ping_url: str) -> None:
        parts = urlsplit(ping_url)
        connection = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        self.conn = connection(parts.netloc, timeout=10)
        self.path = parts.path

    def ping(self) -> None:
        self.conn.request("GET", self.path)
        response = self.conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"ping answered {response.status}")

    def close(self) -> None:
        self.conn.close()


def sequential_pings(ping_url: str, seconds: float) -> float:
    """Pings per second from one client reusing one connection."""
    client = PingClient(ping_url)
    try:
        count, deadline = 0, time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            client.ping()
            count += 1
        return count / (time.perf_counter() - started)
    finally:
        client.close()


def concurrent_pings(ping_urls: list[str], seconds: float) -> float:
    """Pings per second from one thread per URL, each with its own keep-alive connection."""
    counts = [0] * len(ping_urls)
    start_line = threading.Barrier(len(ping_urls) + 1)

    def worker(index: int) -> None:
        client = PingClient(ping_urls[index])
        try:
            start_line.wait()
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                client.ping()
                counts[index] += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(ping_urls))]
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def list_latency(api: httpx.Client, rounds: int) -> tuple[float, float]:
    """Median and 95th percentile of `GET checks/`, in milliseconds."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        api.get("checks/").raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


@contextmanager
def bench_checks(api: httpx.Client, count: int) -> Iterator[list[str]]:
    """Create `count` checks for the run; delete them afterwards, whatever happens."""
    created: list[str] = []
    try:
        for i in range(count):
            response = api.post("checks/", json={"name": f"bench-{i}", "slug": f"bench-{i}"})
            response.raise_for_status()
            created.append(response.json()["uuid"])
        yield created
    finally:
        for uuid in created:
            api.delete(f"checks/{uuid}")


def measure(target: Target, *, seconds: float, clients: int, checks: int) -> Figures:
    headers = {"X-Api-Key": target.api_key}
    api = httpx.Client(base_url=target.api_url, headers=headers, timeout=60)
    with api, bench_checks(api, checks) as uuids:
        urls = [target.ping_url + uuid for uuid in uuids]
        sequential = sequential_pings(urls[0], seconds)
        concurrent = concurrent_pings(urls[:clients], seconds)
        median, p95 = list_latency(api, rounds=30)
    return Figures(sequential, concurrent, clients, checks, median, p95)


def report(figures: Figures) -> str:
    return "\n".join(
        [
            f"- pings, sequential with keep-alive: **{figures.sequential_pps:,.0f}/s**",
            f"- pings, {figures.clients} concurrent clients: **{figures.concurrent_pps:,.0f}/s**",
            f"- `GET checks/` with {figures.list_checks:,} checks: median "
            f"**{figures.list_median_ms:.0f} ms**, p95 {figures.list_p95_ms:.0f} ms",
        ]
    )


def record(text: str) -> None:
    """Replace this benchmark's block of RESULTS.md, keeping the rest."""
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    machine += f", load average {os.getloadavg()[0]:.1f} during the run"
    record_section(
        SECTION,
        [
            "## Local server (bench/server.py)",
            "",
            f"Measured {time.strftime('%Y-%m-%d')} on {machine}, `hcctl serve` in its own process, "
            "clients on the same machine (http.client for pings, httpx for the API).",
            "",
            text,
        ],
    )


@contextmanager
def local_server() -> Iterator[Target]:
    """`hcctl serve` in its own process, so the clients do not share its interpreter."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api_key = "hcw_" + secrets.token_hex(14)
    command = [sys.executable, "-m", "hcctl", "serve", "--port", str(port)]
    command += ["--api-key", api_key, "--api-key-readonly", "hcr_" + secrets.token_hex(14)]
    command += ["--ping-key", secrets.token_hex(11)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Press Ctrl+C"):
                break
        site = f"http://127.0.0.1:{port}"
        yield Target(f"{site}/api/v3/", api_key, f"{site}/ping/")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api-url", help="API base of the server (default: a local server)")
    parser.add_argument("--api-key", default=os.environ.get("HC_API_KEY"))
    parser.add_argument("--ping-url", help="ping base of the server")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    options = {"seconds": args.seconds, "clients": args.clients, "checks": args.checks}
    if args.api_url:
        if not (args.api_key and args.ping_url):
            parser.error("--api-url needs --api-key (or HC_API_KEY) and --ping-url")
        print(report(measure(Target(args.api_url, args.api_key, args.ping_url), **options)))
        return 0
    with local_server() as target:
        text = report(measure(target, **options))
    print(text)
    if not args.no_record:
        record(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
