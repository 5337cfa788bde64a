"""The API client against the local Healthchecks-compatible server, on a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hcctl.api import HealthchecksApi, set_testing
from hcctl.errors import ApiError, AuthError, Conflict, NotFound, TransportError
from hcctl.server.pytest_plugin import HealthchecksServer


@pytest.fixture(autouse=True)
def no_sleeping() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def api_for(server: HealthchecksServer, key: str | None = None) -> HealthchecksApi:
    return HealthchecksApi(server.api_url, server.api_key if key is None else key, retries=0)


def test_it_creates_finds_changes_and_deletes_a_check(
    healthchecks_server: HealthchecksServer,
) -> None:
    with api_for(healthchecks_server) as api:
        body = {"name": "Backup", "slug": "backup", "tags": "prod db", "timeout": 300}
        created, was_created = api.create_check(body, unique=["slug"])
        again, was_created_again = api.create_check({**body, "grace": 120}, unique=["slug"])
        assert (was_created, was_created_again) == (True, False)
        assert created.uuid is not None
        assert again.uuid == created.uuid
        assert again.grace == 120
        assert [c.uuid for c in api.list_checks(tags=["db", "prod"], slug="backup")] == [
            created.uuid
        ]
        assert api.list_checks(tags=["prod", "nope"]) == []
        updated = api.update_check(created.uuid, {"schedule": "0 3 * * *", "tz": "Europe/Kiev"})
        assert (updated.kind, updated.tz, updated.timeout) == ("cron", "Europe/Kyiv", None)
        assert api.get_check(created.uuid) == updated
        assert api.delete_check(created.uuid).uuid == created.uuid
        with pytest.raises(NotFound, match=f"no check {created.uuid} in this project"):
            api.get_check(created.uuid)
        assert api.list_checks() == []
        assert api.request_count == 9


def test_it_pauses_and_resumes_a_check(healthchecks_server: HealthchecksServer) -> None:
    with api_for(healthchecks_server) as api:
        check, _ = api.create_check({"name": "job"})
        assert check.uuid is not None
        assert api.pause_check(check.uuid).status == "paused"
        assert api.resume_check(check.uuid).status == "new"
        with pytest.raises(Conflict, match="check is not paused"):
            api.resume_check(check.uuid)
        assert api.get_check(check.uuid).status == "new"


def test_it_lists_pings_flips_and_channels(healthchecks_server: HealthchecksServer) -> None:
    with api_for(healthchecks_server) as api:
        check, _ = api.create_check({"name": "job"})
        assert check.uuid is not None
        assert httpx.get(f"{healthchecks_server.ping_url}{check.uuid}").status_code == 200
        pings = api.list_pings(check.uuid)
        assert [p["type"] for p in pings] == ["success"]
        assert [f["up"] for f in api.list_flips(check.uuid)] == [1]
        channels = api.list_channels()
        assert sorted(c.kind for c in channels) == ["email", "slack"]
        assert api.get_check(check.uuid).channels == ()


def test_it_reads_with_a_read_only_key_and_cannot_write(
    healthchecks_server: HealthchecksServer,
) -> None:
    with api_for(healthchecks_server) as api:
        check, _ = api.create_check({"name": "job"})
    with api_for(healthchecks_server, healthchecks_server.api_key_readonly) as ro:
        listed = ro.list_checks()
        assert [(c.uuid, c.name) for c in listed] == [(None, "job")]
        assert listed[0].unique_key is not None
        assert ro.get_check(listed[0].unique_key).name == "job"
        with pytest.raises(AuthError, match="apply needs a read-write API key"):
            ro.create_check({"name": "another"})
        with pytest.raises(AuthError):
            ro.list_channels()
    with api_for(healthchecks_server) as api:
        assert [c.uuid for c in api.list_checks()] == [check.uuid]


def test_it_reports_a_wrong_and_a_missing_key(healthchecks_server: HealthchecksServer) -> None:
    wrong = "hcw_" + "0" * 28
    with api_for(healthchecks_server, wrong) as api, pytest.raises(AuthError) as info:
        api.list_checks()
    assert "not a key of this server's projects" in str(info.value)
    assert wrong not in str(info.value)
    with (
        api_for(healthchecks_server, "") as api,
        pytest.raises(AuthError, match="no API key is set"),
    ):
        api.list_checks()


def test_it_refuses_another_projects_check(healthchecks_server: HealthchecksServer) -> None:
    with api_for(healthchecks_server, healthchecks_server.outsider.api_key) as outsider:
        theirs, _ = outsider.create_check({"name": "theirs"})
    assert theirs.uuid is not None
    with api_for(healthchecks_server) as api:
        with pytest.raises(AuthError, match="belongs to another project"):
            api.update_check(theirs.uuid, {"name": "mine now"})
        assert api.list_checks() == []
    with api_for(healthchecks_server, healthchecks_server.outsider.api_key) as outsider:
        assert outsider.get_check(theirs.uuid).name == "theirs"


def test_it_reports_the_servers_validation_error(healthchecks_server: HealthchecksServer) -> None:
    with api_for(healthchecks_server) as api:
        with pytest.raises(ApiError, match="json validation error: timeout is too small") as info:
            api.create_check({"name": "job", "timeout": 30})
        assert info.value.status == 400
        assert api.list_checks() == []


def test_it_never_sends_null(healthchecks_server: HealthchecksServer) -> None:
    with api_for(healthchecks_server) as api:
        check, _ = api.create_check({"name": "job", "desc": None, "tags": None})
        assert (check.desc, check.tags) == ("", ())


def test_it_reports_a_server_that_is_down_then_works_again(
    healthchecks_server: HealthchecksServer,
) -> None:
    with HealthchecksApi(healthchecks_server.api_url, healthchecks_server.api_key) as api:
        healthchecks_server.server.stop()
        with pytest.raises(TransportError, match="could not connect") as info:
            api.list_checks()
        assert api.request_count == 4  # the first try and three retries
        healthchecks_server.server.start()
        assert api.list_checks() == []
    assert healthchecks_server.api_key not in str(info.value)
