from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hcctl import __version__
from hcctl.cli import cli

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner(env={"HC_SPEC": None, "HC_ENV_FILE": None}).invoke(cli, list(args))


def test_it_accepts_the_seeds_env_file_unchanged(project: Path) -> None:
    shutil.copy(EXAMPLES / ".env.healthchecks", project)
    result = run("validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "14 checks, 14 with UUIDs\n", "")


def test_it_validates_the_examples_from_anywhere(project: Path) -> None:
    result = run("validate", "--spec", str(EXAMPLES / "healthchecks.toml"))
    assert (result.exit_code, result.stdout) == (0, "14 checks, 14 with UUIDs\n")


def test_it_counts_checks_without_uuids(project: Path) -> None:
    (project / "healthchecks.toml").write_text("[checks.a]\n[checks.b]\n")
    (project / ".env.healthchecks").write_text("HC_CHECK_A=0cab08fe03f448c2a92790493fa0b2f2\n")
    assert run("validate").stdout == "2 checks, 1 with a UUID\n"


def test_it_lists_every_problem_and_exits_1(project: Path) -> None:
    (project / "healthchecks.toml").write_text('[checks.a]\ntimeout = 5\n[checks.b]\ntz = "UTC"\n')
    (project / ".env.healthchecks").write_text("HC_CHECK_A=nope\n")
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "healthchecks.toml:2: checks.a.timeout: 5s is below the server's minimum of 60s\n"
        "healthchecks.toml:4: checks.b.tz: needs a schedule in the same table: "
        "only scheduled checks have a time zone\n"
        '.env.healthchecks:1: HC_CHECK_A: "nope" is not a valid UUID\n'
        "Error: 3 problems found\n"
    )


def test_it_prints_warnings_on_stderr(project: Path) -> None:
    (project / "healthchecks.toml").write_text("[checks.a]\n")
    (project / ".env.healthchecks").write_text("HC_CHECK_A=\nHC_API_KEY=k\nHC_CHECK_GONE=\n")
    result = run("validate")
    assert (result.exit_code, result.stdout) == (0, "1 check, 0 with UUIDs\n")
    assert result.stderr == (
        "warning: .env.healthchecks:2: HC_API_KEY: is a secret in a committed file: "
        "move it to .env.healthchecks.local\n"
        "warning: .env.healthchecks:3: HC_CHECK_GONE: matches no check in healthchecks.toml: "
        "hcctl does not manage it\n"
    )


def test_it_reports_as_json(project: Path) -> None:
    (project / ".env.healthchecks").write_text("HC_CHECK_A=bad\n")
    result = run("validate", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "valid": False,
        "checks": 0,
        "with_uuid": 0,
        "problems": [
            {
                "file": ".env.healthchecks",
                "line": 1,
                "path": "HC_CHECK_A",
                "message": '"bad" is not a valid UUID',
            }
        ],
        "warnings": [],
    }
    shutil.copy(EXAMPLES / ".env.healthchecks", project)
    result = run("validate", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["with_uuid"] == 14


def test_it_takes_the_env_file_option(project: Path) -> None:
    (project / "conf").mkdir()
    shutil.copy(EXAMPLES / ".env.healthchecks", project / "conf" / "ids.env")
    result = run("validate", "--env-file", "conf/ids.env")
    assert (result.exit_code, result.stdout) == (0, "14 checks, 14 with UUIDs\n")


def test_it_says_when_there_is_nothing_to_validate(project: Path) -> None:
    result = run("validate")
    assert result.exit_code == 1
    assert result.stderr == (
        ".env.healthchecks: does not exist, and there is no healthchecks.toml next to it\n"
        "Error: 1 problem found\n"
    )


def test_it_shows_version_and_one_line_per_command() -> None:
    assert run("--version").stdout == f"hcctl, version {__version__}\n"
    help_text = run("--help").stdout
    commands = help_text.split("Commands:\n", 1)[1].splitlines()
    assert all(len(line.split(None, 1)) == 2 for line in commands), commands
    # The column width follows the longest command name, so compare words, not spaces.
    assert ["validate", "Check the spec and env file offline; list every problem."] in [
        line.split(None, 1) for line in commands
    ]


def test_it_runs_as_a_program(project: Path) -> None:
    shutil.copy(EXAMPLES / ".env.healthchecks", project)
    done = subprocess.run(
        [sys.executable, "-m", "hcctl", "validate"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, "14 checks, 14 with UUIDs\n")


def test_it_reports_bad_settings_with_the_spec_problems(project: Path) -> None:
    (project / ".env.healthchecks").write_text(
        "HC_CHECK_A=bad\nHEALTHCHECKS_AUTO_PROVISION=maybe\nHC_CHECK_B=\n"
    )
    result = run("validate")
    assert result.exit_code == 1
    assert result.stderr == (
        '.env.healthchecks:1: HC_CHECK_A: "bad" is not a valid UUID\n'
        ".env.healthchecks:2: HEALTHCHECKS_AUTO_PROVISION: 'maybe' is not true or false "
        "(also accepted: 1/0, yes/no, on/off)\n"
        "Error: 2 problems found\n"
    )


def test_it_reports_a_malformed_local_file(project: Path) -> None:
    shutil.copy(EXAMPLES / ".env.healthchecks", project)
    (project / ".env.healthchecks.local").write_text("HC_API_KEY='unclosed\n")
    result = run("validate")
    assert result.exit_code == 1
    assert result.stderr == (
        ".env.healthchecks.local:1: HC_API_KEY: the single quote is never closed "
        "(values span one line)\n"
        "Error: 1 problem found\n"
    )
