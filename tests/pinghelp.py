"""Helpers of the ping tests: the local server's state through its API, and `hcctl` runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from hcctl.server.pytest_plugin import HealthchecksServer


def api(server: HealthchecksServer, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"X-Api-Key": server.api_key}
    resp = httpx.request(method, server.api_url + path, headers=headers, timeout=10, **kwargs)
    resp.raise_for_status()
    return resp.json()


def new_check(server: HealthchecksServer, name: str = "job", **fields: object) -> str:
    uuid: str = api(server, "POST", "checks/", json={"name": name, **fields})["uuid"]
    return uuid


def checks(server: HealthchecksServer) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api(server, "GET", "checks/")["checks"]
    return found


def pings(server: HealthchecksServer, uuid: str) -> list[dict[str, Any]]:
    """The check's pings, oldest first."""
    found: list[dict[str, Any]] = api(server, "GET", f"checks/{uuid}/pings/")["pings"]
    return sorted(found, key=lambda p: int(p["n"]))


def ping_body(server: HealthchecksServer, uuid: str, n: int) -> bytes:
    headers = {"X-Api-Key": server.api_key}
    url = f"{server.api_url}checks/{uuid}/pings/{n}/body"
    resp = httpx.get(url, headers=headers, timeout=10)
    resp.raise_for_status()
    return resp.content


def environ(**values: str) -> dict[str, str]:
    """The test process's environment without any hcctl setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HC_", "HEALTHCHECKS_"))}
    return {**env, **values}


def server_env(
    server: HealthchecksServer, *, ping_key: bool = True, api_key: bool = False
) -> dict[str, str]:
    values = {"HC_API_URL": server.api_url, "HC_PING_URL": server.ping_url}
    if ping_key:
        values["HC_PING_KEY"] = server.ping_key
    if api_key:
        values["HC_API_KEY"] = server.api_key
    return environ(**values)


def hcctl(
    *args: str, env: dict[str, str], cwd: Path, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m hcctl ARGS` (the same entry point as the installed `hcctl` script)."""
    return subprocess.run(
        [sys.executable, "-m", "hcctl", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
