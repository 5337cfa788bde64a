"""Whatever arrives, the server answers without a 500 or a traceback; concurrent writers wait."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcctl.server import LocalServer
from hcctl.server.pytest_plugin import HealthchecksServer

PATHS = st.sampled_from(
    [
        "/api/v3/checks/",
        "/api/v3/checks/0cab08fe-03f4-48c2-a927-90493fa0b2f2",
        "/api/v3/checks/0cab08fe-03f4-48c2-a927-90493fa0b2f2/pause",
        "/api/v3/checks/" + "a" * 40,
        "/api/v3/channels/",
        "/ping/0cab08fe-03f4-48c2-a927-90493fa0b2f2/1",
        "/ping/somekey/some-slug/start",
    ]
)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as http:
        yield http


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
    path=st.one_of(PATHS, st.text(min_size=1, max_size=40).map(lambda s: "/" + s)),
    body=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(
            st.sampled_from(["name", "timeout", "schedule", "tz", "unique", "channels", "x"]),
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.lists(st.text())),
        ).map(lambda d: repr(d).replace("'", '"').encode()),
    ),
)
def test_it_never_answers_500(
    server: LocalServer, client: httpx.Client, method: str, path: str, body: bytes
) -> None:
    response = client.request(
        method,
        server.site_url + quote(path, safe="/%"),
        content=body,
        headers={"X-Api-Key": server.api_key},
    )
    assert response.status_code < 500
    assert "Traceback" not in response.text


def test_it_answers_400_to_a_malformed_request_line(server: LocalServer) -> None:
    with socket.create_connection((server.host, server.port)) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        answer = sock.recv(1000)
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_it_handles_100_continue(server: LocalServer) -> None:
    with socket.create_connection((server.host, server.port)) as sock:
        sock.sendall(
            b"POST /ping/0cab08fe-03f4-48c2-a927-90493fa0b2f2 HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"hello")
        assert sock.recv(1000).startswith(b"HTTP/1.1 404 ")


def test_it_reads_a_chunked_body(healthchecks_server: HealthchecksServer) -> None:
    srv = healthchecks_server

    def chunks() -> Iterator[bytes]:
        yield b'{"name": '
        yield b'"chunked"}'

    response = httpx.post(
        srv.api_url + "checks/", content=chunks(), headers={"X-Api-Key": srv.api_key}
    )
    assert response.status_code == 201
    assert response.json()["name"] == "chunked"


def test_concurrent_writers_all_land(healthchecks_server: HealthchecksServer) -> None:
    srv = healthchecks_server
    headers = {"X-Api-Key": srv.api_key}
    uuid = httpx.post(srv.api_url + "checks/", json={}, headers=headers).json()["uuid"]
    errors: list[int] = []

    def worker() -> None:
        with httpx.Client() as client:
            for _ in range(25):
                status = client.get(srv.ping_url + uuid).status_code
                created = client.post(srv.api_url + "checks/", json={}, headers=headers)
                if status != 200 or created.status_code != 201:
                    errors.append(status)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = httpx.get(srv.api_url + f"checks/{uuid}", headers=headers).json()
    assert check["n_pings"] == 200
    listed = httpx.get(srv.api_url + "checks/", headers=headers).json()["checks"]
    assert len(listed) == 201
