"""`hcctl serve` as a real subprocess: keys printed once, answers, logs, clean stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from hcctl.cli import cli


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    lines: list[str]

    def value(self, name: str) -> str:
        return next(line.split("=", 1)[1] for line in self.lines if line.startswith(name + "="))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(*args: str) -> Served:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hcctl", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl+C"):
            break
    return Served(process, port, lines)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = _serve("--db", str(tmp_path / "hc.sqlite"), "--channel", "email")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.communicate()


def test_it_prints_new_keys_once_and_serves(served: Served) -> None:
    api_key = served.value("HC_API_KEY")
    assert (api_key[:4], len(api_key)) == ("hcw_", 32)
    assert len(served.value("HC_API_KEY_READONLY")) == 32
    assert served.value("HC_API_URL") == f"http://127.0.0.1:{served.port}/api/v3/"
    response = httpx.post(
        served.value("HC_API_URL") + "checks/",
        json={"slug": "job"},
        headers={"X-Api-Key": api_key},
    )
    assert response.status_code == 201
    ping_key = served.value("HC_PING_KEY")
    assert httpx.get(served.value("HC_PING_URL") + f"{ping_key}/job").text == "OK"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_it_stops_cleanly_on_a_signal(served: Served, sig: signal.Signals) -> None:
    served.process.send_signal(sig)
    _, stderr = served.process.communicate(timeout=15)
    assert served.process.returncode == 0
    assert "Traceback" not in stderr


def test_it_logs_one_line_per_request_without_secrets(served: Served) -> None:
    api_key, ping_key = served.value("HC_API_KEY"), served.value("HC_PING_KEY")
    httpx.get(served.value("HC_API_URL") + "checks/", headers={"X-Api-Key": api_key})
    httpx.get(served.value("HC_PING_URL") + f"{ping_key}/missing")
    served.process.send_signal(signal.SIGTERM)
    _, stderr = served.process.communicate(timeout=15)
    lines = stderr.strip().splitlines()
    assert len(lines) == 2
    assert "GET /api/v3/checks/ 200" in lines[0]
    assert "GET /ping/***/missing 404" in lines[1]
    assert api_key not in stderr
    assert ping_key not in stderr


def test_it_keeps_the_project_when_given_the_same_keys(tmp_path: Path) -> None:
    keys = ["--api-key", "hcw_" + "a" * 28, "--api-key-readonly", "hcr_" + "b" * 28]
    keys += ["--ping-key", "c" * 22, "--db", str(tmp_path / "hc.sqlite")]
    for expected in (201, 200):
        running = _serve(*keys)
        try:
            assert not any(line.startswith("HC_API_KEY=") for line in running.lines)
            response = httpx.post(
                f"http://127.0.0.1:{running.port}/api/v3/checks/",
                json={"name": "kept", "unique": ["name"]},
                headers={"X-Api-Key": "hcw_" + "a" * 28},
            )
            assert response.status_code == expected
        finally:
            running.process.terminate()
            running.process.communicate(timeout=15)


def test_it_refuses_a_short_key() -> None:
    result = CliRunner().invoke(cli, ["serve", "--api-key", "short"])
    assert result.exit_code == 1
    assert (
        result.output
        == "Error: --api-key must be 32 characters long, as the real server's keys are\n"
    )


def test_it_says_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot serve on 127.0.0.1:{port}: ")


def test_it_says_when_the_database_cannot_be_used(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--db", str(tmp_path / "no/hc.db")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot use the database {tmp_path / 'no/hc.db'}: ")
