"""`hcctl prune`: duplicates of managed checks go, managed checks never, unmanaged on request."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

import hcctl
from hcctl.api import HealthchecksApi
from hcctl.cli import cli
from hcctl.errors import AuthError
from hcctl.server.pytest_plugin import HealthchecksServer
from hcctl.settings import Settings


@pytest.fixture
def world(
    healthchecks_server: HealthchecksServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A managed check, two duplicates of it (one pinged), and a stranger."""
    monkeypatch.chdir(tmp_path)
    uuids = {}
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        for label, body in (
            ("managed", {"name": "API", "slug": "api"}),
            ("same-slug", {"name": "API (old)", "slug": "api"}),
            ("same-name", {"name": "API", "slug": ""}),
            ("stranger", {"name": "other", "slug": "other"}),
        ):
            check, _ = api.create_check(body)
            uuids[label] = check.uuid or ""
    httpx.get(f"{healthchecks_server.ping_url}{uuids['same-slug']}")
    (tmp_path / "healthchecks.toml").write_text('[checks.api]\nname = "API"\n')
    (tmp_path / ".env.healthchecks").write_text(f"HC_CHECK_API={uuids['managed']}\n")
    return uuids


def left(hc: HealthchecksServer) -> set[str]:
    with HealthchecksApi(hc.api_url, hc.api_key) as api:
        return {c.uuid or "" for c in api.list_checks()}


def run(hc: HealthchecksServer, *args: str, key: str | None = None) -> Result:
    env = {"HC_API_URL": hc.api_url, "HC_API_KEY": key or hc.api_key}
    return CliRunner().invoke(cli, ["prune", *args], env=env)


def test_it_deletes_the_duplicates_of_managed_checks_only(
    healthchecks_server: HealthchecksServer, world: dict[str, str]
) -> None:
    result = run(healthchecks_server, "--yes")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2 checks to delete:"
    assert f"  - API (old)  {world['same-slug']}  slug 'api', 1 ping, last just now" in lines
    assert lines[-1] == "Deleted 2 of 2."
    assert left(healthchecks_server) == {world["managed"], world["stranger"]}


def test_unmanaged_also_deletes_every_check_not_in_the_spec(
    healthchecks_server: HealthchecksServer, world: dict[str, str]
) -> None:
    result = run(healthchecks_server, "--unmanaged", "--yes", "--json")
    data = json.loads(result.output)
    assert {c["uuid"] for c in data["deleted"]} == {
        world["same-slug"],
        world["same-name"],
        world["stranger"],
    }
    assert left(healthchecks_server) == {world["managed"]}


def test_it_refuses_without_yes_when_not_on_a_terminal(
    healthchecks_server: HealthchecksServer, world: dict[str, str]
) -> None:
    result = run(healthchecks_server)
    assert result.exit_code == 1
    assert result.output.endswith(
        "Error: refusing to delete without --yes when not on a terminal\n"
    )
    assert len(left(healthchecks_server)) == 4


def test_it_deletes_nothing_when_not_confirmed(
    healthchecks_server: HealthchecksServer, world: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings.load(
        cwd=tmp_path,
        environ={},
        api_url=healthchecks_server.api_url,
        api_key=healthchecks_server.api_key,
    )
    seen: list[str] = []

    def confirm(checks: object) -> bool:
        seen.extend(c.uuid for c in checks)  # type: ignore[attr-defined]
        return False

    result = hcctl.prune(settings=settings, unmanaged=True, confirm=confirm)
    assert result.deleted == ()
    assert world["managed"] not in seen
    assert len(left(healthchecks_server)) == 4


def test_it_never_deletes_a_check_whose_uuid_the_spec_holds(
    healthchecks_server: HealthchecksServer, world: dict[str, str], tmp_path: Path
) -> None:
    # The env file names the old copy: it is managed (matched by UUID), the other one is not.
    (tmp_path / ".env.healthchecks").write_text(f"HC_CHECK_API={world['same-slug']}\n")
    run(healthchecks_server, "--yes")
    assert world["same-slug"] in left(healthchecks_server)
    assert world["managed"] not in left(healthchecks_server)


def test_it_needs_a_read_write_key(
    healthchecks_server: HealthchecksServer, world: dict[str, str], tmp_path: Path
) -> None:
    result = run(healthchecks_server, "--yes", key=healthchecks_server.api_key_readonly)
    assert (result.exit_code, result.output) == (1, "Error: prune needs a read-write API key\n")
    with pytest.raises(AuthError):
        hcctl.prune(
            settings=Settings.load(
                cwd=tmp_path,
                environ={},
                api_url=healthchecks_server.api_url,
                api_key=healthchecks_server.api_key_readonly,
            )
        )
    assert str(uuid.UUID(world["managed"])) in left(healthchecks_server)
