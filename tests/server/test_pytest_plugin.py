"""The `healthchecks_server` fixture, as a user's test suite gets it through the entry point."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import httpx


def test_a_job_pings(healthchecks_server):
    hc = healthchecks_server
    headers = {"X-Api-Key": hc.api_key}
    created = httpx.post(hc.api_url + "checks/", json={"slug": "job"}, headers=headers)
    assert created.status_code == 201
    assert httpx.get(hc.ping_url + hc.ping_key + "/job").text == "OK"
    check = httpx.get(created.json()["update_url"], headers=headers).json()
    assert check["status"] == "up"


def test_the_next_test_starts_empty(healthchecks_server):
    hc = healthchecks_server
    listed = httpx.get(hc.api_url + "checks/", headers={"X-Api-Key": hc.api_key})
    assert listed.json() == {"checks": []}
    outsider = httpx.get(hc.api_url + "checks/", headers={"X-Api-Key": hc.outsider.api_key})
    assert outsider.json() == {"checks": []}
    assert hc.db_path.exists()
"""


def test_it_is_registered_for_any_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=2)
