"""`hcctl plan` and `hcctl apply` on the command line, against the local server."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hcctl.api import HealthchecksApi, set_testing
from hcctl.cli import cli
from hcctl.server.pytest_plugin import HealthchecksServer

TOML = """
[checks.api]
name = "API"
timeout = "5m"

[checks.beat]
schedule = "*/5 * * * *"
"""


@pytest.fixture(autouse=True)
def no_waits() -> Iterator[None]:
    """Retries stay, their waits go (the client's public switch for tests)."""
    set_testing(True)
    yield
    set_testing(False)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "healthchecks.toml").write_text(TOML)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def hcctl(hc: HealthchecksServer, *args: str, key: str | None = None) -> Result:
    env = {"HC_API_URL": hc.api_url, "HC_API_KEY": key or hc.api_key, "NO_COLOR": "1"}
    return CliRunner().invoke(cli, list(args), env=env)


def pin_args(hc: HealthchecksServer) -> list[str]:
    return ["--db-url", f"sqlite:///{hc.db_path}"]


def test_plan_lists_what_apply_would_do(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    result = hcctl(healthchecks_server, "plan")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "  + create    api   UUID to .env.healthchecks\n"
        "  + create    beat  UUID to .env.healthchecks\n"
        "\n"
        "Plan: 2 to create. 0 unchanged.\n"
    )


def test_plan_exits_2_with_detailed_exitcode_when_something_is_to_do(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    assert hcctl(healthchecks_server, "plan", "--detailed-exitcode").exit_code == 2
    assert hcctl(healthchecks_server, "apply").exit_code == 0
    result = hcctl(healthchecks_server, "plan", "--detailed-exitcode")
    assert (result.exit_code, result.output) == (0, "No changes. 2 checks match the spec.\n")


def test_plan_works_with_a_read_only_key_and_speaks_json(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    hcctl(healthchecks_server, "apply")
    (folder / "healthchecks.toml").write_text(TOML.replace('"5m"', '"10m"'))
    result = hcctl(healthchecks_server, "plan", "--json", key=healthchecks_server.api_key_readonly)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["update"] == 1
    assert data["actions"][0]["changes"] == [{"field": "timeout", "old": 300, "new": 600}]


def test_plan_fails_with_one_line_when_the_server_is_unreachable(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["plan", "--api-url", "http://127.0.0.1:9/"], env={"HC_API_KEY": "k" * 32}
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "k" * 32 not in result.output


def test_apply_pins_then_says_no_changes(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    wanted = str(uuid.uuid4())
    (folder / ".env.healthchecks").write_text(f"HC_CHECK_API={wanted}\n")
    result = hcctl(healthchecks_server, "apply", *pin_args(healthchecks_server))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"  + created api   {wanted} (pinned)"
    assert lines[1].startswith("  + created beat  ")
    assert lines[-1] == "Apply complete: 2 created. 1 UUID written to .env.healthchecks."
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        assert wanted in {c.uuid for c in api.list_checks()}
    again = hcctl(healthchecks_server, "apply", *pin_args(healthchecks_server))
    assert again.output == "No changes. 2 checks match the spec.\n"


def test_apply_speaks_json(healthchecks_server: HealthchecksServer, folder: Path) -> None:
    result = hcctl(healthchecks_server, "apply", "--json")
    data = json.loads(result.output)
    assert [o["done"] for o in data["outcomes"]] == ["created", "created"]
    assert set(data["env_written"]) == {"HC_CHECK_API", "HC_CHECK_BEAT"}


def test_apply_refuses_a_read_only_key(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    result = hcctl(healthchecks_server, "apply", key=healthchecks_server.api_key_readonly)
    assert (result.exit_code, result.output) == (1, "Error: apply needs a read-write API key\n")


@pytest.mark.parametrize("command", ["plan", "apply", "prune", "export", "verify", "status"])
def test_every_sync_command_has_help_and_a_readme_section(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: cli {command} [OPTIONS]")
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"### `hcctl {command}`" in readme
    for option in ("--json", "--db-url", "--force-recreate", "--unmanaged", "--tag", "--ping"):
        if option in result.output:
            assert f"`{option}" in readme or f"{option} " in readme, option


def run_on_a_terminal(hc: HealthchecksServer, folder: Path, *args: str) -> str:
    """`hcctl ARGS` with a pseudo-terminal as its output; everything it wrote."""
    many = "".join(f'[checks.job-{n}]\ntimeout = "5m"\n' for n in range(12))
    (folder / "healthchecks.toml").write_text(many)
    env = {**os.environ, "HC_API_URL": hc.api_url, "HC_API_KEY": hc.api_key, "TERM": "xterm"}
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "hcctl", *args]
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait() == 0
    return b"".join(chunks).decode()


def test_apply_shows_a_progress_bar_on_a_terminal(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    output = run_on_a_terminal(healthchecks_server, folder, "apply")
    assert "Applying" in output
    assert "Apply complete: 12 created." in output


def test_apply_shows_no_progress_bar_with_json(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    output = run_on_a_terminal(healthchecks_server, folder, "apply", "--json")
    assert "Applying" not in output
    assert json.loads(output)["changed"] is True
