"""PingClient against tiny real servers: URLs, kinds, rid, bodies, retries, never-raise, strict."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hcctl.errors import HcctlError, NotFound, ServerError, SpecError, TransportError
from hcctl.ping import PingClient, cut_body
from tests.faultserver import FaultServer, Hang, Reply, Reset, free_port

UUID = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"
PING_KEY = "pk-secret-0123456789abcdefghijk"


pytestmark = pytest.mark.usefixtures("isolated_env")


_clients: list[PingClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def client(server: FaultServer | str, **options: object) -> PingClient:
    """A client with quick retries, closed after the test."""
    url = server if isinstance(server, str) else server.ping_url
    defaults: dict[str, object] = {"backoff": 0.01, "timeout": 2.0, "deadline": 5.0}
    hc = PingClient(url, **{**defaults, **options})  # type: ignore[arg-type]
    _clients.append(hc)
    return hc


def test_it_pings_a_uuid(server: FaultServer) -> None:
    assert client(server).success(UUID) is True
    [req] = server.requests
    assert (req.method, req.path, req.body) == ("POST", f"/ping/{UUID}", b"")
    assert req.headers["user-agent"].startswith("hcctl/")


@pytest.mark.parametrize(
    ("kind", "suffix"),
    [("start", "/start"), ("fail", "/fail"), ("log", "/log"), (0, "/0"), (255, "/255")],
)
def test_it_sends_each_kind(server: FaultServer, kind: str | int, suffix: str) -> None:
    assert client(server).ping(UUID, kind) is True
    assert server.paths() == [f"/ping/{UUID}{suffix}"]


def test_it_sends_exit_codes_and_rid(server: FaultServer) -> None:
    rid = "5f671802-21f2-4c94-91b6-0d4b1648f9c3"
    assert client(server).exit_code(UUID, 3, rid=rid, body="boom") is True
    [req] = server.requests
    assert (req.path, req.body) == (f"/ping/{UUID}/3?rid={rid}", b"boom")


def test_it_normalises_uppercase_and_dashless_uuids(server: FaultServer) -> None:
    hc = client(server)
    hc.success(UUID.upper())
    hc.success(UUID.replace("-", ""))
    assert server.paths() == [f"/ping/{UUID}"] * 2


def test_it_pings_a_slug_with_the_ping_key(server: FaultServer) -> None:
    assert client(server, ping_key=PING_KEY).start("nightly-backup") is True
    assert server.paths() == [f"/ping/{PING_KEY}/nightly-backup/start"]


def test_it_resolves_a_key_through_the_env_file(server: FaultServer) -> None:
    Path(".env.healthchecks").write_text(f"# ids\nHC_CHECK_CELERY_BEAT={UUID}\nOTHER=1\n")
    assert client(server).success("celery-beat") is True
    assert server.paths() == [f"/ping/{UUID}"]


def test_it_reads_the_env_file_as_hcctl_writes_it(server: FaultServer) -> None:
    Path(".env.healthchecks").write_text(
        f"export HC_CHECK_API='{UUID}'  # the API\nHC_CHECK_DB = \"{UUID.upper()}\" # db\n"
    )
    hc = client(server)
    assert hc.success("api") is True
    assert hc.success("db") is True
    assert server.paths() == [f"/ping/{UUID}"] * 2


def test_it_prefers_the_process_environment(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "1e465c77-0d23-4e23-b4e3-75e35577bc2a"
    Path(".env.healthchecks").write_text(f"HC_CHECK_KAFKA={UUID}\n")
    monkeypatch.setenv("HC_CHECK_KAFKA", other)
    client(server).success("kafka")
    assert server.paths() == [f"/ping/{other}"]


def test_it_follows_the_spec_env_name_and_uuid(server: FaultServer) -> None:
    other = "1e465c77-0d23-4e23-b4e3-75e35577bc2a"
    Path("healthchecks.toml").write_text(
        f'[checks.api]\nenv = "API_CHECK"\n\n[checks.db]\nuuid = "{other}"\n'
    )
    Path(".env.healthchecks").write_text(f"API_CHECK={UUID}\n")
    hc = client(server)
    hc.success("api")
    hc.success("db")
    assert server.paths() == [f"/ping/{UUID}", f"/ping/{other}"]


def test_it_pings_a_spec_key_without_uuid_by_its_slug(server: FaultServer) -> None:
    Path("healthchecks.toml").write_text('[checks.backup]\nslug = "db-backup"\n')
    client(server, ping_key=PING_KEY).success("backup")
    assert server.paths() == [f"/ping/{PING_KEY}/db-backup"]


def test_it_cuts_bodies_to_the_servers_limit_keeping_the_tail() -> None:
    with FaultServer(Reply(headers={"Ping-Body-Limit": "100"})) as server:
        hc = client(server)
        hc.log(UUID)  # learns the limit
        hc.fail(UUID, body="x" * 500 + "THE END")
    body = server.requests[1].body
    assert len(body) == 100
    assert body.startswith(b"[hcctl: 430 bytes cut]\n")
    assert body.endswith(b"THE END")
    assert hc.body_limit == 100


def test_it_keeps_bodies_that_fit(server: FaultServer) -> None:
    client(server).success(UUID, body=b"\x00\xffbytes")
    assert server.requests[0].body == b"\x00\xffbytes"


def test_cut_body_counts_what_it_drops() -> None:
    body = bytes(range(256)) * 40
    cut = cut_body(body, 1000)
    marker, _, tail = cut.partition(b"]\n")
    assert len(cut) <= 1000
    assert marker == f"[hcctl: {len(body) - len(tail)} bytes cut".encode()
    assert body.endswith(tail)


def test_it_retries_5xx_then_succeeds() -> None:
    with FaultServer([Reply(500), Reply(503), Reply(200)]) as server:
        assert client(server).success(UUID) is True
    assert len(server.requests) == 3


def test_it_honours_retry_after_on_429() -> None:
    with FaultServer([Reply(429, headers={"Retry-After": "0"}), Reply(200)]) as server:
        assert client(server).success(UUID) is True
    assert len(server.requests) == 2


def test_it_does_not_retry_other_4xx() -> None:
    with FaultServer(Reply(400, b"invalid url format")) as server:
        assert client(server).success(UUID) is False
    assert len(server.requests) == 1


def test_it_retries_a_reset_mid_response() -> None:
    partial = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nO"
    with FaultServer([Reset(partial), Reply(200)]) as server:
        assert client(server).success(UUID) is True
    assert len(server.requests) == 2


def test_it_gives_up_after_the_retries(caplog: pytest.LogCaptureFixture) -> None:
    with FaultServer(Reply(500, b"oops")) as server:
        assert client(server, retries=2).success(UUID) is False
    assert len(server.requests) == 3
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "success ping of" in record.getMessage()
    assert "500" in record.getMessage()


def test_it_never_raises_when_the_server_is_down(caplog: pytest.LogCaptureFixture) -> None:
    hc = client(f"http://127.0.0.1:{free_port()}/ping/", deadline=0.5)
    assert hc.success(UUID) is False
    assert "connection refused" in caplog.text


def test_it_times_out_a_server_that_hangs() -> None:
    with FaultServer(Hang()) as server:
        hc = client(server, timeout=0.2, deadline=0.5, strict=True)
        with pytest.raises(TransportError, match="timed out"):
            hc.success(UUID)


def test_it_stops_within_the_deadline_on_a_slow_server() -> None:
    with FaultServer(Reply(delay=1.0)) as server:
        assert client(server, timeout=0.2, deadline=0.3).success(UUID) is False


def test_strict_raises_hcctl_errors() -> None:
    with FaultServer(Reply(500)) as server, pytest.raises(ServerError) as info:
        client(server, strict=True, retries=0).success(UUID)
    assert info.value.status == 500
    down = client(f"http://127.0.0.1:{free_port()}/ping/", strict=True, deadline=0.3)
    with pytest.raises(TransportError, match="connection refused"):
        down.success(UUID)


def test_strict_raises_not_found() -> None:
    with FaultServer(Reply(404, b"not found")) as server, pytest.raises(NotFound, match="not f"):
        client(server, strict=True, auto_provision=False).success(UUID)


def test_it_reuses_one_connection(server: FaultServer) -> None:
    hc = client(server)
    for _ in range(5):
        assert hc.success(UUID)
    assert server.connections == 1


def test_it_reconnects_when_a_kept_alive_connection_went_stale() -> None:
    with FaultServer(Reply(drop=True)) as server:
        hc = client(server, retries=0)
        assert hc.success(UUID) is True
        server.wait_for(1)
        assert hc.success(UUID) is True
    assert (len(server.requests), server.connections) == (2, 2)


def test_it_accepts_an_httpx_client(server: FaultServer) -> None:
    with httpx.Client() as http:
        assert client(server, client=http).start(UUID) is True
    assert server.paths() == [f"/ping/{UUID}/start"]


def test_it_goes_through_the_proxy_the_environment_names(
    server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", server.url)
    with PingClient("http://hc.example.invalid/ping/", strict=True, retries=0) as hc:
        assert hc.start(UUID) is True
    assert server.paths() == [f"http://hc.example.invalid/ping/{UUID}/start"]


def test_it_goes_straight_to_a_host_the_environment_exempts(
    server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    no_proxy_env.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert client(server, strict=True).success(UUID) is True
    assert server.paths() == [f"/ping/{UUID}"]


def test_it_goes_straight_to_the_host_when_httpx_cannot_use_the_proxy(
    server: FaultServer, no_proxy_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    no_proxy_env.setenv("ALL_PROXY", "ftp://user:s3cret@127.0.0.1:1")
    assert client(server, strict=True).success(UUID) is True
    assert server.paths() == [f"/ping/{UUID}"]
    assert "the proxy the environment names cannot be used" in caplog.text
    assert "s3cret" not in caplog.text


def test_it_never_quotes_a_ping_key_http_client_refuses(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    # http.client refuses a URL with a space and quotes the path, which holds the ping key.
    key = "SENTINEL ping key"
    with pytest.raises(TransportError) as info:
        client(server, ping_key=key, strict=True, retries=0).success("backup")
    assert client(server, ping_key=key, retries=0).success("backup") is False
    assert "SENTINEL" not in str(info.value)
    assert "SENTINEL" not in caplog.text
    assert server.requests == []


def test_it_maps_httpx_errors() -> None:
    with httpx.Client() as http:
        hc = client(f"http://127.0.0.1:{free_port()}/ping/", client=http, strict=True)
        with pytest.raises(TransportError, match=r"could not reach 127\.0\.0\.1"):
            hc.success(UUID)


@pytest.mark.parametrize(
    ("check", "kind", "message"),
    [
        ("0cab08fe-03f4-48c2-a927-90493fa0b2fz", "success", "malformed UUID"),
        ("0cab08fe03f448c2a92790493fa0b2", "success", "malformed UUID"),
        (UUID, 256, "outside 0-255"),
        (UUID, -1, "outside 0-255"),
        (UUID, "finish", "not a ping kind"),
        ("backup", "success", "no check with key 'backup'"),
    ],
)
def test_it_rejects_bad_input_before_any_request(
    server: FaultServer, check: str, kind: str | int, message: str
) -> None:
    with pytest.raises(HcctlError, match=message):
        client(server, strict=True).ping(check, kind)
    assert client(server).ping(check, kind) is False
    assert server.requests == []


def test_unknown_keys_name_the_spec_file(server: FaultServer) -> None:
    Path("healthchecks.toml").write_text("[checks.api]\n")
    with pytest.raises(SpecError, match=r"healthchecks.toml or .env.healthchecks: no check"):
        client(server, strict=True).success("backup")


def test_it_rejects_a_bad_rid_and_a_bad_slug(server: FaultServer) -> None:
    hc = client(server, strict=True, ping_key=PING_KEY)
    with pytest.raises(HcctlError, match="rid must be a UUID"):
        hc.success(UUID, rid="nope")
    with pytest.raises(HcctlError, match="not a valid slug"):
        hc.success("Backup")
    assert server.requests == []


def test_it_never_shows_the_ping_key(caplog: pytest.LogCaptureFixture) -> None:
    with FaultServer(Reply(500, b"oops")) as server:
        hc = client(server, ping_key=PING_KEY, retries=0, auto_provision=False)
        assert hc.success("backup") is False
        with pytest.raises(ServerError) as info:
            client(server, ping_key=PING_KEY, retries=0, strict=True).success("backup")
    assert PING_KEY in server.requests[0].path
    assert PING_KEY not in caplog.text
    assert PING_KEY not in str(info.value)
    assert PING_KEY not in repr(hc)
