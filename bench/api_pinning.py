"""Benchmark the API client and the pinners on this machine; records bench/RESULTS.md's section.

    .venv/bin/python bench/api_pinning.py

Measures, against the local server on a real socket: requests a second through one connection
pool, the hosted rate limit's real pace, and how long one pin takes by SQL (SQLite, PostgreSQL,
MariaDB when reachable) and through a Django `manage.py shell` (the tests' stand-in).
"""

from __future__ import annotations

import platform
import shlex
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _results import record_section
from hcctl.api import HOSTED_RATE, HealthchecksApi
from hcctl.pinning import open_pinner
from hcctl.server.local import LocalServer

HERE = Path(__file__).resolve().parent
STANDIN = HERE.parent / "tests" / "django_standin" / "manage.py"


def timed(action: Callable[[], object], times: int) -> float:
    """Seconds per call of `action`, averaged over `times` calls."""
    start = time.perf_counter()
    for _ in range(times):
        action()
    return (time.perf_counter() - start) / times


def bench_client(server: LocalServer) -> list[str]:
    with HealthchecksApi(server.api_url, server.api_key, rate_limit=None) as api:
        start = time.perf_counter()
        for n in range(100):
            api.create_check({"name": f"bench-{n}", "slug": f"bench-{n}", "tags": "bench"})
        create = (time.perf_counter() - start) / 100
        listing = timed(lambda: api.list_checks(tags=["bench"]), 20)
        sent = api.request_count
    with HealthchecksApi(server.api_url, server.api_key, rate_limit=HOSTED_RATE) as api:
        start = time.perf_counter()
        for _ in range(15):
            api.list_checks(slug="none")
        paced = time.perf_counter() - start
    return [
        f"| create one check (POST checks/) | {create * 1000:.1f} ms |",
        f"| list 100 checks (GET checks/?tag=) | {listing * 1000:.1f} ms |",
        f"| requests sent for the two lines above | {sent} (100 + 20, no retry) |",
        f"| 15 requests at the hosted rate limit ({HOSTED_RATE}/s, burst 5) | {paced:.2f} s"
        f" (expected {10 / HOSTED_RATE:.2f} s: 5 at once, then 10 paced) |",
    ]


def bench_pins(label: str, url_or_cmd: dict[str, str], codes: list[str]) -> str:
    start = time.perf_counter()
    pinner = open_pinner(**url_or_cmd)
    assert pinner is not None
    opened = time.perf_counter() - start
    start = time.perf_counter()
    for code in codes:
        pinner.pin(code, str(uuid.uuid4()))
    per_pin = (time.perf_counter() - start) / len(codes)
    pinner.close()
    return (
        f"| pin one UUID, {label} | {per_pin * 1000:.1f} ms (mean of {len(codes)});"
        f" opening the pinner: {opened * 1000:.0f} ms |"
    )


def local_codes(server: LocalServer, count: int) -> list[str]:
    with HealthchecksApi(server.api_url, server.api_key) as api:
        return [str(api.create_check({"name": f"pin-{n}"})[0].uuid) for n in range(count)]


def bench_postgres(count: int) -> str | None:
    try:
        import psycopg

        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True)
    except Exception:
        return None
    schema = f"hcctl_bench_{uuid.uuid4().hex[:8]}"
    codes = [str(uuid.uuid4()) for _ in range(count)]
    admin.execute(f"CREATE SCHEMA {schema}")
    admin.execute(f"CREATE TABLE {schema}.api_check (id serial PRIMARY KEY, code uuid UNIQUE)")
    with admin.cursor() as cur:
        cur.executemany(f"INSERT INTO {schema}.api_check (code) VALUES (%s)", [(c,) for c in codes])
    url = f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    try:
        return bench_pins("SQL, PostgreSQL (uuid column)", {"db_url": url}, codes)
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def bench_mariadb(count: int) -> str | None:
    try:
        import pymysql

        admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    except Exception:
        return None
    name = f"hcctl_bench_{uuid.uuid4().hex[:8]}"
    codes = [str(uuid.uuid4()) for _ in range(count)]
    cur: Any = admin.cursor()
    cur.execute(f"CREATE DATABASE {name}")
    cur.execute(
        f"CREATE TABLE {name}.api_check (id int AUTO_INCREMENT PRIMARY KEY, code uuid UNIQUE)"
    )
    cur.executemany(f"INSERT INTO {name}.api_check (code) VALUES (%s)", [(c,) for c in codes])
    try:
        url = f"mysql://root@127.0.0.1:3306/{name}"
        return bench_pins("SQL, MariaDB (uuid column)", {"db_url": url}, codes)
    finally:
        cur.execute(f"DROP DATABASE {name}")
        admin.close()


def record(lines: list[str]) -> None:
    record_section("api_pinning", ["## API client and pinning (bench/api_pinning.py)", "", *lines])


def main() -> None:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, Python"
        f" {platform.python_version()}, against the local server on 127.0.0.1.",
        "",
        "| what | figure |",
        "|---|---|",
    ]
    with LocalServer() as server:
        lines += bench_client(server)
        sqlite_url = {"db_url": f"sqlite:///{server.db_path}"}
        lines.append(
            bench_pins("SQL, the local server's SQLite", sqlite_url, local_codes(server, 100))
        )
        cmd = shlex.join(
            ["env", f"HCCTL_STANDIN_DB={server.db_path}", sys.executable, str(STANDIN)]
        )
        lines.append(
            bench_pins(
                "Django manage.py shell (stand-in)", {"django_cmd": cmd}, local_codes(server, 50)
            )
        )
    lines += [line for line in (bench_postgres(100), bench_mariadb(100)) if line]
    lines += [
        "",
        "One `manage.py shell` process serves all the Django pins of a run; with one process per"
        " pin (the first design) each pin cost 541 ms here, most of it Django starting.",
    ]
    record(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
