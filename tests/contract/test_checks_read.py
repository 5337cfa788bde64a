"""GET checks/ and checks/<uuid|unique_key>: filters and the two key kinds' shapes."""

from __future__ import annotations

import hashlib

from tests.contract.conftest import Hc

RO_KEYS = [
    "name",
    "slug",
    "tags",
    "desc",
    "grace",
    "n_pings",
    "status",
    "started",
    "last_ping",
    "next_ping",
    "manual_resume",
    "methods",
    "subject",
    "subject_fail",
    "start_kw",
    "success_kw",
    "failure_kw",
    "filter_subject",
    "filter_body",
    "filter_http_body",
    "filter_default_fail",
    "badge_url",
    "unique_key",
]


def _unique_key(uuid: str) -> str:
    return hashlib.sha1(uuid.replace("-", "")[:16].encode()).hexdigest()


def test_it_lists_checks_in_an_object(hc: Hc) -> None:
    check = hc.create()
    response = hc.get("checks/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert check in response.json()["checks"]


def test_it_shows_a_unique_key_instead_of_the_uuid_to_a_read_only_key(hc: Hc) -> None:
    check = hc.create(timeout=300)
    listed = [c for c in hc.get("checks/", key="ro").json()["checks"] if c["slug"] == check["slug"]]
    assert len(listed) == 1
    item = listed[0]
    assert list(item) == [*RO_KEYS, "timeout"]
    assert item["unique_key"] == _unique_key(check["uuid"])
    assert "uuid" not in item
    assert "channels" not in item


def test_it_gets_one_check_by_uuid_with_either_key(hc: Hc) -> None:
    check = hc.create(schedule="0 3 * * *")
    assert hc.get(f"checks/{check['uuid']}").json() == check
    read_only = hc.get(f"checks/{check['uuid']}", key="ro").json()
    assert list(read_only) == [*RO_KEYS, "schedule", "tz"]


def test_it_gets_one_check_by_unique_key(hc: Hc) -> None:
    check = hc.create()
    key = _unique_key(check["uuid"])
    assert hc.get(f"checks/{key}", key="ro").json()["unique_key"] == key
    assert hc.get(f"checks/{key}").json() == check


def test_it_answers_an_empty_404_for_an_unknown_unique_key(hc: Hc) -> None:
    response = hc.get("checks/" + "0" * 40, key="ro")
    assert response.status_code == 404
    assert response.content == b""


def test_it_answers_an_html_404_for_an_unknown_uuid(hc: Hc) -> None:
    response = hc.get("checks/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_it_filters_by_slug(hc: Hc) -> None:
    wanted = hc.create(slug=hc.slug("a"))
    hc.create(slug=hc.slug("b"))
    assert [c["uuid"] for c in hc.checks(slug=wanted["slug"])] == [wanted["uuid"]]
    assert hc.checks(slug=hc.slug("none")) == []


def test_it_filters_by_whole_tags_all_of_them(hc: Hc) -> None:
    tag = hc.prefix
    both = hc.create(tags=f"{tag}-a {tag}-b")
    only_a = hc.create(tags=f"{tag}-a")
    hc.create(tags=f"{tag}-ab")
    tagged_a = {c["uuid"] for c in hc.checks(tag=f"{tag}-a")}
    assert tagged_a == {both["uuid"], only_a["uuid"]}
    tagged_ab = hc.get("checks/", params=[("tag", f"{tag}-a"), ("tag", f"{tag}-b")])
    assert [c["uuid"] for c in tagged_ab.json()["checks"]] == [both["uuid"]]
