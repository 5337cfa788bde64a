"""job() and monitor(): start with a fresh rid, then success or fail; per-call state; async."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from hcctl.ping import AsyncPingClient, PingClient
from tests.faultserver import FaultServer, Reply, Request, free_port

UUID = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"


pytestmark = pytest.mark.usefixtures("isolated_env")


@pytest.fixture
def hc(server: FaultServer) -> Iterator[PingClient]:
    with PingClient(server.ping_url, backoff=0.01) as client:
        yield client


def kind_and_rid(request: Request) -> tuple[str, str]:
    url = urlsplit(request.path)
    kind = url.path.removeprefix(f"/ping/{UUID}").lstrip("/") or "success"
    return kind, parse_qs(url.query)["rid"][0]


def test_a_job_sends_start_then_success_with_one_rid(server: FaultServer, hc: PingClient) -> None:
    with hc.job(UUID) as job:
        pass
    start, end = (kind_and_rid(r) for r in server.requests)
    assert (start, end) == (("start", job.rid), ("success", job.rid))


def test_a_failing_job_sends_fail_with_the_traceback(server: FaultServer, hc: PingClient) -> None:
    error = ValueError("disk full")
    with pytest.raises(ValueError, match="disk full") as info, hc.job(UUID):
        raise error
    assert info.value is error
    assert kind_and_rid(server.requests[1])[0] == "fail"
    body = server.requests[1].body.decode()
    assert "Traceback" in body
    assert body.endswith("ValueError: disk full\n")


def test_sys_exit_zero_is_a_success(server: FaultServer, hc: PingClient) -> None:
    with pytest.raises(SystemExit), hc.job(UUID):
        raise SystemExit(0)
    assert kind_and_rid(server.requests[1])[0] == "success"


def test_a_job_logs_with_its_rid(server: FaultServer, hc: PingClient) -> None:
    with hc.job(UUID) as job:
        job.log("half way")
    assert [kind_and_rid(r) for r in server.requests] == [
        ("start", job.rid),
        ("log", job.rid),
        ("success", job.rid),
    ]
    assert server.requests[1].body == b"half way"


def test_a_job_never_breaks_when_the_server_is_down() -> None:
    down = PingClient(f"http://127.0.0.1:{free_port()}/ping/", deadline=0.2)
    with down, down.job(UUID):
        result = 42
    assert result == 42


def test_monitor_wraps_each_call(server: FaultServer, hc: PingClient) -> None:
    @hc.monitor(UUID)
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5
    assert add.__name__ == "add"
    assert [kind_and_rid(r)[0] for r in server.requests] == ["start", "success"]


def test_monitor_gives_each_thread_its_own_rid(server: FaultServer, hc: PingClient) -> None:
    @hc.monitor(UUID)
    def work() -> None:
        pass

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pairs: dict[str, list[str]] = {}
    for request in server.requests:
        kind, rid = kind_and_rid(request)
        pairs.setdefault(rid, []).append(kind)
    assert sorted(pairs.values()) == [["start", "success"]] * 8


def test_monitor_wraps_async_functions_of_a_sync_client(
    server: FaultServer, hc: PingClient
) -> None:
    @hc.monitor(UUID)
    async def job(n: int) -> int:
        await asyncio.sleep(0)
        if n == 2:
            raise KeyError(n)
        return n

    async def main() -> list[int | BaseException]:
        return await asyncio.gather(*(job(n) for n in range(4)), return_exceptions=True)

    results = asyncio.run(main())
    assert results[:2] == [0, 1]
    assert isinstance(results[2], KeyError)
    kinds: dict[str, list[str]] = {}
    for request in server.requests:
        kind, rid = kind_and_rid(request)
        kinds.setdefault(rid, []).append(kind)
    assert sorted(v[1] for v in kinds.values()) == ["fail", "success", "success", "success"]
    assert all(v[0] == "start" for v in kinds.values())


def test_the_async_client_pings_and_runs_jobs(server: FaultServer) -> None:
    async def main() -> None:
        async with AsyncPingClient(server.ping_url, backoff=0.01) as client:
            assert await client.success(UUID, body="ok") is True
            async with client.job(UUID) as job:
                await job.alog("working")

            @client.monitor(UUID)
            async def fails() -> None:
                raise RuntimeError("no")

            with pytest.raises(RuntimeError):
                await fails()

    asyncio.run(main())
    kinds = [kind_and_rid(r)[0] if "rid" in r.path else "plain" for r in server.requests]
    assert kinds == ["plain", "start", "log", "success", "start", "fail"]
    assert server.requests[0].body == b"ok"


def test_the_async_client_never_raises_by_default() -> None:
    async def main() -> tuple[bool, bool]:
        url = f"http://127.0.0.1:{free_port()}/ping/"
        async with AsyncPingClient(url, deadline=0.2, backoff=0.01) as client:
            return await client.success(UUID), await client.exit_code(UUID, 300)

    assert asyncio.run(main()) == (False, False)


def test_async_monitor_rejects_sync_functions(hc: PingClient) -> None:
    client = AsyncPingClient("http://127.0.0.1:1/ping/")
    with pytest.raises(TypeError, match="async def"):
        client.monitor(UUID)(lambda: None)  # type: ignore[arg-type,return-value]


def test_httpx_logs_never_show_the_ping_key(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    key = "pk-very-secret-0123456789abcdef"

    async def main() -> bool:
        async with AsyncPingClient(server.ping_url, ping_key=key) as client:
            return await client.success("nightly")

    with caplog.at_level("INFO", logger="httpx"):
        assert asyncio.run(main()) is True
    assert server.paths() == [f"/ping/{key}/nightly"]
    assert "/ping/***/nightly" in caplog.text
    assert key not in caplog.text


def test_a_strict_job_lets_the_applications_exception_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def script(request: Request) -> Reply:
        return Reply(200) if "/start" in request.path else Reply(500)

    error = KeyError("lost")
    with FaultServer(script) as server:
        hc = PingClient(server.ping_url, strict=True, retries=0)
        with hc, pytest.raises(KeyError) as info, hc.job(UUID):
            raise error
    assert info.value is error
    assert info.value.__context__ is None
    assert "the fail ping after KeyError failed" in caplog.text
