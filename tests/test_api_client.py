"""The API client's requests and its reading of answers, against canned answers on a real socket."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from hcctl.api import Channel, Check, HealthchecksApi, api_base_url, set_testing
from hcctl.errors import ApiError, AuthError, Conflict, NotFound
from tests.canned_http import Answer, CannedServer, json_answer

KEY = "hcw_0123456789abcdef0123456789ab"
UUID = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"
CHANNEL = "6d5a0a4b-1f2e-4c5b-9a8d-7e6f5a4b3c2d"
CHECK = {
    "name": "Backup",
    "slug": "backup",
    "tags": "prod db",
    "desc": "nightly",
    "grace": 3600,
    "n_pings": 3,
    "status": "up",
    "started": False,
    "last_ping": "2026-11-22T03:00:05+00:00",
    "next_ping": None,
    "manual_resume": False,
    "methods": "",
    "subject": "",
    "subject_fail": "",
    "start_kw": "",
    "success_kw": "",
    "failure_kw": "",
    "filter_subject": False,
    "filter_body": False,
    "filter_http_body": False,
    "filter_default_fail": False,
    "last_duration": 42,
    "schedule": "0 3 * * *",
    "tz": "Europe/Paris",
    "uuid": UUID,
    "ping_url": f"http://127.0.0.1/ping/{UUID}",
    "channels": CHANNEL,
}


@pytest.fixture(autouse=True)
def no_sleeping() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def serve(*answers: Answer) -> CannedServer:
    return CannedServer(*answers)


def api_on(server: CannedServer, key: str | None = KEY) -> HealthchecksApi:
    return HealthchecksApi(server.url, key)


def test_it_lists_checks_as_typed_checks() -> None:
    with serve(json_answer(200, {"checks": [CHECK]})) as server, api_on(server) as api:
        checks = api.list_checks()
    assert checks == [Check.from_json(CHECK)]
    check = checks[0]
    assert (check.uuid, check.tags, check.kind, check.timeout) == (
        UUID,
        ("prod", "db"),
        "cron",
        None,
    )
    assert check.last_ping == datetime(2026, 11, 22, 3, 0, 5, tzinfo=UTC)
    assert check.channels == (CHANNEL,)
    sent = server.received[0]
    assert (sent.method, sent.target) == ("GET", "/api/v3/checks/")
    assert sent.headers["x-api-key"] == KEY


def test_it_filters_by_every_tag_and_by_slug() -> None:
    with serve(json_answer(200, {"checks": []})) as server, api_on(server) as api:
        assert api.list_checks(tags=["prod", "db"], slug="backup") == []
    assert server.received[0].target == "/api/v3/checks/?tag=prod&tag=db&slug=backup"


def test_it_takes_a_tag_string_as_the_api_writes_it() -> None:
    with serve(json_answer(200, {"checks": []})) as server, api_on(server) as api:
        api.list_checks(tags="prod db")
    assert server.received[0].target == "/api/v3/checks/?tag=prod&tag=db"


def test_it_reads_the_uuid_from_the_ping_url_on_old_servers() -> None:
    old = {k: v for k, v in CHECK.items() if k != "uuid"}
    with serve(json_answer(200, {"checks": [old]})) as server, api_on(server) as api:
        assert api.list_checks()[0].uuid == UUID


def test_it_creates_a_check_and_tells_created_from_matched() -> None:
    answers = (json_answer(201, CHECK), json_answer(200, CHECK))
    with serve(*answers) as server, api_on(server) as api:
        created = api.create_check({"name": "Backup", "slug": "backup"}, unique=["slug"])
        matched = api.create_check({"name": "Backup", "slug": "backup"}, unique=["slug"])
    assert created == (Check.from_json(CHECK), True)
    assert matched == (Check.from_json(CHECK), False)
    sent = server.received[0]
    assert (sent.method, sent.target) == ("POST", "/api/v3/checks/")
    assert sent.json() == {"name": "Backup", "slug": "backup", "unique": ["slug"]}


def test_it_never_sends_json_null() -> None:
    with serve(json_answer(200, CHECK)) as server, api_on(server) as api:
        api.update_check(UUID, {"name": "Backup", "desc": None, "tags": "prod db"})
    sent = server.received[0]
    assert (sent.method, sent.target) == ("POST", f"/api/v3/checks/{UUID}")
    assert sent.json() == {"name": "Backup", "tags": "prod db"}


@pytest.mark.parametrize(
    ("call", "method", "target"),
    [
        (lambda api: api.get_check(UUID.upper()), "GET", f"/api/v3/checks/{UUID}"),
        (lambda api: api.delete_check(UUID), "DELETE", f"/api/v3/checks/{UUID}"),
        (lambda api: api.pause_check(UUID), "POST", f"/api/v3/checks/{UUID}/pause"),
        (lambda api: api.resume_check(UUID), "POST", f"/api/v3/checks/{UUID}/resume"),
        (lambda api: api.get_check("A" * 40), "GET", f"/api/v3/checks/{'a' * 40}"),
    ],
)
def test_it_sends_each_check_request_to_its_path(call: object, method: str, target: str) -> None:
    with serve(json_answer(200, CHECK)) as server, api_on(server) as api:
        assert callable(call)
        assert call(api) == Check.from_json(CHECK)
    assert (server.received[0].method, server.received[0].target) == (method, target)


def test_it_lists_channels_pings_and_flips() -> None:
    channels = {"channels": [{"id": CHANNEL, "name": "ops", "kind": "email"}]}
    pings = {"pings": [{"type": "success", "n": 1}]}
    flips = [{"timestamp": "2026-11-22T03:00:05+00:00", "up": 1}]  # old servers: a bare list
    answers = (json_answer(200, channels), json_answer(200, pings), json_answer(200, flips))
    with serve(*answers) as server, api_on(server) as api:
        assert api.list_channels() == [Channel(CHANNEL, "ops", "email")]
        assert api.list_pings(UUID) == pings["pings"]
        assert api.list_flips(UUID) == flips
    targets = [r.target for r in server.received]
    assert targets == [
        "/api/v3/channels/",
        f"/api/v3/checks/{UUID}/pings/",
        f"/api/v3/checks/{UUID}/flips/",
    ]


def test_it_refuses_a_check_id_that_is_no_uuid_without_asking() -> None:
    with (
        serve() as server,
        api_on(server) as api,
        pytest.raises(NotFound, match="not a check UUID"),
    ):
        api.get_check("../channels")
    assert server.received == []


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("https://hc.example.org", "https://hc.example.org/api/v3/"),
        ("https://hc.example.org/api/v1/", "https://hc.example.org/api/v3/"),
        ("http://localhost:8000/api/v3", "http://localhost:8000/api/v3/"),
        ("https://example.org/hc/", "https://example.org/hc/api/v3/"),
    ],
)
def test_it_uses_the_v3_api_whatever_url_is_given(given: str, base: str) -> None:
    assert api_base_url(given) == base


def test_it_rejects_a_url_that_is_not_http() -> None:
    with pytest.raises(ApiError, match="must start with http:// or https://"):
        HealthchecksApi("localhost:8000", KEY)


@pytest.mark.parametrize(
    "url",
    ["http://u:pa55word@host:99999/", "http://u:pa55word@[::1/", "http://u:pa55word@host:port/"],
)
def test_it_rejects_a_malformed_url_without_quoting_it(url: str) -> None:
    with pytest.raises(ApiError, match="the API URL is malformed") as info:
        HealthchecksApi(url, KEY)
    assert "pa55word" not in str(info.value)


def test_it_reports_an_answer_that_cannot_be_decoded() -> None:
    broken = Answer(200, b"not gzip at all", {"Content-Encoding": "gzip"})
    with (
        serve(broken) as server,
        api_on(server) as api,
        pytest.raises(ApiError, match="the answer could not be read"),
    ):
        api.list_checks()


def test_it_reports_a_write_with_a_read_only_key() -> None:
    answer = json_answer(401, {"error": "wrong api key"})
    with serve(answer) as server, api_on(server) as api, pytest.raises(AuthError) as info:
        api.create_check({"name": "x"})
    assert "read-only key for a write? apply needs a read-write API key" in str(info.value)
    assert info.value.status == 401
    assert KEY not in str(info.value)


def test_it_reports_a_wrong_key_on_a_read() -> None:
    answer = json_answer(401, {"error": "wrong api key"})
    with serve(answer) as server, api_on(server) as api, pytest.raises(AuthError) as info:
        api.list_checks()
    assert str(info.value) == (
        f"GET {server.url}checks/: the API key was refused: it is not a key of this server's"
        " projects"
    )


def test_it_reports_a_missing_key() -> None:
    answer = json_answer(401, {"error": "missing api key"})
    with (
        serve(answer) as server,
        api_on(server, None) as api,
        pytest.raises(AuthError, match=r"no API key is set \(HC_API_KEY\)"),
    ):
        api.list_checks()
    assert "x-api-key" not in server.received[0].headers


def test_it_reports_a_key_of_the_wrong_length() -> None:
    answer = json_answer(401, {"error": "missing api key"})
    with (
        serve(answer) as server,
        api_on(server, "short") as api,
        pytest.raises(AuthError, match="it is not 32 characters long"),
    ):
        api.list_checks()


def test_it_strips_a_trailing_newline_from_the_key_and_refuses_control_characters() -> None:
    with serve(json_answer(200, {"checks": []})) as server, api_on(server, KEY + "\n") as api:
        api.list_checks()
    assert server.received[0].headers["x-api-key"] == KEY
    with pytest.raises(AuthError, match="characters that no API key has") as info:
        HealthchecksApi("http://127.0.0.1/", "hcw_se\x00cret")
    assert "cret" not in str(info.value)


@pytest.mark.parametrize(
    ("answer", "error", "text"),
    [
        (json_answer(404, {"error": "not found"}), NotFound, f"no check {UUID} in this project"),
        (Answer(403), AuthError, "the check belongs to another project"),
        (Answer(409, b"check is not paused"), Conflict, "check is not paused"),
        (
            json_answer(400, {"error": "json validation error: timeout is too small"}),
            ApiError,
            "json validation error: timeout is too small",
        ),
    ],
)
def test_it_turns_error_statuses_into_hcctl_errors(
    answer: Answer, error: type[ApiError], text: str
) -> None:
    with serve(answer) as server, api_on(server) as api, pytest.raises(error) as info:
        api.resume_check(UUID)
    assert type(info.value) is error
    assert text in str(info.value)
    assert info.value.status == answer.status


def test_it_reports_the_check_limit_on_create() -> None:
    with (
        serve(Answer(403)) as server,
        api_on(server) as api,
        pytest.raises(ApiError, match="the project has reached its limit of checks") as info,
    ):
        api.create_check({"name": "x"})
    assert type(info.value) is ApiError


def test_it_asks_whether_a_url_that_answers_404_is_an_api() -> None:
    with (
        serve(Answer(404, b"<html>Not Found</html>")) as server,
        api_on(server) as api,
        pytest.raises(NotFound, match=r"is http://127\.0\.0\.1:\d+/api/v3/ a Healthchecks API URL"),
    ):
        api.list_checks()


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b"<html>It works</html>"),
        json_answer(200, {"checks": "many"}),
        json_answer(200, {"checks": [{"name": "x"}]}),
        json_answer(200, {"checks": [{**CHECK, "grace": "long"}]}),
        json_answer(200, {"checks": [{**CHECK, "last_ping": "yesterday"}]}),
        json_answer(200, {"checks": [{**CHECK, "uuid": "zz"}]}),
        json_answer(200, {"checks": [{**CHECK, "name": None}]}),
        json_answer(200, {"checks": [{**CHECK, "slug": ["a"]}]}),
    ],
)
def test_it_reports_malformed_answers_in_a_sentence(answer: Answer) -> None:
    with serve(answer) as server, api_on(server) as api, pytest.raises(ApiError) as info:
        api.list_checks()
    assert type(info.value) is ApiError
    assert "is it a Healthchecks server (v3 API)?" in str(info.value)
    assert "\n" not in str(info.value)


def test_it_sends_the_key_to_the_api_host_only() -> None:
    # A redirect elsewhere is reported, never followed: the key would travel with it.
    with serve(json_answer(200, {"checks": []})) as elsewhere:
        moved = Answer(302, headers={"Location": elsewhere.url + "checks/"})
        with serve(moved) as server:
            client = httpx.Client(follow_redirects=True)
            api = HealthchecksApi(server.url, KEY, client=client)
            with pytest.raises(ApiError, match=f"the server redirects to {elsewhere.url}checks/"):
                api.list_checks()
            client.close()
        assert elsewhere.received == []
    assert len(server.received) == 1


def test_it_keeps_the_key_out_of_its_repr_and_passwords_out_of_messages() -> None:
    with serve(Answer(500)) as server:
        url = server.url.replace("127.0.0.1", "admin:pa55word@127.0.0.1")
        api = HealthchecksApi(url, KEY, retries=0)
        with pytest.raises(ApiError) as info:
            api.list_checks()
        api.close()
    for text in (repr(api), str(info.value)):
        assert KEY not in text
        assert "pa55word" not in text
    assert "admin:***@127.0.0.1" in repr(api)


def test_it_sends_a_password_in_the_url_as_basic_auth() -> None:
    # For a reverse proxy in front of the server that asks for one.
    with serve(json_answer(200, {"checks": []})) as server:
        url = server.url.replace("127.0.0.1", "admin:pa%20ss@127.0.0.1")
        with HealthchecksApi(url, KEY) as api:
            api.list_checks()
    sent = server.received[0].headers
    assert sent["authorization"] == "Basic " + base64.b64encode(b"admin:pa ss").decode()
    assert sent["x-api-key"] == KEY


def test_it_uses_a_client_passed_in_and_leaves_it_open() -> None:
    client = httpx.Client()
    with serve(json_answer(200, {"checks": []})) as server:
        with HealthchecksApi(server.url, KEY, client=client) as api:
            api.list_checks()
        assert not client.is_closed
    client.close()
