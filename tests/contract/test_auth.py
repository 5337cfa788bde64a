"""API keys: missing, wrong, read-only on a write, in the body, another project's check."""

from __future__ import annotations

import pytest

from tests.contract.conftest import Hc, Target


def test_it_rejects_a_missing_key(hc: Hc) -> None:
    response = hc.get("checks/", key=None)
    assert response.status_code == 401
    assert response.json() == {"error": "missing api key"}
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("key", ["", "short", "x" * 31, "x" * 33])
def test_it_calls_a_key_of_the_wrong_length_missing(hc: Hc, key: str) -> None:
    response = hc.get("checks/", key=key)
    assert response.status_code == 401
    assert response.json() == {"error": "missing api key"}


@pytest.mark.parametrize("key", ["x" * 32, "hcw_" + "a" * 28, "hcr_" + "b" * 28])
def test_it_rejects_an_unknown_key(hc: Hc, key: str) -> None:
    response = hc.get("checks/", key=key)
    assert response.status_code == 401
    assert response.json() == {"error": "wrong api key"}


def test_it_rejects_a_read_only_key_on_a_write_with_401(hc: Hc) -> None:
    response = hc.post("checks/", key="ro", json={"name": hc.slug()})
    assert response.status_code == 401
    assert response.json() == {"error": "wrong api key"}
    assert hc.mine() == []


def test_it_rejects_a_read_only_key_on_channels(hc: Hc) -> None:
    response = hc.get("channels/", key="ro")
    assert response.status_code == 401
    assert response.json() == {"error": "wrong api key"}


def test_it_accepts_the_key_in_a_post_body(hc: Hc, target: Target) -> None:
    slug = hc.slug()
    response = hc.post("checks/", key=None, json={"api_key": target.api_key, "slug": slug})
    assert response.status_code == 201
    assert [c["slug"] for c in hc.mine()] == [slug]


def test_it_ignores_a_key_in_the_body_of_a_get(hc: Hc, target: Target) -> None:
    response = hc.request("GET", "checks/", key=None, json={"api_key": target.api_key})
    assert response.status_code == 401
    assert response.json() == {"error": "missing api key"}


def test_it_prefers_the_header_to_the_body(hc: Hc, target: Target) -> None:
    response = hc.post("checks/", key="x" * 32, json={"api_key": target.api_key})
    assert response.status_code == 401
    assert response.json() == {"error": "wrong api key"}


def test_it_parses_the_body_before_looking_at_the_key(hc: Hc) -> None:
    response = hc.post("checks/", key=None, content=b"{not json")
    assert response.status_code == 400
    assert response.json() == {"error": "could not parse request body"}


def test_it_forbids_another_projects_check(hc: Hc, target: Target) -> None:
    if target.outsider_api_key is None:
        pytest.skip("no HCCTL_TEST_OUTSIDER_API_KEY for the real server")
    check = hc.create()
    for method, path in [
        ("GET", f"checks/{check['uuid']}"),
        ("POST", f"checks/{check['uuid']}"),
        ("DELETE", f"checks/{check['uuid']}"),
        ("POST", f"checks/{check['uuid']}/pause"),
        ("GET", f"checks/{check['uuid']}/pings/"),
    ]:
        response = hc.request(method, path, key=target.outsider_api_key)
        assert response.status_code == 403, (method, path)
        assert response.content == b""
    assert hc.check(check["uuid"])["status"] == "new"


def test_it_does_not_list_another_projects_checks(hc: Hc, target: Target) -> None:
    if target.outsider_api_key is None:
        pytest.skip("no HCCTL_TEST_OUTSIDER_API_KEY for the real server")
    hc.create()
    response = hc.get("checks/", key=target.outsider_api_key)
    assert response.status_code == 200
    assert [c for c in response.json()["checks"] if c["slug"].startswith(hc.prefix)] == []
