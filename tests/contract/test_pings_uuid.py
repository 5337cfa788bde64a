"""Pings by UUID: answers, headers, suffixes, exit codes, rid, bodies, methods, status effects."""

from __future__ import annotations

import uuid as uuidlib

import pytest

from tests.contract.conftest import Hc

UNKNOWN = str(uuidlib.uuid4())  # random: other tests pin the seeds' UUIDs on the same server


def test_it_answers_ok_with_its_headers(hc: Hc) -> None:
    check = hc.create()
    response = hc.ping(check["uuid"])
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["ping-body-limit"].isdigit()
    after = hc.check(check["uuid"])
    assert (after["status"], after["n_pings"]) == ("up", 1)
    assert after["next_ping"] is not None


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT"])
def test_it_accepts_every_method(hc: Hc, method: str) -> None:
    check = hc.create()
    assert hc.ping(check["uuid"], method=method).status_code == 200
    assert hc.check(check["uuid"])["status"] == "up"


def test_it_accepts_a_trailing_slash(hc: Hc) -> None:
    check = hc.create()
    assert hc.ping(check["uuid"] + "/").status_code == 200


def test_it_answers_not_found_for_an_unknown_uuid(hc: Hc) -> None:
    response = hc.ping(UNKNOWN)
    assert response.status_code == 404
    assert response.text == "not found"


@pytest.mark.parametrize("path", [UNKNOWN.upper(), UNKNOWN.replace("-", ""), "not-a-uuid"])
def test_it_does_not_route_malformed_uuids(hc: Hc, path: str) -> None:
    response = hc.ping(path)
    assert response.status_code == 404
    assert response.text != "not found"
    assert response.headers["content-type"].startswith("text/html")


def test_it_marks_a_failure(hc: Hc) -> None:
    check = hc.create()
    assert hc.ping(check["uuid"] + "/fail").text == "OK"
    assert hc.check(check["uuid"])["status"] == "down"


@pytest.mark.parametrize(("code", "status"), [("0", "up"), ("1", "down"), ("255", "down")])
def test_it_reads_exit_statuses(hc: Hc, code: str, status: str) -> None:
    check = hc.create()
    assert hc.ping(f"{check['uuid']}/{code}").status_code == 200
    assert hc.check(check["uuid"])["status"] == status


def test_it_refuses_an_exit_status_over_255(hc: Hc) -> None:
    check = hc.create()
    response = hc.ping(f"{check['uuid']}/256")
    assert response.status_code == 400
    assert response.text == "invalid url format"
    assert hc.check(check["uuid"])["n_pings"] == 0


def test_it_starts_and_measures_a_run(hc: Hc) -> None:
    check = hc.create()
    rid = str(uuidlib.uuid4())
    assert hc.ping(f"{check['uuid']}/start?rid={rid}").status_code == 200
    started = hc.check(check["uuid"])
    assert (started["started"], started["status"], started["last_ping"]) == (True, "new", None)
    assert hc.ping(f"{check['uuid']}?rid={rid}").status_code == 200
    done = hc.check(check["uuid"])
    assert (done["started"], done["status"], done["n_pings"]) == (False, "up", 2)
    assert "last_duration" not in done or done["last_duration"] >= 0


def test_it_refuses_a_malformed_rid(hc: Hc) -> None:
    check = hc.create()
    response = hc.ping(f"{check['uuid']}?rid=nope")
    assert response.status_code == 400
    assert response.text == "invalid uuid format"
    assert hc.check(check["uuid"])["n_pings"] == 0


def test_it_logs_without_changing_the_status(hc: Hc) -> None:
    check = hc.create()
    assert hc.ping(check["uuid"] + "/log", method="POST", content=b"hello").status_code == 200
    after = hc.check(check["uuid"])
    assert (after["status"], after["n_pings"], after["last_ping"]) == ("new", 1, None)


def test_it_ignores_get_when_only_post_counts(hc: Hc) -> None:
    check = hc.create(methods="POST")
    assert hc.ping(check["uuid"]).status_code == 200
    assert hc.check(check["uuid"])["status"] == "new"
    assert hc.ping(check["uuid"], method="POST").status_code == 200
    assert hc.check(check["uuid"])["status"] == "up"


def test_it_ignores_pings_to_a_paused_manual_resume_check(hc: Hc) -> None:
    check = hc.create(manual_resume=True)
    hc.post(f"checks/{check['uuid']}/pause")
    assert hc.ping(check["uuid"]).status_code == 200
    after = hc.check(check["uuid"])
    assert (after["status"], after["n_pings"]) == ("paused", 1)


def test_it_unpauses_a_paused_check_on_a_ping(hc: Hc) -> None:
    check = hc.create()
    hc.post(f"checks/{check['uuid']}/pause")
    hc.ping(check["uuid"])
    assert hc.check(check["uuid"])["status"] == "up"


def test_it_accepts_a_body_up_to_25_mib(hc: Hc) -> None:
    check = hc.create()
    assert hc.ping(check["uuid"], method="POST", content=b"x" * 2_621_440).status_code == 200


def test_it_refuses_a_body_over_25_mib(hc: Hc) -> None:
    check = hc.create()
    response = hc.ping(check["uuid"], method="POST", content=b"x" * (2_621_440 + 1))
    assert response.status_code == 400
    assert hc.check(check["uuid"])["n_pings"] == 0


def test_it_uses_keywords_with_filter_http_body(hc: Hc) -> None:
    body = {"filter_http_body": True, "success_kw": "ALL GOOD", "failure_kw": "ERROR"}
    check = hc.create(**body)
    hc.ping(check["uuid"], method="POST", content=b"an ERROR happened")
    assert hc.check(check["uuid"])["status"] == "down"
    hc.ping(check["uuid"], method="POST", content=b"ALL GOOD")
    assert hc.check(check["uuid"])["status"] == "up"
    hc.ping(check["uuid"] + "/fail", method="POST", content=b"nothing to see")
    assert hc.check(check["uuid"])["status"] == "up"


def test_it_reads_keywords_in_a_body_that_is_not_utf8(hc: Hc) -> None:
    # Known divergence: the real server answers 500 here; the local one decodes leniently.
    if hc.target.kind == "real":
        pytest.skip("the real server answers 500 to a non-UTF-8 body with filter_http_body")
    check = hc.create(filter_http_body=True, success_kw="ok")
    assert hc.ping(check["uuid"], method="POST", content=b"\xff\xfe ok").status_code == 200
    assert hc.check(check["uuid"])["status"] == "up"
