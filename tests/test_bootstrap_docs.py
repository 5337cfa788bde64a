"""The bootstrap docs stay true: every option is documented, the example names what hcctl uses."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from hcctl.bootstrap.compose import MANAGE_PY
from hcctl.cli import cli

ROOT = Path(__file__).parent.parent
SELF_HOSTED = ROOT / "examples" / "self-hosted"


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {title}")
    return text[start : text.index("\n## ", start + 1)]


def test_it_documents_every_option_of_bootstrap() -> None:
    help_text = CliRunner().invoke(cli, ["bootstrap", "--help"]).output
    options = set(re.findall(r"^\s+(--[a-z-]+)", help_text, re.MULTILINE)) - {"--help"}
    section = readme_section("Bootstrapping a self-hosted Healthchecks")
    assert {option for option in options if f"`{option}" not in section} == set()


def test_it_maps_every_piece_of_the_seeds() -> None:
    section = readme_section("Coming from the scripts")
    for piece in [
        "ensure_healthchecks.py",
        "--force-recreate",
        "--env-file",
        "enhanced_healthchecks_client.py",
        "HEALTHCHECKS_AUTO_PROVISION",
        "start-healthchecks-enhanced.sh",
        "sync-healthchecks-uuids.sh",
        "cleanup-duplicate-checks.sh",
        "404 on ping",
        "different UUIDs after creation",
        "duplicate checks",
        "hosted service",
    ]:
        assert piece in section, piece


def test_the_example_runs_the_official_image_as_hcctl_expects() -> None:
    compose = (SELF_HOSTED / "docker-compose.yml").read_text()
    assert re.search(r"^  web:\n    image: healthchecks/healthchecks:", compose, re.MULTILINE)
    for setting in ("SECRET_KEY:", "SITE_ROOT:", "PING_ENDPOINT:", "REGISTRATION_OPEN:"):
        assert setting in compose, setting
    assert MANAGE_PY in compose
    guide = (SELF_HOSTED / "README.md").read_text()
    assert "hcctl bootstrap --compose-file docker-compose.yml" in guide
