"""Every network fault between hcctl and the local server, through a real fault proxy.

Pings never raise by default, give up within their deadline, retry as specified and are
delivered once the fault clears; apply completes or stops with one clear sentence and converges
on the next run.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from hcctl.api import HealthchecksApi
from hcctl.envfile import read_env
from hcctl.errors import HcctlError
from hcctl.ping import AsyncPingClient, PingClient
from hcctl.server.pytest_plugin import HealthchecksServer
from hcctl.settings import Settings
from hcctl.sync import apply, plan
from tests.pinghelp import checks, new_check, ping_body, pings
from tests.reliability import assert_one_sentence
from tests.reliability.faultproxy import (
    Blackhole,
    Fault,
    FaultProxy,
    Latency,
    Refuse,
    ResetMidResponse,
    Status,
    TruncatedBody,
)

TIMEOUT = 1.0  # the clients' per-request timeout: latency faults exceed it
FAULTS: dict[str, Fault] = {
    "refused": Refuse(),
    "reset-mid-response": ResetMidResponse(),
    "latency": Latency(TIMEOUT * 3),
    "black-hole": Blackhole(),
    "500": Status(500),
    "502": Status(502),
    "503": Status(503),
    "429-retry-after": Status(429, retry_after="1"),
    "truncated-body": TruncatedBody(),
}
SLOW = {"latency", "black-hole", "429-retry-after"}  # a second or more per faulted connection
# A ping's 2xx status line is the server's receipt: a body cut short after it loses nothing.
RECEIPT_BEFORE_FAULT = {"truncated-body"}
# Faults that reach the server before failing: the ping may be recorded twice (at least once).
REACHES_SERVER = {"reset-mid-response", "latency", "truncated-body"}


@pytest.fixture
def proxy(healthchecks_server: HealthchecksServer) -> Iterator[FaultProxy]:
    with FaultProxy(healthchecks_server.server.port, lifetime=60) as p:
        yield p


def inject(proxy: FaultProxy, name: str, *, times: int) -> None:
    """`times` faulted connections; a refused port cannot count them, so it lasts a while."""
    if name == "refused":
        proxy.set(FAULTS[name], seconds=0.15 * times)
    else:
        proxy.set(FAULTS[name], times=times)


def ping_client(proxy: FaultProxy, **options: object) -> PingClient:
    defaults: dict[str, object] = {"timeout": TIMEOUT, "deadline": 8.0, "backoff": 0.2}
    return PingClient(proxy.url("/ping/"), **{**defaults, **options})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FAULTS)
def test_a_ping_is_delivered_once_the_fault_clears(
    healthchecks_server: HealthchecksServer, proxy: FaultProxy, name: str
) -> None:
    for _ in range(1 if name in SLOW else 5):
        check = new_check(healthchecks_server)
        faulted, connections = proxy.faulted, proxy.connections
        inject(proxy, name, times=2)
        with ping_client(proxy) as hc:
            assert hc.success(check, body="payload") is True
        recorded = pings(healthchecks_server, check)
        assert {p["type"] for p in recorded} == {"success"}
        if name in REACHES_SERVER:  # at least once, never invented
            assert 1 <= len(recorded) <= proxy.connections - connections
        else:
            assert len(recorded) == 1
        if name in RECEIPT_BEFORE_FAULT:
            assert (proxy.faulted - faulted, len(recorded)) == (1, 1)
        elif name != "refused":
            assert proxy.faulted - faulted == 2  # retried through both faults


@pytest.mark.parametrize("name", sorted(set(FAULTS) - RECEIPT_BEFORE_FAULT))
def test_a_ping_never_raises_and_gives_up_within_its_deadline(
    healthchecks_server: HealthchecksServer,
    proxy: FaultProxy,
    name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    check = new_check(healthchecks_server)
    proxy.set(FAULTS[name])
    deadline = 1.0
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), ping_client(proxy, deadline=deadline) as hc:
        assert hc.success(check) is False
    # A bound that only a hang breaks: the deadline, one request's timeout and a loaded machine.
    assert time.monotonic() - started < deadline + TIMEOUT + 5
    [record] = [r for r in caplog.records if r.name.startswith("hcctl")]
    assert_one_sentence(record.getMessage())
    with (
        ping_client(proxy, deadline=deadline, strict=True) as hc,
        pytest.raises(HcctlError) as info,
    ):
        hc.success(check)
    assert_one_sentence(str(info.value))
    started = time.monotonic()
    assert asyncio.run(async_success(proxy, check, deadline=deadline)) is False
    assert time.monotonic() - started < deadline + TIMEOUT + 5


async def async_success(proxy: FaultProxy, check: str, *, deadline: float) -> bool:
    url = proxy.url("/ping/")
    options = {"timeout": TIMEOUT, "deadline": deadline, "backoff": 0.2}
    async with AsyncPingClient(url, **options) as hc:  # type: ignore[arg-type]
        return await hc.success(check)


def test_a_ping_waits_as_long_as_retry_after_says(
    healthchecks_server: HealthchecksServer, proxy: FaultProxy
) -> None:
    check = new_check(healthchecks_server)
    proxy.set(Status(429, retry_after="1"), times=1)
    started = time.monotonic()
    with ping_client(proxy) as hc:
        assert hc.success(check) is True
    assert time.monotonic() - started >= 1.0  # never earlier than asked
    assert (proxy.connections, len(pings(healthchecks_server, check))) == (2, 1)


def test_a_background_client_delivers_what_it_queued_during_an_outage(
    healthchecks_server: HealthchecksServer, proxy: FaultProxy
) -> None:
    check = new_check(healthchecks_server)
    proxy.set(Refuse(), seconds=1.0)
    with ping_client(proxy, background=True, deadline=10.0) as hc:
        for n in range(5):
            assert hc.log(check, body=f"line {n}") is True
        assert hc.flush(20) is True
    numbers = [p["n"] for p in pings(healthchecks_server, check)]
    bodies = sorted(ping_body(healthchecks_server, check, n) for n in numbers)
    assert bodies == [f"line {n}".encode() for n in range(5)]


# --- apply --------------------------------------------------------------------------------------

KEYS = [f"job-{n}" for n in range(6)]


def settings_in(folder: Path, hc: HealthchecksServer) -> Settings:
    tables = [f'[checks.{key}]\nname = "Job {key}"\ntimeout = "5m"\n' for key in KEYS]
    (folder / "healthchecks.toml").write_text("\n".join(tables))
    return Settings(
        api_url=hc.api_url,
        api_key=hc.api_key,
        spec_path=folder / "healthchecks.toml",
        env_file=folder / ".env.healthchecks",
    )


def api_via(proxy: FaultProxy, hc: HealthchecksServer) -> HealthchecksApi:
    return HealthchecksApi(proxy.url("/api/v3/"), hc.api_key, retries=1, timeout=TIMEOUT)


@pytest.mark.parametrize("name", FAULTS)
def test_apply_completes_or_stops_clearly_and_converges(
    healthchecks_server: HealthchecksServer, proxy: FaultProxy, tmp_path: Path, name: str
) -> None:
    hc = healthchecks_server
    settings = settings_in(tmp_path, hc)
    inject(proxy, name, times=4)
    try:
        with api_via(proxy, hc) as api:
            apply(settings=settings, api=api)
    except HcctlError as exc:
        message = str(exc)
        assert message
        assert "\n" not in message
        assert "Traceback" not in message
    proxy.clear()
    with api_via(proxy, hc) as api:
        apply(settings=settings, api=api)
        assert plan(settings=settings, api=api).changes == ()
    on_server = {c["slug"]: c["uuid"] for c in checks(hc)}
    assert Counter(c["slug"] for c in checks(hc)) == Counter(KEYS)
    env = read_env(tmp_path / ".env.healthchecks")
    assert {k: env[f"HC_CHECK_{k.upper().replace('-', '_')}"] for k in KEYS} == on_server
    assert all(uuid.UUID(u) for u in on_server.values())
