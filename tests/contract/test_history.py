"""GET checks/<uuid>/pings/ and checks/<uuid|unique_key>/flips/."""

from __future__ import annotations

import hashlib
import re
import uuid as uuidlib

from tests.contract.conftest import Hc

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$")


def test_it_lists_pings_newest_first(hc: Hc) -> None:
    check = hc.create()
    rid = str(uuidlib.uuid4())
    hc.ping(f"{check['uuid']}/start?rid={rid}", headers={"User-Agent": "bench/1"})
    hc.ping(f"{check['uuid']}?rid={rid}", method="POST", content=b"done")
    hc.ping(f"{check['uuid']}/log")
    hc.ping(f"{check['uuid']}/7")
    response = hc.get(f"checks/{check['uuid']}/pings/")
    assert response.status_code == 200
    pings = response.json()["pings"]
    assert [p["type"] for p in pings] == ["fail", "log", "success", "start"]
    assert [p["n"] for p in pings] == [4, 3, 2, 1]
    start, success = pings[3], pings[2]
    assert list(start) == [
        "type",
        "date",
        "n",
        "scheme",
        "remote_addr",
        "method",
        "ua",
        "rid",
        "body_url",
    ]
    assert (start["ua"], start["rid"], start["method"], start["scheme"]) == (
        "bench/1",
        rid,
        "GET",
        "http",
    )
    assert DATE.match(start["date"])
    assert success["method"] == "POST"
    assert success["rid"] == rid
    assert success["body_url"].endswith(f"checks/{check['uuid']}/pings/2/body")
    assert success["duration"] >= 0
    assert start["body_url"] is None


def test_it_serves_a_pings_body(hc: Hc) -> None:
    check = hc.create()
    hc.ping(check["uuid"], method="POST", content=b"hello body")
    response = hc.get(f"checks/{check['uuid']}/pings/1/body")
    assert response.status_code == 200
    assert response.content == b"hello body"
    assert response.headers["content-type"].startswith("text/plain")
    assert hc.get(f"checks/{check['uuid']}/pings/2/body").status_code == 404


def test_it_keeps_only_the_body_limit(hc: Hc) -> None:
    check = hc.create()
    response = hc.ping(check["uuid"], method="POST", content=b"x" * 200_000)
    limit = int(response.headers["ping-body-limit"])
    body = hc.get(f"checks/{check['uuid']}/pings/1/body")
    assert len(body.content) == min(limit, 200_000)


def test_it_needs_a_read_write_key_for_pings(hc: Hc) -> None:
    check = hc.create()
    response = hc.get(f"checks/{check['uuid']}/pings/", key="ro")
    assert response.status_code == 401
    assert response.json() == {"error": "wrong api key"}


def test_it_lists_flips(hc: Hc) -> None:
    check = hc.create()
    hc.ping(check["uuid"])
    hc.ping(check["uuid"] + "/fail")
    hc.ping(check["uuid"] + "/fail")
    response = hc.get(f"checks/{check['uuid']}/flips/")
    assert response.status_code == 200
    flips = response.json()["flips"]
    assert [f["up"] for f in flips] == [0, 1]
    assert all(list(f) == ["timestamp", "up"] for f in flips)
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", f["timestamp"]) for f in flips)


def test_it_lists_flips_by_unique_key_with_a_read_only_key(hc: Hc) -> None:
    check = hc.create()
    hc.ping(check["uuid"])
    key = hashlib.sha1(check["uuid"].replace("-", "")[:16].encode()).hexdigest()
    response = hc.get(f"checks/{key}/flips/", key="ro")
    assert response.status_code == 200
    assert [f["up"] for f in response.json()["flips"]] == [1]


def test_it_filters_flips_and_rejects_bad_filters(hc: Hc) -> None:
    check = hc.create()
    hc.ping(check["uuid"])
    assert hc.get(f"checks/{check['uuid']}/flips/?seconds=3600").json()["flips"] != []
    assert hc.get(f"checks/{check['uuid']}/flips/?start=4000000000").json()["flips"] == []
    assert hc.get(f"checks/{check['uuid']}/flips/?end=1").json()["flips"] == []
    for bad in ("seconds=-1", "seconds=x", "start=x", "end=-5", "seconds=31536001"):
        response = hc.get(f"checks/{check['uuid']}/flips/?{bad}")
        assert response.status_code == 400, bad
        assert response.content == b""


def test_it_records_a_pause_and_a_resume_as_flips(hc: Hc) -> None:
    check = hc.create()
    hc.post(f"checks/{check['uuid']}/pause")
    hc.post(f"checks/{check['uuid']}/resume")
    assert [f["up"] for f in hc.get(f"checks/{check['uuid']}/flips/").json()["flips"]] == [0, 0]
