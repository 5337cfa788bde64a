"""Retries, backoff, Retry-After, timeouts and broken connections, on real sockets."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from hcctl.api import Check, HealthchecksApi, set_testing
from hcctl.errors import RateLimited, ServerError, TransportError
from tests.canned_http import Answer, CannedServer, free_port, json_answer

KEY = "hcw_0123456789abcdef0123456789ab"
UUID = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"
CHECK = {"name": "api", "slug": "api", "grace": 3600, "timeout": 300, "uuid": UUID}
LISTED = json_answer(200, {"checks": [CHECK]})

pytestmark = pytest.mark.usefixtures("no_proxy_env")  # the default transport, http.client
CREATED = json_answer(201, CHECK)


@pytest.fixture(autouse=True)
def no_sleeping() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def api_on(server: CannedServer, *, retries: int = 3, timeout: float = 10.0) -> HealthchecksApi:
    return HealthchecksApi(server.url, KEY, retries=retries, timeout=timeout)


def test_it_retries_a_server_error_and_succeeds() -> None:
    with CannedServer(Answer(503), Answer(502), LISTED) as server, api_on(server) as api:
        assert [c.uuid for c in api.list_checks()] == [UUID]
        assert api.request_count == 3
    assert len(server.received) == 3


def test_it_gives_up_after_its_retries() -> None:
    with (
        CannedServer(Answer(500)) as server,
        api_on(server, retries=2) as api,
        pytest.raises(ServerError, match=r"the server failed \(500 Canned\)") as info,
    ):
        api.list_checks()
    assert api.request_count == 3
    assert info.value.status == 500
    assert len(server.received) == 3


def test_it_retries_after_429_and_keeps_the_hint_when_it_gives_up() -> None:
    limited = Answer(429, headers={"Retry-After": "7"})
    with CannedServer(limited, LISTED) as server, api_on(server) as api:
        assert len(api.list_checks()) == 1
    assert len(server.received) == 2
    with (
        CannedServer(limited) as server,
        api_on(server, retries=1) as api,
        pytest.raises(RateLimited, match=r"429 Too Many Requests \(retry after 7s\)") as info,
    ):
        api.list_checks()
    assert info.value.retry_after == 7.0
    assert len(server.received) == 2


def test_it_reports_a_retry_after_too_long_to_wait_at_once() -> None:
    limited = Answer(429, headers={"Retry-After": "3600"})
    with (
        CannedServer(limited) as server,
        api_on(server) as api,
        pytest.raises(RateLimited) as info,
    ):
        api.list_checks()
    assert info.value.retry_after == 3600.0
    assert len(server.received) == 1


def test_it_reads_a_retry_after_date() -> None:
    limited = Answer(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    with CannedServer(limited, LISTED) as server, api_on(server) as api:
        assert len(api.list_checks()) == 1
    assert len(server.received) == 2


def test_it_gives_up_at_once_on_a_503_that_asks_for_an_hour() -> None:
    down = Answer(503, headers={"Retry-After": "3600"})
    with (
        CannedServer(down, LISTED) as server,
        api_on(server) as api,
        pytest.raises(ServerError, match="503"),
    ):
        api.list_checks()
    assert len(server.received) == 1


def test_it_retries_429_even_for_a_plain_create() -> None:
    # A 429 was not processed, so repeating it cannot make a second check.
    answers = (Answer(429), json_answer(201, CHECK))
    with CannedServer(*answers) as server, api_on(server) as api:
        assert api.create_check({"name": "api"}) == (Check.from_json(CHECK), True)
    assert len(server.received) == 2


def test_it_never_repeats_a_plain_create_that_may_have_been_processed() -> None:
    with (
        CannedServer(Answer(500), json_answer(201, CHECK)) as server,
        api_on(server) as api,
        pytest.raises(ServerError),
    ):
        api.create_check({"name": "api"})
    assert len(server.received) == 1
    with (
        CannedServer(Answer(reset=True), json_answer(201, CHECK)) as server,
        api_on(server) as api,
        pytest.raises(TransportError, match="the connection was closed before an answer"),
    ):
        api.create_check({"name": "api"})
    assert len(server.received) == 1


def test_it_repeats_an_upsert_since_it_cannot_duplicate() -> None:
    answers = (Answer(500), Answer(reset=True), json_answer(200, CHECK))
    with CannedServer(*answers) as server, api_on(server) as api:
        check, created = api.create_check({"name": "api", "slug": "api"}, unique=["slug"])
    assert (check.uuid, created) == (UUID, False)
    assert len(server.received) == 3


def test_it_retries_a_connection_reset_on_a_read() -> None:
    with CannedServer(Answer(reset=True), LISTED) as server, api_on(server) as api:
        assert len(api.list_checks()) == 1
    assert len(server.received) == 2


def test_it_stops_waiting_for_a_slow_answer() -> None:
    with (
        CannedServer(Answer(200, delay=3.0)) as server,
        api_on(server, retries=1, timeout=0.2) as api,
    ):
        with pytest.raises(
            TransportError, match=r"GET http://127.0.0.1:\d+/api/v3/checks/: no answer within 0.2s"
        ):
            api.list_checks()
        assert api.request_count == 2
    assert len(server.received) == 2


def test_it_reports_a_server_that_is_not_there() -> None:
    with HealthchecksApi(f"http://127.0.0.1:{free_port()}/", KEY, retries=2) as api:
        with pytest.raises(
            TransportError, match=r"could not connect \(.*Connection refused"
        ) as info:
            api.list_checks()
        assert api.request_count == 3
    assert KEY not in str(info.value)


def test_it_keeps_its_connection_open_between_requests() -> None:
    with CannedServer(LISTED) as server, api_on(server) as api:
        for _ in range(5):
            api.list_checks()
        assert api.request_count == 5
    assert server.connections == 1


def test_it_leaves_a_kept_alive_connection_the_server_has_closed() -> None:
    # The server's keep-alive timeout closed it while idle: even a plain create, which is never
    # sent twice, goes out on a new connection instead of failing.
    with CannedServer(replace(LISTED, close=True), CREATED) as server:
        with api_on(server) as api:
            api.list_checks()
            time.sleep(0.2)  # idle, as between two runs of a job
            assert api.create_check({"name": "api"}) == (Check.from_json(CHECK), True)
            assert api.request_count == 2
        assert (len(server.received), server.connections) == (2, 2)


def test_it_never_resends_a_plain_create_dropped_on_a_kept_alive_connection() -> None:
    with (
        CannedServer(LISTED, Answer(reset=True), CREATED) as server,
        api_on(server) as api,
    ):
        api.list_checks()
        with pytest.raises(TransportError, match="the connection was closed before an answer"):
            api.create_check({"name": "api"})
    assert [r.method for r in server.received] == ["GET", "POST"]


def test_it_resends_a_read_dropped_on_a_kept_alive_connection() -> None:
    with CannedServer(LISTED, Answer(reset=True), LISTED) as server, api_on(server) as api:
        api.list_checks()
        assert len(api.list_checks()) == 1
        assert api.request_count == 2  # sent again at once on a new connection, not retried
    assert [r.method for r in server.received] == ["GET", "GET", "GET"]


def test_it_asks_for_and_reads_a_gzipped_answer() -> None:
    body = gzip.compress(json.dumps({"checks": [CHECK]}).encode())
    zipped = Answer(200, body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with CannedServer(zipped) as server, api_on(server) as api:
        assert [c.uuid for c in api.list_checks()] == [UUID]
    assert server.received[0].headers["accept-encoding"] == "gzip"


def test_it_goes_through_the_proxy_the_environment_names(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    with CannedServer(LISTED) as proxy:
        no_proxy_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        with HealthchecksApi("http://hc.example.invalid/", KEY) as api:
            assert [c.uuid for c in api.list_checks()] == [UUID]
    assert proxy.received[0].target == "http://hc.example.invalid/api/v3/checks/"


def test_it_goes_straight_to_a_host_the_environment_exempts(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    with CannedServer(Answer(502)) as proxy, CannedServer(LISTED) as server:
        no_proxy_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        no_proxy_env.setenv("NO_PROXY", "127.0.0.1")
        with api_on(server) as api:
            assert len(api.list_checks()) == 1
    assert (len(proxy.received), len(server.received)) == (0, 1)


def test_it_repeats_a_read_whose_answer_was_cut_short_but_never_a_plain_create() -> None:
    short = Answer(200, b'{"checks": [', {"Content-Length": "500"}, close=True)
    with CannedServer(short, LISTED) as server, api_on(server) as api:
        assert len(api.list_checks()) == 1
    assert len(server.received) == 2
    with (
        CannedServer(short, CREATED) as server,
        api_on(server) as api,
        pytest.raises(TransportError, match="the connection was closed before an answer"),
    ):
        api.create_check({"name": "api"})
    assert len(server.received) == 1
