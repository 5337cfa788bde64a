"""Status rules: new, up, grace, down, paused; next_ping from timeout or schedule in its tz."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hcctl.server.pytest_plugin import HealthchecksServer
from hcctl.server.status import grace_start, status_of
from hcctl.server.store import CheckRow

NOW = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


def _check(**fields: object) -> CheckRow:
    return CheckRow(id=1, code=uuid.uuid4(), project_id=1, **fields)  # type: ignore[arg-type]


def _up(last_ping: datetime, **fields: object) -> CheckRow:
    return _check(status="up", last_ping=last_ping, **fields)


@pytest.mark.parametrize(
    ("ago", "status"),
    [
        (timedelta(seconds=0), "up"),
        (timedelta(seconds=299), "up"),
        (timedelta(seconds=300), "grace"),
        (timedelta(seconds=359), "grace"),
        (timedelta(seconds=360), "down"),
    ],
)
def test_it_goes_through_grace_to_down(ago: timedelta, status: str) -> None:
    check = _up(NOW - ago, timeout=300, grace=60)
    assert status_of(check, at=NOW) == status


def test_it_keeps_new_paused_and_down() -> None:
    for status in ("new", "paused", "down"):
        assert status_of(_check(status=status), at=NOW) == status
        assert grace_start(_check(status=status)) is None


def test_it_expects_a_simple_check_after_its_timeout() -> None:
    assert grace_start(_up(NOW, timeout=3600)) == NOW + timedelta(hours=1)


def test_it_expects_a_cron_check_at_the_next_time_in_its_zone() -> None:
    # 03:00 in Paris on 29 March 2026 is after the switch to summer time: 01:00 UTC.
    check = _up(NOW, kind="cron", schedule="0 3 * * *", tz="Europe/Paris")
    assert grace_start(check) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_it_expects_an_oncalendar_check_at_the_next_time() -> None:
    check = _up(NOW, kind="oncalendar", schedule="Mon..Fri 09:00", tz="America/New_York")
    # 28 March 2026 is a Saturday: next is Monday 30 March, 09:00 EDT = 13:00 UTC.
    assert grace_start(check) == datetime(2026, 3, 30, 13, 0, tzinfo=UTC)


def test_it_counts_grace_from_the_cron_time() -> None:
    check = _up(NOW, kind="cron", schedule="0 * * * *", grace=600)
    assert status_of(check, at=datetime(2026, 3, 28, 13, 5, tzinfo=UTC)) == "grace"
    assert status_of(check, at=datetime(2026, 3, 28, 13, 10, tzinfo=UTC)) == "down"


def test_it_goes_down_when_a_run_outlasts_the_grace() -> None:
    started = _check(status="new", last_start=NOW, grace=60)
    assert status_of(started, at=NOW + timedelta(seconds=59)) == "new"
    assert status_of(started, at=NOW + timedelta(seconds=60)) == "down"
    assert status_of(started, at=NOW, with_started=True) == "started"


def test_it_expects_a_running_check_by_its_start() -> None:
    check = _up(NOW, timeout=3600, last_start=NOW + timedelta(minutes=5))
    assert grace_start(check) == NOW + timedelta(minutes=5)
    assert grace_start(check, with_started=False) == NOW + timedelta(hours=1)


def test_the_api_shows_grace_and_down_as_time_passes(
    healthchecks_server: HealthchecksServer,
) -> None:
    srv = healthchecks_server
    headers = {"X-Api-Key": srv.api_key}
    created = httpx.post(
        srv.api_url + "checks/", json={"timeout": 60, "grace": 60}, headers=headers
    ).json()
    assert httpx.get(srv.ping_url + created["uuid"]).status_code == 200

    def shift(seconds: int) -> str:
        # Move the last ping back in time, the way the clock would.
        when = (datetime.now(UTC) - timedelta(seconds=seconds)).replace(tzinfo=None)
        with sqlite3.connect(srv.db_path) as conn:
            conn.execute(
                "UPDATE api_check SET last_ping = ? WHERE code = ?",
                (when.isoformat(sep=" "), uuid.UUID(created["uuid"]).hex),
            )
        status: str = httpx.get(created["update_url"], headers=headers).json()["status"]
        return status

    assert shift(30) == "up"
    assert shift(90) == "grace"
    assert shift(150) == "down"


def test_it_measures_last_duration_from_a_rid_pair(
    healthchecks_server: HealthchecksServer,
) -> None:
    srv = healthchecks_server
    headers = {"X-Api-Key": srv.api_key}
    created = httpx.post(srv.api_url + "checks/", json={}, headers=headers).json()
    rid = str(uuid.uuid4())
    assert httpx.get(srv.ping_url + created["uuid"] + f"/start?rid={rid}").status_code == 200
    started = (datetime.now(UTC) - timedelta(seconds=125)).replace(tzinfo=None)
    with sqlite3.connect(srv.db_path) as conn:
        conn.execute(
            "UPDATE api_check SET last_start = ? WHERE code = ?",
            (started.isoformat(sep=" "), uuid.UUID(created["uuid"]).hex),
        )
    other = str(uuid.uuid4())
    httpx.get(srv.ping_url + created["uuid"] + f"?rid={other}")  # another run's end
    assert "last_duration" not in httpx.get(created["update_url"], headers=headers).json()
    assert httpx.get(created["update_url"], headers=headers).json()["started"] is True
    httpx.get(srv.ping_url + created["uuid"] + f"?rid={rid}")
    check = httpx.get(created["update_url"], headers=headers).json()
    assert check["started"] is False
    assert 124 <= check["last_duration"] <= 140
