"""Background pings: a bounded queue, one thread, delivery after an outage, exit flush, fork."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hcctl.ping import PingClient
from tests.faultserver import FaultServer, Reply, Request

UUID = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"


pytestmark = pytest.mark.usefixtures("isolated_env")


def background(url: str, **options: object) -> PingClient:
    opts: dict[str, object] = {"backoff": 0.01, "timeout": 1.0, "deadline": 2.0, **options}
    return PingClient(url, background=True, **opts)  # type: ignore[arg-type]


def bodies(server: FaultServer) -> list[bytes]:
    return [r.body for r in server.requests]


def test_it_queues_and_delivers(server: FaultServer) -> None:
    with background(server.ping_url) as hc:
        for n in range(3):
            assert hc.log(UUID, body=f"line {n}") is True
        assert hc.flush(5) is True
    assert bodies(server) == [b"line 0", b"line 1", b"line 2"]


def test_it_drops_the_oldest_when_full(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()

    def held(request: Request) -> Reply:
        release.wait(10)
        return Reply()

    with FaultServer(held) as server, background(server.ping_url, queue_size=2) as hc:
        hc.log(UUID, body="0")
        server.wait_for(1)  # the worker is busy with "0"
        for n in range(1, 5):
            hc.log(UUID, body=str(n))
        assert hc.dropped == 2
        release.set()
        assert hc.flush(5) is True
    assert bodies(server) == [b"0", b"3", b"4"]
    assert "queue full" in caplog.text


def test_it_delivers_pings_queued_during_an_outage(server: FaultServer) -> None:
    server.stop()
    with background(server.ping_url, deadline=0.2) as hc:
        hc.start(UUID)
        hc.success(UUID, body="done")
        assert hc.flush(0.5) is False  # still down: nothing delivered yet
        server.start()  # same port
        assert hc.flush(10) is True
    assert server.paths() == [f"/ping/{UUID}/start", f"/ping/{UUID}"]
    assert bodies(server)[1] == b"done"


def test_it_gives_up_on_a_permanent_error(caplog: pytest.LogCaptureFixture) -> None:
    with FaultServer(Reply(400, b"invalid url format")) as server:
        with background(server.ping_url) as hc:
            hc.success(UUID)
            assert hc.flush(5) is True
        assert len(server.requests) == 1
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_it_flushes_at_interpreter_exit(server: FaultServer, tmp_path: Path) -> None:
    script = (
        "import sys; from hcctl.ping import PingClient\n"
        "hc = PingClient(sys.argv[1], background=True)\n"
        "for n in range(5): hc.log(sys.argv[2], body=str(n))\n"
    )
    subprocess.run([sys.executable, "-c", script, server.ping_url, UUID], check=True, timeout=30)
    assert bodies(server) == [b"0", b"1", b"2", b"3", b"4"]


def test_a_forked_child_gets_its_own_queue_and_thread(server: FaultServer) -> None:
    with background(server.ping_url) as hc:
        hc.log(UUID, body="parent before fork")
        assert hc.flush(5)
        pid = os.fork()
        if pid == 0:  # the child: ping through the inherited client, then leave at once
            ok = hc.log(UUID, body="child") and hc.flush(5)
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        hc.log(UUID, body="parent after fork")
        assert hc.flush(5)
    assert sorted(bodies(server)) == [b"child", b"parent after fork", b"parent before fork"]
    assert hc.dropped == 0
