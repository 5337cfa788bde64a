"""`hcctl run` with real subprocesses: pass-through, tail, exit statuses, signals, timeouts."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hcctl.ping import PingClient
from hcctl.runner import TailBuffer, run_command
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.faultserver import free_port
from tests.pinghelp import environ, hcctl, new_check, ping_body, pings, server_env

PY = sys.executable


def run(
    server: HealthchecksServer, tmp_path: Path, *args: str
) -> tuple[subprocess.CompletedProcess[bytes], str]:
    uuid = new_check(server)
    return hcctl("run", uuid, *args, env=server_env(server), cwd=tmp_path), uuid


def test_it_pings_start_and_exit_status_with_one_rid(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    code = "import sys; print('out', flush=True); print('err', file=sys.stderr); sys.exit(3)"
    result, uuid = run(healthchecks_server, tmp_path, "--", PY, "-c", code)
    assert (result.returncode, result.stdout, result.stderr) == (3, b"out\n", b"err\n")
    start, end = pings(healthchecks_server, uuid)
    assert (start["type"], end["type"]) == ("start", "fail")
    assert start["rid"] == end["rid"] is not None
    body = ping_body(healthchecks_server, uuid, end["n"])
    assert sorted(body.splitlines()) == [b"err", b"out"]


def test_a_success_sends_exit_status_zero(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    result, uuid = run(healthchecks_server, tmp_path, "--", "true")
    assert result.returncode == 0
    assert [p["type"] for p in pings(healthchecks_server, uuid)] == ["start", "success"]


def test_no_start_sends_only_the_end(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    result, uuid = run(healthchecks_server, tmp_path, "--no-start", "--", "false")
    assert result.returncode == 1
    assert [p["type"] for p in pings(healthchecks_server, uuid)] == ["fail"]


def test_output_passes_through_byte_for_byte(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 400
    (tmp_path / "data.bin").write_bytes(data)
    result, _ = run(healthchecks_server, tmp_path, "--", "cat", "data.bin")
    assert result.stdout == data


def test_the_body_is_the_tail_cut_to_the_servers_limit(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    code = "for n in range(5000): print(f'line {n:05}')"
    result, uuid = run(healthchecks_server, tmp_path, "--", PY, "-c", code)
    assert result.returncode == 0
    end = pings(healthchecks_server, uuid)[-1]
    body = ping_body(healthchecks_server, uuid, end["n"])
    assert len(body) == 10_000  # the local server's Ping-Body-Limit
    assert body.startswith(b"[hcctl: ")
    assert body.endswith(b"line 04999\n")


def test_tail_limits_what_is_kept(healthchecks_server: HealthchecksServer, tmp_path: Path) -> None:
    code = "print('x' * 5000); print('the end')"
    result, uuid = run(healthchecks_server, tmp_path, "--tail", "100", "--", PY, "-c", code)
    assert result.returncode == 0
    end = pings(healthchecks_server, uuid)[-1]
    body = ping_body(healthchecks_server, uuid, end["n"])
    assert len(body) == 100
    assert body.endswith(b"x\nthe end\n")


def test_a_signal_death_is_128_plus_n(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    result, uuid = run(healthchecks_server, tmp_path, "--", "sh", "-c", "kill -TERM $$")
    assert result.returncode == 128 + signal.SIGTERM
    assert pings(healthchecks_server, uuid)[-1]["type"] == "fail"


def test_a_command_that_cannot_start_is_127_and_a_fail_ping(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    result, uuid = run(healthchecks_server, tmp_path, "--", "./no-such-program")
    assert result.returncode == 127
    assert b"cannot run './no-such-program'" in result.stderr
    end = pings(healthchecks_server, uuid)[-1]
    assert end["type"] == "fail"
    assert b"No such file" in ping_body(healthchecks_server, uuid, end["n"])


def test_timeout_stops_a_hung_command(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    code = "import time; print('working', flush=True); time.sleep(60)"
    result, uuid = run(healthchecks_server, tmp_path, "--timeout", "1s", "--", PY, "-c", code)
    assert result.returncode == 124
    assert result.stdout == b"working\n"
    end = pings(healthchecks_server, uuid)[-1]
    assert end["type"] == "fail"
    body = ping_body(healthchecks_server, uuid, end["n"])
    assert body == b"working\n\nhcctl: timed out after 1s, stopped with SIGTERM\n"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_it_forwards_signals(
    healthchecks_server: HealthchecksServer, tmp_path: Path, sig: signal.Signals
) -> None:
    uuid = new_check(healthchecks_server)
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda s, f: sys.exit(7))\n"
        "signal.signal(signal.SIGINT, lambda s, f: sys.exit(8))\n"
        "print('ready', flush=True)\ntime.sleep(60)\n"
    )
    with subprocess.Popen(
        [PY, "-m", "hcctl", "run", uuid, "--", PY, "-c", code],
        env=server_env(healthchecks_server),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == (7 if sig == signal.SIGTERM else 8), stderr
    assert [p["type"] for p in pings(healthchecks_server, uuid)] == ["start", "fail"]


def test_a_command_ignoring_sigterm_is_killed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    command = [PY, "-c", code]
    code_ = run_command("job", command, client=None, timeout=0.5, kill_after=0.5)
    assert code_ == 124
    assert "stopped with SIGTERM, then SIGKILL" in capfd.readouterr().err


def test_the_command_runs_and_keeps_its_status_when_the_server_is_down(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}/ping/"
    with PingClient(url, deadline=0.3, backoff=0.01) as client:
        code = run_command(
            "0cab08fe-03f4-48c2-a927-90493fa0b2f2", ["sh", "-c", "echo hi; exit 5"], client=client
        )
    assert code == 5
    assert capfd.readouterr().out == "hi\n"


def test_an_unknown_check_still_runs_the_command(tmp_path: Path) -> None:
    env = environ(HC_PING_URL="http://127.0.0.1:9/ping/")
    result = hcctl("run", "backup", "--", "sh", "-c", "echo ran", env=env, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, b"ran\n")
    assert b"no check with key 'backup'" in result.stderr
    assert b"running the command without pings" in result.stderr


def test_a_run_without_command_is_a_usage_error(tmp_path: Path) -> None:
    result = hcctl("run", "backup", env=environ(), cwd=tmp_path)
    assert result.returncode == 2
    assert b"Missing argument 'COMMAND...'" in result.stderr


def test_tail_buffer_keeps_the_last_bytes() -> None:
    buffer = TailBuffer(5)
    for chunk in (b"abc", b"defg", b"", b"hi"):
        buffer.write(chunk)
    assert (buffer.getvalue(), buffer.total) == (b"efghi", 9)
