"""Every command has help and appears in the README, the documentation users see first."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hcctl.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text()
COMMANDS = sorted(cli.commands)


def test_every_command_is_listed() -> None:
    assert COMMANDS == [
        "apply",
        "bootstrap",
        "export",
        "ping",
        "plan",
        "prune",
        "run",
        "serve",
        "status",
        "validate",
        "verify",
    ]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_a_readme_section(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    assert cli.commands[name].get_short_help_str()
    assert f"`hcctl {name}`" in README or f"### `hcctl {name}" in README
    assert f"hcctl {name} " in README.split("## Everyday use")[1].split("\n## ")[0]
