"""Bad input: every case of tests/corpus/ is reported exactly, and nothing is written.

Each folder holds a healthchecks.toml and/or a .env.healthchecks and `expected.txt`, the exact
problems `hcctl validate` must print, one a line. Cases that git cannot hold (a folder where a
file should be, a symlink loop, an unreadable file) are built by the tests below.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hcctl.cli import cli
from hcctl.errors import SpecError
from hcctl.spec import load_spec

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(path.name for path in CORPUS.iterdir() if path.is_dir())
VALID_TOML = '[checks.api]\ntimeout = "5m"\n'


def snapshot(folder: Path) -> list[tuple[str, bytes, int, int]]:
    """Every entry under `folder` with its bytes, mode and modification time."""
    entries = []
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        entries.append((str(path.relative_to(folder)), data, info.st_mode, info.st_mtime_ns))
    return entries


def assert_reported(project: Path, expected: list[str], *args: str) -> None:
    """`hcctl validate` run in `project` prints exactly `expected`, exits 1, writes nothing."""
    before = snapshot(project)
    result = CliRunner(env={"HC_SPEC": None, "HC_ENV_FILE": None}).invoke(cli, ["validate", *args])
    count = f"{len(expected)} problem{'s' if len(expected) > 1 else ''}"
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [*expected, f"Error: {count} found"]
    assert snapshot(project) == before


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_it_holds_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_it_reports_every_problem_of(case: str, project: Path) -> None:
    shutil.copytree(CORPUS / case, project, dirs_exist_ok=True, symlinks=True)
    expected = (project / "expected.txt").read_text().splitlines()
    (project / "expected.txt").unlink()
    with pytest.raises(SpecError) as info:
        load_spec()
    assert [str(problem) for problem in info.value.problems] == expected
    assert_reported(project, expected)


def test_it_reports_a_folder_in_place_of_the_spec(project: Path) -> None:
    (project / "healthchecks.toml").mkdir()
    assert_reported(project, ["healthchecks.toml: is a directory, not a file"])


def test_it_reports_a_folder_in_place_of_the_env_file(project: Path) -> None:
    (project / "healthchecks.toml").write_text(VALID_TOML)
    (project / ".env.healthchecks").mkdir()
    assert_reported(project, [".env.healthchecks: is a directory, not a file"])


def test_it_reports_a_symlink_loop(project: Path) -> None:
    (project / "healthchecks.toml").symlink_to("healthchecks.toml")
    (project / ".env.healthchecks").symlink_to(".env.healthchecks")
    assert_reported(
        project,
        [
            "healthchecks.toml: cannot be read: Too many levels of symbolic links",
            ".env.healthchecks: cannot be read: Too many levels of symbolic links",
        ],
    )


def test_it_reports_a_link_to_nothing(project: Path) -> None:
    (project / "healthchecks.toml").symlink_to("gone.toml")
    assert_reported(project, ["healthchecks.toml: does not exist"])


def test_it_reports_a_spec_that_does_not_exist(project: Path) -> None:
    assert_reported(project, ["missing.toml: does not exist"], "--spec", "missing.toml")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_it_reports_an_unreadable_file(project: Path) -> None:
    path = project / "healthchecks.toml"
    path.write_text(VALID_TOML)
    path.chmod(0)
    assert_reported(project, ["healthchecks.toml: cannot be read: Permission denied"])
