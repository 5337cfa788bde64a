"""LocalServer itself: addresses, keys, projects, stop/start on the same port, its database."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest

from hcctl.errors import HcctlError
from hcctl.server import LocalServer
from hcctl.server.pytest_plugin import HealthchecksServer


def _create(srv: HealthchecksServer, **body: object) -> dict[str, object]:
    response = httpx.post(srv.api_url + "checks/", json=body, headers={"X-Api-Key": srv.api_key})
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def test_it_gives_urls_and_keys_like_the_real_server(tmp_path: Path) -> None:
    with LocalServer(db_path=tmp_path / "hc.sqlite", port=0) as srv:
        assert srv.api_url == f"http://127.0.0.1:{srv.port}/api/v3/"
        assert srv.ping_url == f"http://127.0.0.1:{srv.port}/ping/"
        assert srv.site_url == f"http://127.0.0.1:{srv.port}"
        assert (srv.api_key[:4], len(srv.api_key)) == ("hcw_", 32)
        assert (srv.api_key_readonly[:4], len(srv.api_key_readonly)) == ("hcr_", 32)
        assert (len(srv.ping_key), srv.ping_key.isalnum()) == (22, True)
        assert srv.db_path == tmp_path / "hc.sqlite"
        assert srv.outsider.api_key != srv.api_key


def test_it_never_shows_keys_in_reprs() -> None:
    with LocalServer() as srv:
        for text in (repr(srv), repr(srv.project), repr(srv.outsider), repr(srv.new_project())):
            for secret in (srv.api_key, srv.api_key_readonly, srv.ping_key):
                assert secret not in text


def test_it_stores_hashes_of_the_api_keys(tmp_path: Path) -> None:
    with LocalServer(db_path=tmp_path / "hc.sqlite") as srv:
        dump = "\n".join(sqlite3.connect(srv.db_path).iterdump())
        assert srv.api_key not in dump
        assert srv.api_key_readonly not in dump


def test_it_removes_its_temporary_database() -> None:
    with LocalServer() as srv:
        path = srv.db_path
        assert path.exists()
    assert not path.exists()


def test_it_creates_the_integrations_asked_for() -> None:
    with LocalServer(channels=("email", "webhook:deploys", "custom")) as srv:
        response = httpx.get(srv.api_url + "channels/", headers={"X-Api-Key": srv.api_key})
        kinds = [(c["kind"], c["name"]) for c in response.json()["channels"]]
        assert kinds == [("email", "email"), ("webhook", "deploys"), ("webhook", "custom")]


def test_it_stops_and_starts_on_the_same_port(healthchecks_server: HealthchecksServer) -> None:
    srv = healthchecks_server
    check = _create(srv)
    with httpx.Client() as client:
        assert client.get(srv.ping_url + str(check["uuid"])).status_code == 200
        port = srv.server.port
        srv.server.stop()
        with pytest.raises(httpx.TransportError):
            client.get(srv.ping_url + str(check["uuid"]))
        srv.server.start()
        assert srv.server.port == port
        assert client.get(srv.ping_url + str(check["uuid"])).status_code == 200


def test_it_gives_each_test_a_fresh_project(healthchecks_server: HealthchecksServer) -> None:
    response = httpx.get(
        healthchecks_server.api_url + "checks/", headers={"X-Api-Key": healthchecks_server.api_key}
    )
    assert response.json() == {"checks": []}


def test_it_sees_a_uuid_changed_through_sql_at_once(
    healthchecks_server: HealthchecksServer,
) -> None:
    srv = healthchecks_server
    check = _create(srv, name="pinned")
    wanted = uuid.UUID("0cab08fe-03f4-48c2-a927-90493fa0b2f2")
    with sqlite3.connect(srv.db_path) as conn:
        column = next(r for r in conn.execute("PRAGMA table_info(api_check)") if r[1] == "code")
        assert column[2] == "char(32)"
        conn.execute(
            "UPDATE api_check SET code = ? WHERE code = ?",
            (wanted.hex, uuid.UUID(str(check["uuid"])).hex),
        )
    with httpx.Client() as client:
        assert client.get(srv.ping_url + str(wanted)).status_code == 200
        assert client.get(srv.ping_url + str(check["uuid"])).status_code == 404
        got = client.get(srv.api_url + f"checks/{wanted}", headers={"X-Api-Key": srv.api_key})
        assert (got.json()["name"], got.json()["n_pings"]) == ("pinned", 1)


def test_it_stores_durations_in_microseconds(healthchecks_server: HealthchecksServer) -> None:
    check = _create(healthchecks_server, timeout=300, grace=60)
    with sqlite3.connect(healthchecks_server.db_path) as conn:
        row = conn.execute(
            "SELECT timeout, grace FROM api_check WHERE code = ?",
            (uuid.UUID(str(check["uuid"])).hex,),
        ).fetchone()
    assert row == (300_000_000, 60_000_000)


def test_it_refuses_checks_past_the_limit_with_an_empty_403() -> None:
    with LocalServer(check_limit=1) as srv, httpx.Client() as client:
        headers = {"X-Api-Key": srv.api_key}
        assert client.post(srv.api_url + "checks/", json={}, headers=headers).status_code == 201
        refused = client.post(srv.api_url + "checks/", json={}, headers=headers)
        assert (refused.status_code, refused.content) == (403, b"")
        slug_url = srv.ping_url + f"{srv.ping_key}/auto?create=1"
        # Auto-provisioning may go up to twice the limit, then answers "not found".
        assert client.get(slug_url).status_code == 201
        assert client.get(srv.ping_url + f"{srv.ping_key}/other?create=1").text == "not found"
        listed = client.get(srv.api_url + "checks/", headers=headers).json()["checks"]
        assert len(listed) == 2


def test_it_keeps_the_last_hundred_pings(healthchecks_server: HealthchecksServer) -> None:
    srv = healthchecks_server
    headers = {"X-Api-Key": srv.api_key}
    uuid_ = str(_create(srv)["uuid"])
    with httpx.Client() as client:
        for _ in range(201):
            client.get(srv.ping_url + uuid_)
        pings = client.get(srv.api_url + f"checks/{uuid_}/pings/", headers=headers).json()
    assert [p["n"] for p in pings["pings"]][:2] == [201, 200]
    assert len(pings["pings"]) == 100
    with sqlite3.connect(srv.db_path) as conn:
        kept = conn.execute(
            "SELECT COUNT(*) FROM api_ping p JOIN api_check c ON p.owner_id = c.id "
            "WHERE c.code = ?",
            (uuid.UUID(uuid_).hex,),
        ).fetchone()[0]
    assert kept == 101


def test_it_keeps_a_project_found_by_its_key_and_renews_the_others(tmp_path: Path) -> None:
    db, key = tmp_path / "hc.sqlite", "hcw_" + "k" * 28
    with LocalServer(db_path=db, api_key=key) as first:
        _create(HealthchecksServer(first, first.project, first.outsider), name="kept")
    with LocalServer(db_path=db, api_key=key) as again, httpx.Client() as client:
        assert again.project.id == first.project.id
        read_only = {"X-Api-Key": again.api_key_readonly}
        listed = client.get(again.api_url + "checks/", headers=read_only).json()["checks"]
        assert [c["name"] for c in listed] == ["kept"]
        assert client.get(again.ping_url + f"{again.ping_key}/none").text == "not found"


def test_it_refuses_a_ping_key_another_project_has(tmp_path: Path) -> None:
    db = tmp_path / "hc.sqlite"
    with LocalServer(db_path=db, ping_key="p" * 22):
        pass
    with pytest.raises(HcctlError, match="ping key"):
        LocalServer(db_path=db, api_key="hcw_" + "z" * 28, ping_key="p" * 22)
