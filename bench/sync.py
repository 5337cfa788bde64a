"""Benchmark hcctl's sync against the local server; records bench/RESULTS.md's "sync" section.

    python bench/sync.py [--checks 1000] [--rounds 5] [--hosted-checks 150] [--no-record]

Side by side, in one run, each on a fresh local server (`hcctl serve`, its own process):
1. apply creating and pinning N checks (concurrency 4, the default), against the seeds' way:
   per check, GET it (404), create it, pin it, one after the other, a new connection for each
   request (their `requests.get()` and `requests.post()`). The two alternate for R rounds, and
   the medians are compared: this machine's speed wanders by a quarter from one second to the
   next;
2. the API client's own CPU per create, on its default transport (http.client) and on httpx
   (`client=httpx.Client()`), creating the same checks one after the other;
3. a no-op apply on those N checks: requests sent (1 list, plus 1 channels list when the spec
   names integrations) and wall time;
4. hosted mode through a proxy that answers 429 past 100 requests in any minute, as
   healthchecks.io does: apply creating M checks with the client's hosted rate limit; the
   proxy counts what it refused.
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
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

import hcctl
from _results import record_section
from hcctl.api import HOSTED_RATE, HealthchecksApi
from hcctl.pinning import open_pinner
from hcctl.settings import Settings

CONCURRENCY = 4  # apply's default


@dataclass(frozen=True)
class Server:
    api_url: str
    api_key: str
    db_path: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def local_server(folder: Path) -> Iterator[Server]:
    """`hcctl serve` in its own process, so that client and server do not share one GIL."""
    port, key = _free_port(), secrets.token_hex(16)
    db_path = folder / f"hc-{port}.sqlite"
    command = [sys.executable, "-m", "hcctl", "serve", "--port", str(port), "--db", str(db_path)]
    process = subprocess.Popen(
        [*command, "--api-key", key],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    site = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{site}/api/v3/status/").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield Server(f"{site}/api/v3/", key, db_path)
    finally:
        process.terminate()
        process.wait()


def write_spec(folder: Path, count: int, *, channels: bool, uuids: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    defaults = '[defaults]\ngrace = "5m"\n' + ('channels = ["email"]\n' if channels else "")
    tables = [f'[checks.job-{n}]\nname = "Job {n}"\ntimeout = "10m"\n' for n in range(count)]
    (folder / "healthchecks.toml").write_text(defaults + "\n" + "\n".join(tables))
    env = "".join(f"HC_CHECK_JOB_{n}={uuid.uuid4()}\n" for n in range(count)) if uuids else ""
    (folder / ".env.healthchecks").write_text(env)


def settings(server: Server, folder: Path, *, pinned: bool) -> Settings:
    db_url = f"sqlite:///{server.db_path}" if pinned else None
    return Settings.load(
        cwd=folder, environ={}, api_url=server.api_url, api_key=server.api_key, db_url=db_url
    )


def timed_apply(
    server: Server, folder: Path, *, pinned: bool, rate_limit: float | None = None
) -> tuple[float, int, hcctl.ApplyResult]:
    with HealthchecksApi(server.api_url, server.api_key, rate_limit=rate_limit) as api:
        started = time.perf_counter()
        result = hcctl.apply(
            settings=settings(server, folder, pinned=pinned), api=api, concurrency=CONCURRENCY
        )
        return time.perf_counter() - started, api.request_count, result


def seeds_way(server: Server, folder: Path) -> tuple[float, int]:
    """The seeds' ensure scripts: per check, GET it, create it, pin it, one after the other.

    Their calls were `requests.get()`/`requests.post()`: a new connection for each request.
    Pinning gets one database connection for the whole run, as their Django script had.
    """
    spec = settings(server, folder, pinned=True).load_spec()
    pinner = open_pinner(db_url=f"sqlite:///{server.db_path}")
    assert pinner is not None
    fresh_connections = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
    with HealthchecksApi(server.api_url, server.api_key, client=fresh_connections) as api:
        started = time.perf_counter()
        for check in spec:
            assert check.uuid is not None
            try:
                api.get_check(check.uuid)
                continue
            except hcctl.NotFound:
                pass
            created, _ = api.create_check(check.api_body())
            pinner.pin(created.uuid or "", check.uuid)
        elapsed = time.perf_counter() - started
        count = api.request_count
    pinner.close()
    fresh_connections.close()
    return elapsed, count


# --- a proxy answering 429 past 100 requests a minute, as the hosted service does ------------


class RateLimitingProxy:
    """Forwards to `target`, refusing (429, Retry-After) past `limit` requests in 60 s."""

    def __init__(self, target: str, limit: int = 100) -> None:
        self.target, self.limit = target.split("/api/")[0], limit  # the site
        self.seen: deque[float] = deque()
        self.forwarded = 0
        self.refused = 0
        self.lock = threading.Lock()
        self.client = httpx.Client(timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = proxy.forward(self.command, self.path, self.headers, body)
                status, headers, content = answer
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_DELETE = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v3/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def allowed(self) -> bool:
        with self.lock:
            now = time.monotonic()
            while self.seen and now - self.seen[0] > 60:
                self.seen.popleft()
            if len(self.seen) >= self.limit:
                self.refused += 1
                return False
            self.seen.append(now)
            self.forwarded += 1
            return True

    def forward(
        self, method: str, path: str, headers: object, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if not self.allowed():
            return 429, [("Retry-After", "10"), ("Content-Type", "text/plain")], b"rate limited"
        names = ("X-Api-Key", "Content-Type")
        sent = {n: headers[n] for n in names if headers[n]}  # type: ignore[index]
        response = self.client.request(method, self.target + path, headers=sent, content=body)
        kept = [(k, v) for k, v in response.headers.items() if k.lower() == "content-type"]
        return response.status_code, kept, response.content

    def close(self) -> None:
        self.server.shutdown()
        self.client.close()


# --- the run ---------------------------------------------------------------------------------


def run(checks: int, rounds: int, hosted_checks: int) -> list[str]:
    load = os.getloadavg()[0]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs (load average {load:.1f} at the "
        "start: a shared machine), local server in its own process.",
        "",
        "| what | figure |",
        "|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines += create_and_pin(folder, checks, rounds)
        lines += transports(folder, min(checks, 500))
        lines += no_op(folder, checks)
        lines += hosted(folder, hosted_checks)
    return [*lines, "", *NOTES]


def one_side(folder: Path, side: str, checks: int) -> tuple[float, int]:
    """Seconds and requests for creating and pinning `checks` checks, apply's way or the seeds'."""
    write_spec(folder, checks, channels=True)
    with local_server(folder.parent) as server:
        if side == "seeds":
            return seeds_way(server, folder)
        elapsed, requests, result = timed_apply(server, folder, pinned=True)
        assert len(result.outcomes) == checks
        return elapsed, requests


def create_and_pin(folder: Path, checks: int, rounds: int) -> list[str]:
    times: dict[str, list[float]] = {"ours": [], "seeds": []}
    requests: dict[str, int] = {}
    for n in range(rounds):
        # Each goes first every other round: what runs first may find the machine otherwise.
        for side in ("ours", "seeds") if n % 2 == 0 else ("seeds", "ours"):
            elapsed, requests[side] = one_side(folder / f"{side}-{n}", side, checks)
            times[side].append(elapsed)
        print(
            f"round {n + 1}: ours {times['ours'][-1]:.2f}s, seeds {times['seeds'][-1]:.2f}s",
            flush=True,
        )
    ours, seeds = times["ours"], times["seeds"]
    ours_requests, seeds_requests = requests["ours"], requests["seeds"]
    ratios = sorted(s / o for s, o in zip(seeds, ours, strict=True))
    speed_up = statistics.median(seeds) / statistics.median(ours)
    return [
        f"| apply creating and pinning {checks} checks (concurrency {CONCURRENCY}), median of"
        f" {rounds} | {statistics.median(ours):.2f} s ({min(ours):.2f} to {max(ours):.2f}),"
        f" {ours_requests} requests |",
        f"| the seeds' way: per check GET, create, pin, in sequence, median of {rounds} |"
        f" {statistics.median(seeds):.2f} s ({min(seeds):.2f} to {max(seeds):.2f}),"
        f" {seeds_requests} requests |",
        f"| speed-up of the medians (target: at least 4x) | **{speed_up:.1f}x**"
        f" ({'met' if speed_up >= 4 else 'MISSED'}); round by round {ratios[0]:.1f}x to"
        f" {ratios[-1]:.1f}x |",
    ]


def client_cpu_per_create(server: Server, count: int, client: httpx.Client | None) -> float:
    """Microseconds of this process's CPU per create, one create after the other."""
    with HealthchecksApi(server.api_url, server.api_key, client=client) as api:
        api.list_checks()  # connected, and every module loaded
        started = time.process_time()
        for n in range(count):
            api.create_check({"name": f"cpu-{n}", "timeout": 600})
        return (time.process_time() - started) / count * 1e6


def transports(folder: Path, count: int) -> list[str]:
    with local_server(folder) as server:
        ours = client_cpu_per_create(server, count, None)
        with httpx.Client() as client:
            theirs = client_cpu_per_create(server, count, client)
    print(f"client CPU per create: http.client {ours:.0f} us, httpx {theirs:.0f} us", flush=True)
    return [
        f"| API client's CPU per create, {count} in sequence: http.client (default) against"
        f" httpx | {ours:.0f} us against {theirs:.0f} us ({theirs / ours:.1f}x) |",
    ]


def no_op(folder: Path, checks: int) -> list[str]:
    write_spec(folder / "spec", checks, channels=True)
    with local_server(folder) as server:
        timed_apply(server, folder / "spec", pinned=True)
        noop, noop_requests, again = timed_apply(server, folder / "spec", pinned=True)
        assert again.outcomes == ()
        env_text = (folder / "spec" / ".env.healthchecks").read_text()
        write_spec(folder / "spec", checks, channels=False)
        (folder / "spec" / ".env.healthchecks").write_text(env_text)
        bare, bare_requests, again = timed_apply(server, folder / "spec", pinned=True)
        assert again.outcomes == ()
    return [
        f"| no-op apply, {checks} checks, spec naming integrations | {noop * 1000:.0f} ms, "
        f"**{noop_requests} requests** (list + channels) |",
        f"| no-op apply, {checks} checks, no integrations named | {bare * 1000:.0f} ms, "
        f"**{bare_requests} request** (list) |",
    ]


NOTES = [
    "The local server is one Python process whose writes SQLite serialises, so apply gains by",
    "sending half the requests (no GET before each create), keeping connections alive,",
    "pinning once the creations are done (a pin holds the database's write lock; among the",
    "server's own writes each would make the other wait), 200 pins per transaction (one wait",
    "for the disk each), and sending its requests over http.client: apply's four threads share",
    "one GIL, and httpx's own work per request is about two and a half times http.client's (the",
    "CPU line above). What is left is the server's own work on each create, on one core. The no-op",
    "figures are one `GET checks/` of 1000 checks plus loading and comparing the spec. In",
    "hosted mode the client paces itself at 1.5 requests a second after a burst of 5, so the",
    "proxy never refuses one.",
]


def hosted(folder: Path, count: int) -> list[str]:
    write_spec(folder / "hosted", count, channels=False, uuids=False)
    with local_server(folder) as server:
        proxy = RateLimitingProxy(server.api_url)
        try:
            through = Server(proxy.url, server.api_key, server.db_path)
            elapsed, requests, result = timed_apply(
                through, folder / "hosted", pinned=False, rate_limit=HOSTED_RATE
            )
            assert len(result.outcomes) == count
        finally:
            proxy.close()
    print(f"hosted: {elapsed:.1f}s, {requests} requests, {proxy.refused} refused", flush=True)
    return [
        f"| hosted mode: apply creating {count} checks through a proxy allowing 100 requests "
        f"a minute | {elapsed:.1f} s, {requests} requests, **{proxy.refused} refused (429)** |",
    ]


def record(lines: list[str]) -> None:
    record_section("sync", ["## Sync: plan and apply (bench/sync.py)", "", *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, choices=range(1, 101), metavar="1..100")
    parser.add_argument("--hosted-checks", type=int, default=150)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    lines = run(args.checks, args.rounds, args.hosted_checks)
    print("\n".join(lines))
    if not args.no_record:
        record(lines)


if __name__ == "__main__":
    main()
