"""Pause, resume and delete: statuses, 409 on resume, the deleted check returned."""

from __future__ import annotations

from tests.contract.conftest import Hc


def test_it_pauses_a_check(hc: Hc) -> None:
    check = hc.create()
    hc.ping(check["uuid"])
    response = hc.post(f"checks/{check['uuid']}/pause")
    assert response.status_code == 200
    paused = response.json()
    assert (paused["status"], paused["next_ping"]) == ("paused", None)
    assert paused["last_ping"] is not None
    assert hc.check(check["uuid"])["status"] == "paused"


def test_it_pauses_a_paused_check_again_with_200(hc: Hc) -> None:
    check = hc.create()
    hc.post(f"checks/{check['uuid']}/pause")
    response = hc.post(f"checks/{check['uuid']}/pause")
    assert response.status_code == 200
    assert response.json()["status"] == "paused"


def test_it_resumes_a_paused_check_as_new(hc: Hc) -> None:
    check = hc.create()
    hc.ping(check["uuid"])
    hc.post(f"checks/{check['uuid']}/pause")
    response = hc.post(f"checks/{check['uuid']}/resume")
    assert response.status_code == 200
    resumed = response.json()
    assert (resumed["status"], resumed["last_ping"], resumed["next_ping"]) == ("new", None, None)
    assert resumed["n_pings"] == 1


def test_it_refuses_to_resume_a_check_that_is_not_paused(hc: Hc) -> None:
    check = hc.create()
    response = hc.post(f"checks/{check['uuid']}/resume")
    assert response.status_code == 409
    assert response.text == "check is not paused"
    assert response.headers["content-type"].startswith("text/html")


def test_it_needs_post_to_pause(hc: Hc) -> None:
    check = hc.create()
    response = hc.get(f"checks/{check['uuid']}/pause")
    assert response.status_code == 405
    assert hc.check(check["uuid"])["status"] == "new"


def test_it_refuses_pause_with_a_read_only_key(hc: Hc) -> None:
    check = hc.create()
    response = hc.post(f"checks/{check['uuid']}/pause", key="ro")
    assert response.status_code == 401
    assert response.json() == {"error": "wrong api key"}


def test_it_deletes_a_check_and_returns_it(hc: Hc) -> None:
    check = hc.create(channels="*")
    response = hc.request("DELETE", f"checks/{check['uuid']}")
    assert response.status_code == 200
    deleted = response.json()
    assert deleted["uuid"] == check["uuid"]
    assert deleted["name"] == check["name"]
    assert hc.get(f"checks/{check['uuid']}").status_code == 404
    assert hc.mine() == []


def test_it_forgets_a_deleted_uuid_for_good(hc: Hc) -> None:
    check = hc.create()
    hc.request("DELETE", f"checks/{check['uuid']}")
    assert hc.ping(check["uuid"]).status_code == 404
    assert hc.request("DELETE", f"checks/{check['uuid']}").status_code == 404
