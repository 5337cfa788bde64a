"""Pinning the local server's checks in its own SQLite database, by SQL and through Django."""

from __future__ import annotations

import shlex
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hcctl.api import HealthchecksApi
from hcctl.errors import PinError, UuidTaken
from hcctl.pinning import Pinner, open_pinner, pin_created
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.pin_databases import sqlite_db

STANDIN = Path(__file__).parent / "django_standin" / "manage.py"


def sql_pinner(server: HealthchecksServer) -> Pinner:
    pinner = open_pinner(db_url=f"sqlite:///{server.db_path}")
    assert pinner is not None
    return pinner


def django_pinner(server: HealthchecksServer) -> Pinner:
    words = ["env", f"HCCTL_STANDIN_DB={server.db_path}", sys.executable, str(STANDIN)]
    pinner = open_pinner(django_cmd=shlex.join(words))
    assert pinner is not None
    return pinner


def fresh_uuid() -> str:
    # One server serves the whole session: each test wants a UUID nobody has used.
    return str(uuid.uuid4())


def ping(server: HealthchecksServer, uuid: str) -> int:
    return httpx.get(f"{server.ping_url}{uuid}").status_code


@pytest.fixture(params=[sql_pinner, django_pinner], ids=["sql", "django"])
def pinner(
    request: pytest.FixtureRequest, healthchecks_server: HealthchecksServer
) -> Iterator[Pinner]:
    made: Pinner = request.param(healthchecks_server)
    yield made
    made.close()


def test_it_pins_a_check_the_server_created(
    healthchecks_server: HealthchecksServer, pinner: Pinner
) -> None:
    server, wanted = healthchecks_server, fresh_uuid()
    with HealthchecksApi(server.api_url, server.api_key) as api:
        created, _ = api.create_check({"name": "Backup", "slug": "backup"})
        assert created.uuid is not None
        assert ping(server, created.uuid) == 200
        pinner.pin(created.uuid, wanted)
        pinned = api.get_check(wanted)
        # Same check, history kept, the new UUID answers pings and the old one is gone.
        assert (pinned.name, pinned.n_pings) == ("Backup", 1)
        assert [c.uuid for c in api.list_checks()] == [wanted]
        assert len(api.list_pings(wanted)) == 1
    assert ping(server, wanted) == 200
    assert ping(server, created.uuid) == 404


def test_it_converges_when_another_machine_pinned_the_check_first(
    healthchecks_server: HealthchecksServer, pinner: Pinner
) -> None:
    server, wanted = healthchecks_server, fresh_uuid()
    with HealthchecksApi(server.api_url, server.api_key) as api:
        # Two machines each saw no check with wanted and created one at the same time.
        first, _ = api.create_check({"name": "Backup"})
        second, _ = api.create_check({"name": "Backup"})
        assert first.uuid is not None
        assert second.uuid is not None
        assert pin_created(api, pinner, created_uuid=first.uuid, wanted_uuid=wanted).uuid == wanted
        assert pin_created(api, pinner, created_uuid=second.uuid, wanted_uuid=wanted).uuid == wanted
        assert [(c.uuid, c.name) for c in api.list_checks()] == [(wanted, "Backup")]


def test_it_never_takes_the_uuid_of_another_projects_check(
    healthchecks_server: HealthchecksServer, pinner: Pinner
) -> None:
    server = healthchecks_server
    with HealthchecksApi(server.api_url, server.outsider.api_key) as outsider:
        theirs, _ = outsider.create_check({"name": "theirs"})
    assert theirs.uuid is not None
    with HealthchecksApi(server.api_url, server.api_key) as api:
        mine, _ = api.create_check({"name": "mine"})
        assert mine.uuid is not None
        with pytest.raises(UuidTaken, match="belongs to a check outside this project") as info:
            pin_created(api, pinner, created_uuid=mine.uuid, wanted_uuid=theirs.uuid)
        assert info.value.uuid == theirs.uuid
        assert api.list_checks() == []  # the check made for it is gone: nothing half-done
    with HealthchecksApi(server.api_url, server.outsider.api_key) as outsider:
        assert outsider.get_check(theirs.uuid).name == "theirs"


def test_it_deletes_the_check_it_made_when_pinning_fails(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    server = healthchecks_server
    elsewhere = open_pinner(db_url=sqlite_db(tmp_path).url)  # another server's database
    assert elsewhere is not None
    with HealthchecksApi(server.api_url, server.api_key) as api:
        made, _ = api.create_check({"name": "job"})
        assert made.uuid is not None
        with pytest.raises(PinError, match=f"no check with UUID {made.uuid}"):
            pin_created(api, elsewhere, created_uuid=made.uuid, wanted_uuid=fresh_uuid())
        assert api.list_checks() == []
    elsewhere.close()
