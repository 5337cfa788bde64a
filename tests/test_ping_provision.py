"""Auto-provisioning against the local server: a missing check is created on its first ping."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from hcctl._targets import new_rid
from hcctl.errors import NotFound
from hcctl.ping import PingClient
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.pinghelp import checks, environ, new_check, pings

SPEC = """\
[checks.backup]
name = "Backup"
schedule = "0 3 * * *"
tz = "Europe/Paris"
grace = "1h"
tags = ["db", "nightly"]
"""


def project(tmp_path: Path, *, uuid: str | None) -> str:
    """A spec with one check, `backup`, and an env file giving it `uuid` (if any)."""
    (tmp_path / "healthchecks.toml").write_text(SPEC)
    lines = "# the checks' UUIDs\n" + (f"HC_CHECK_BACKUP={uuid}\n" if uuid else "") + "OTHER=1\n"
    (tmp_path / ".env.healthchecks").write_text(lines)
    return uuid or ""


def client(
    server: HealthchecksServer, tmp_path: Path, *, pin: bool, api_key: bool = True, **opts: object
) -> PingClient:
    return PingClient(
        server.ping_url,
        api_url=server.api_url,
        api_key=server.api_key if api_key else None,
        spec_path=str(tmp_path / "healthchecks.toml"),
        env_file=str(tmp_path / ".env.healthchecks"),
        db_url=f"sqlite:///{server.db_path}" if pin else None,
        backoff=0.01,
        **opts,  # type: ignore[arg-type]
    )


def test_it_creates_the_check_with_its_definition_and_pins_its_uuid(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    wanted = project(tmp_path, uuid=new_rid())
    env_before = (tmp_path / ".env.healthchecks").read_bytes()
    with client(healthchecks_server, tmp_path, pin=True, strict=True) as hc:
        assert hc.success("backup") is True
        assert hc.start("backup") is True
    [check] = checks(healthchecks_server)
    assert check["uuid"] == wanted
    assert (check["name"], check["schedule"], check["tz"]) == (
        "Backup",
        "0 3 * * *",
        "Europe/Paris",
    )
    assert (check["tags"], check["grace"]) == ("db nightly", 3600)
    assert [p["type"] for p in pings(healthchecks_server, wanted)] == ["success", "start"]
    assert (tmp_path / ".env.healthchecks").read_bytes() == env_before


def test_a_ping_by_uuid_provisions_like_the_seeds_client(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    wanted = project(tmp_path, uuid=new_rid())
    with client(healthchecks_server, tmp_path, pin=True, strict=True) as hc:
        assert hc.success(wanted) is True
    [check] = checks(healthchecks_server)
    assert (check["uuid"], check["name"]) == (wanted, "Backup")


def test_without_pinning_it_adopts_the_servers_uuid_and_records_it(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    old = project(tmp_path, uuid=new_rid())
    with client(healthchecks_server, tmp_path, pin=False, strict=True) as hc:
        assert hc.success("backup") is True
        assert hc.success("backup") is True
    [check] = checks(healthchecks_server)
    assert check["uuid"] != old
    assert check["n_pings"] == 2
    text = (tmp_path / ".env.healthchecks").read_text()
    assert text == f"# the checks' UUIDs\nHC_CHECK_BACKUP={check['uuid']}\nOTHER=1\n"


def test_a_check_without_uuid_yet_is_created_and_recorded(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    project(tmp_path, uuid=None)
    with client(healthchecks_server, tmp_path, pin=True, strict=True) as hc:
        assert hc.start("backup") is True
    [check] = checks(healthchecks_server)
    assert f"HC_CHECK_BACKUP={check['uuid']}\n" in (tmp_path / ".env.healthchecks").read_text()
    assert [p["type"] for p in pings(healthchecks_server, check["uuid"])] == ["start"]


def test_an_existing_check_with_the_slug_is_reused_and_repinned(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    wanted = project(tmp_path, uuid=new_rid())
    new_check(healthchecks_server, "old name", slug="backup")
    with client(healthchecks_server, tmp_path, pin=True, strict=True) as hc:
        assert hc.success("backup") is True
    [check] = checks(healthchecks_server)
    assert (check["uuid"], check["name"]) == (wanted, "Backup")


def test_with_only_a_ping_key_it_uses_create_on_the_slug(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    project(tmp_path, uuid=None)
    key = healthchecks_server.ping_key
    with client(healthchecks_server, tmp_path, pin=False, api_key=False, ping_key=key) as hc:
        assert hc.success("backup") is True
        assert hc.success("backup") is True
    [check] = checks(healthchecks_server)
    assert (check["slug"], check["n_pings"]) == ("backup", 2)


def test_it_can_be_turned_off(healthchecks_server: HealthchecksServer, tmp_path: Path) -> None:
    project(tmp_path, uuid=new_rid())
    with client(healthchecks_server, tmp_path, pin=True, auto_provision=False) as hc:
        assert hc.success("backup") is False
    assert checks(healthchecks_server) == []


def test_the_setting_turns_it_off(healthchecks_server: HealthchecksServer, tmp_path: Path) -> None:
    project(tmp_path, uuid=new_rid())
    (tmp_path / ".env.healthchecks").write_text(
        (tmp_path / ".env.healthchecks").read_text() + "HEALTHCHECKS_AUTO_PROVISION=false\n"
    )
    env = environ(
        HC_PING_URL=healthchecks_server.ping_url,
        HC_API_URL=healthchecks_server.api_url,
        HC_API_KEY=healthchecks_server.api_key,
    )
    with PingClient.from_env(cwd=str(tmp_path), environ=env) as hc:
        assert hc.auto_provision is False
        assert hc.success("backup") is False
    assert checks(healthchecks_server) == []


def test_a_uuid_outside_the_spec_cannot_be_created(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    project(tmp_path, uuid=new_rid())
    hc = client(healthchecks_server, tmp_path, pin=True, strict=True)
    with hc, pytest.raises(NotFound, match="cannot be created"):
        hc.success(new_rid())
    assert checks(healthchecks_server) == []


@pytest.mark.parametrize("api_key", [True, False], ids=["api-key", "ping-key-only"])
def test_a_slug_outside_the_spec_is_not_created_unless_asked(
    healthchecks_server: HealthchecksServer, tmp_path: Path, api_key: bool
) -> None:
    project(tmp_path, uuid=None)
    hc = client(
        healthchecks_server,
        tmp_path,
        pin=False,
        api_key=api_key,
        ping_key=healthchecks_server.ping_key,
    )
    with hc:
        assert hc.success("typo-of-backup") is False
        assert checks(healthchecks_server) == []
        assert hc.ping("typo-of-backup", create=True) is True
    assert [c["slug"] for c in checks(healthchecks_server)] == ["typo-of-backup"]


WORKER = """\
import sys, time
from hcctl.ping import PingClient
start_at = float(sys.argv[1])
hc = PingClient.from_env(strict=True)
while time.time() < start_at:
    time.sleep(0.001)
sys.exit(0 if hc.success("backup") else 1)
"""


@pytest.mark.parametrize("pin", [True, False], ids=["pinned", "adopted"])
def test_fifty_first_pings_at_once_make_exactly_one_check(
    healthchecks_server: HealthchecksServer, tmp_path: Path, pin: bool
) -> None:
    wanted = project(tmp_path, uuid=new_rid())
    values = {
        "HC_PING_URL": healthchecks_server.ping_url,
        "HC_API_URL": healthchecks_server.api_url,
        "HC_API_KEY": healthchecks_server.api_key,
    }
    if pin:
        values["HC_DB_URL"] = f"sqlite:///{healthchecks_server.db_path}"
    env = environ(**values)
    start_at = str(time.time() + 3)
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, start_at], env=env, cwd=tmp_path)
        for _ in range(50)
    ]
    codes = [p.wait(120) for p in procs]
    assert codes == [0] * 50
    [check] = checks(healthchecks_server)
    assert check["n_pings"] == 50
    assert check["name"] == "Backup"
    if pin:
        assert check["uuid"] == wanted
    else:
        assert f"HC_CHECK_BACKUP={check['uuid']}\n" in (tmp_path / ".env.healthchecks").read_text()


SEEDS_APP = """\
from hcctl.ping import ping
import sys
print(ping(sys.argv[1]), ping(sys.argv[1], "start"))
"""


def test_the_seeds_method_three_works_unchanged(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    # The seeds' env file alone (no TOML), their settings names, and a ping by UUID.
    wanted = new_rid()
    (tmp_path / ".env.healthchecks").write_text(
        f"# Check IDs\nHC_CHECK_API={wanted}\nHEALTHCHECKS_AUTO_PROVISION=true\n"
    )
    env = environ(
        HEALTHCHECKS_URL=healthchecks_server.site_url,
        HEALTHCHECKS_API_KEY=healthchecks_server.api_key,
        HC_DB_URL=f"sqlite:///{healthchecks_server.db_path}",
    )
    result = subprocess.run(
        [sys.executable, "-c", SEEDS_APP, wanted], env=env, cwd=tmp_path, capture_output=True
    )
    assert result.stdout == b"True True\n", result.stderr
    [check] = checks(healthchecks_server)
    assert (check["uuid"], check["name"], check["n_pings"]) == (wanted, "api", 2)


def test_the_async_client_provisions_too(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    import asyncio

    from hcctl.ping import AsyncPingClient

    wanted = project(tmp_path, uuid=new_rid())

    async def main() -> bool:
        async with AsyncPingClient(
            healthchecks_server.ping_url,
            api_url=healthchecks_server.api_url,
            api_key=healthchecks_server.api_key,
            spec_path=str(tmp_path / "healthchecks.toml"),
            env_file=str(tmp_path / ".env.healthchecks"),
            db_url=f"sqlite:///{healthchecks_server.db_path}",
            strict=True,
        ) as hc:
            return await hc.success("backup")

    assert asyncio.run(main()) is True
    [check] = checks(healthchecks_server)
    assert (check["uuid"], check["n_pings"]) == (wanted, 1)


def test_background_pings_provision_too(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    wanted = project(tmp_path, uuid=new_rid())
    with client(healthchecks_server, tmp_path, pin=True, background=True) as hc:
        hc.start("backup")
        hc.success("backup")
        assert hc.flush(30)
    [check] = checks(healthchecks_server)
    assert check["uuid"] == wanted
    assert [p["type"] for p in pings(healthchecks_server, wanted)] == ["start", "success"]


def test_background_pings_sent_while_the_server_is_down_arrive_after(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    uuid = new_check(healthchecks_server)
    healthchecks_server.server.stop()
    hc = PingClient(healthchecks_server.ping_url, background=True, deadline=0.3, backoff=0.05)
    with hc:
        hc.start(uuid)
        hc.success(uuid, body="done")
        assert hc.flush(1) is False  # still down
        healthchecks_server.server.start()
        assert hc.flush(30) is True
    assert [p["type"] for p in pings(healthchecks_server, uuid)] == ["start", "success"]
