"""`hcctl verify` (the seeds' "Vérification") and `hcctl status` (the dashboard)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

import hcctl
from hcctl.api import HealthchecksApi
from hcctl.cli import cli
from hcctl.server.pytest_plugin import HealthchecksServer
from hcctl.settings import Settings

TOML = """
[checks.api]
name = "API"
timeout = "5m"

[checks.beat]
schedule = "*/5 * * * *"
tz = "Europe/Paris"
"""


@pytest.fixture
def folder(
    healthchecks_server: HealthchecksServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A spec applied with pinned UUIDs."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "healthchecks.toml").write_text(TOML)
    api_uuid, beat_uuid = uuid.uuid4(), uuid.uuid4()
    (tmp_path / ".env.healthchecks").write_text(
        f"HC_CHECK_API={api_uuid}\nHC_CHECK_BEAT={beat_uuid}\n"
    )
    hc = healthchecks_server
    settings = Settings.load(
        cwd=tmp_path,
        environ={},
        api_url=hc.api_url,
        api_key=hc.api_key,
        db_url=f"sqlite:///{hc.db_path}",
    )
    hcctl.apply(settings=settings)
    return tmp_path


def run(hc: HealthchecksServer, *args: str, **env: str) -> Result:
    variables = {"HC_API_URL": hc.api_url, "HC_API_KEY": hc.api_key_readonly, **env}
    return CliRunner().invoke(cli, list(args), env=variables)


def test_verify_passes_when_every_check_is_there(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    result = run(healthchecks_server, "verify")
    assert (result.exit_code, result.output) == (0, "All 2 checks verified.\n")


def test_verify_lists_what_is_wrong_and_exits_1(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    (folder / "healthchecks.toml").write_text(TOML.replace('"5m"', '"10m"') + "[checks.new]\n")
    result = run(healthchecks_server, "verify")
    assert result.exit_code == 1
    assert result.output == (
        "  ! api  differs: timeout is 5m, wanted 10m\n"
        "  ! new  is missing: no check has its slug 'new' or its name\n"
        "  ! new  has no UUID in the env file\n"
        "\n"
        "3 problems in 3 checks.\n"
    )


def test_verify_ping_sends_a_log_ping_that_changes_no_status(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    result = run(healthchecks_server, "verify", "--ping", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "checked": 2, "pinged": 2, "problems": []}
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        checks = api.list_checks()
        pings = api.list_pings(checks[0].uuid or "")
    assert [(c.n_pings, c.status) for c in checks] == [(1, "new"), (1, "new")]
    assert (pings[0]["type"], pings[0]["ua"]) == ("log", f"hcctl/{hcctl.__version__}")


def test_verify_ping_reports_a_check_the_ping_url_does_not_know(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    other = "http://127.0.0.1:1/nothing/"
    result = run(healthchecks_server, "verify", "--ping", HC_PING_URL=other)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot reach the ping endpoint")


def test_status_keeps_each_check_on_one_line_in_a_pipe(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    name = "A name long enough to wrap an eighty-column table, twice over at least"
    (folder / "healthchecks.toml").write_text(TOML.replace('"API"', f'"{name}"'))
    assert run(healthchecks_server, "apply", HC_API_KEY=healthchecks_server.api_key).exit_code == 0
    result = run(healthchecks_server, "status")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.strip()][2:]
    assert [row.split()[0] for row in rows] == ["api", "beat"]
    assert name in rows[0]
    assert rows[1].rstrip().endswith("*/5 * * * * (Europe/Paris)")


def test_status_shows_each_check_with_its_state(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    result = run(healthchecks_server, "status")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if line.strip()]
    assert lines[0] == ["key", "name", "uuid", "status", "last", "ping", "schedule"]
    assert lines[2][:4] == ["api", "API", lines[2][2], "new"]
    assert lines[2][4:] == ["never", "every", "5m"]
    assert lines[3][-2:] == ["*", "(Europe/Paris)"]


def test_status_is_coloured_on_a_terminal_unless_no_color(
    healthchecks_server: HealthchecksServer, folder: Path
) -> None:
    api_uuid = (folder / ".env.healthchecks").read_text().split("=")[1].split()[0]
    assert httpx.get(f"{healthchecks_server.ping_url}{api_uuid}").status_code == 200
    green = re.compile(r"\x1b\[[0-9;]*32m")  # "up" is green
    coloured = run(healthchecks_server, "status", FORCE_COLOR="1", TERM="xterm")
    assert green.search(coloured.output)
    assert "just now" in coloured.output
    plain = run(healthchecks_server, "status", FORCE_COLOR="1", TERM="xterm", NO_COLOR="1")
    assert not green.search(plain.output)
    assert "up" in plain.output


def test_status_speaks_json(healthchecks_server: HealthchecksServer, folder: Path) -> None:
    result = run(healthchecks_server, "status", "--json")
    rows = json.loads(result.output)
    assert [(r["key"], r["status"], r["schedule"]) for r in rows] == [
        ("api", "new", "every 5m"),
        ("beat", "new", "*/5 * * * * (Europe/Paris)"),
    ]
