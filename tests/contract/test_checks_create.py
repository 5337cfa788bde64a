"""POST checks/: create with defaults, every field, validation errors, `unique` upserts."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.contract.conftest import Hc, Target

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
RW_KEYS = [
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
    "uuid",
    "ping_url",
    "update_url",
    "pause_url",
    "resume_url",
    "channels",
]


def test_it_creates_a_check_with_the_defaults(hc: Hc, target: Target) -> None:
    slug = hc.slug()
    response = hc.post("checks/", json={"slug": slug})
    assert response.status_code == 201
    check = response.json()
    assert list(check) == [*RW_KEYS, "timeout"]
    assert check["name"] == ""
    assert check["slug"] == slug
    assert (check["timeout"], check["grace"]) == (86400, 3600)
    assert (check["status"], check["n_pings"], check["started"]) == ("new", 0, False)
    assert (check["last_ping"], check["next_ping"]) == (None, None)
    assert check["channels"] == ""
    uuid = check["uuid"]
    assert check["ping_url"] == target.ping_url + uuid
    assert check["update_url"] == target.api_url + f"checks/{uuid}"
    assert check["pause_url"] == target.api_url + f"checks/{uuid}/pause"
    assert check["resume_url"] == target.api_url + f"checks/{uuid}/resume"
    assert check["badge_url"].startswith(target.site_url + "/b/2/")
    assert hc.check(uuid) == check


def test_it_creates_a_check_with_every_field(hc: Hc) -> None:
    body: dict[str, Any] = {
        "name": "Backup",
        "slug": hc.slug("backup"),
        "tags": "prod db",
        "desc": "nightly",
        "timeout": 3600,
        "grace": 120,
        "manual_resume": True,
        "methods": "POST",
        "start_kw": "go",
        "success_kw": "ok,done",
        "failure_kw": "error",
        "filter_subject": False,
        "filter_body": True,
        "filter_http_body": True,
        "filter_default_fail": True,
    }
    check = hc.create(**body)
    for key, value in body.items():
        assert check[key] == value, key
    assert (check["subject"], check["subject_fail"]) == ("", "")


def test_it_creates_a_cron_check_without_timeout(hc: Hc) -> None:
    check = hc.create(schedule="*/5 * * * *", tz="Europe/Paris", timeout=120)
    assert check["schedule"] == "*/5 * * * *"
    assert check["tz"] == "Europe/Paris"
    assert "timeout" not in check
    assert list(check)[-2:] == ["schedule", "tz"]


def test_it_creates_an_oncalendar_check(hc: Hc) -> None:
    check = hc.create(schedule="Mon..Fri 09:00\nSat 10:00")
    assert check["schedule"] == "Mon..Fri 09:00\nSat 10:00"
    assert check["tz"] == "UTC"


def test_it_canonicalises_a_legacy_time_zone(hc: Hc) -> None:
    check = hc.create(schedule="0 3 * * *", tz="Europe/Kiev")
    assert check["tz"] == "Europe/Kyiv"


def test_it_maps_subject_to_keywords(hc: Hc) -> None:
    check = hc.create(subject="SUCCESS", subject_fail="FAIL")
    assert (check["success_kw"], check["failure_kw"]) == ("SUCCESS", "FAIL")
    assert check["filter_subject"] is True
    assert (check["subject"], check["subject_fail"]) == ("SUCCESS", "FAIL")


def test_it_ignores_uuid_code_and_unknown_keys(hc: Hc) -> None:
    wanted = str(uuid.uuid4())
    check = hc.create(uuid=wanted, code=wanted, colour="blue")
    assert check["uuid"] != wanted
    assert "colour" not in check


def test_it_lets_two_checks_share_a_slug(hc: Hc) -> None:
    slug = hc.slug()
    first, second = hc.create(slug=slug), hc.create(slug=slug)
    assert first["uuid"] != second["uuid"]
    assert {c["uuid"] for c in hc.checks(slug=slug)} == {first["uuid"], second["uuid"]}


INVALID = [
    ({"name": 1}, "name is not a string"),
    ({"name": "x" * 101}, "name is too long"),
    ({"slug": "Has Caps"}, "slug does not match pattern"),
    ({"slug": "x" * 101}, "slug is too long"),
    ({"tags": ["a"]}, "tags is not a string"),
    ({"desc": None}, "desc is not a string"),
    ({"timeout": 59}, "timeout is too small"),
    ({"timeout": 31536001}, "timeout is too large"),
    ({"timeout": "60"}, "timeout is not a number"),
    ({"timeout": 60.5}, "timeout is not a number"),
    ({"timeout": None}, "timeout is not a number"),
    ({"timeout": True}, "timeout is too small"),
    ({"grace": 1}, "grace is too small"),
    ({"grace": 99999999}, "grace is too large"),
    ({"schedule": "* * * *"}, "schedule is not a valid cron or OnCalendar expression"),
    ({"schedule": "61 * * * *"}, "schedule is not a valid cron or OnCalendar expression"),
    ({"schedule": "x" * 101}, "schedule is too long"),
    ({"schedule": 5}, "schedule is not a string"),
    ({"tz": "Mars/Base"}, "tz is not a valid timezone"),
    ({"tz": 1}, "tz is not a string"),
    ({"methods": "GET"}, "methods has unexpected value"),
    ({"methods": 1}, "methods has unexpected value"),
    ({"manual_resume": "yes"}, "manual_resume is not a boolean"),
    ({"manual_resume": 1}, "manual_resume is not a boolean"),
    ({"filter_body": None}, "filter_body is not a boolean"),
    ({"success_kw": "x" * 201}, "success_kw is too long"),
    ({"subject": "x" * 201}, "subject is too long"),
    ({"channels": 1}, "channels is not a string"),
    ({"unique": "name"}, "unique is not an array"),
    ({"unique": ["uuid"]}, "an item in 'unique' has unexpected value"),
    # Only the first problem, in the server's field order (grace before name, name before tz).
    ({"tz": "nowhere", "name": 5, "grace": 5}, "grace is too small"),
]


@pytest.mark.parametrize(("body", "problem"), INVALID)
def test_it_rejects_invalid_fields(hc: Hc, body: dict[str, Any], problem: str) -> None:
    response = hc.post("checks/", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": f"json validation error: {problem}"}
    assert hc.mine() == []


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"{", "could not parse request body"),
        (b"\xff\xfe", "could not parse request body"),
        (b"[1, 2]", "json validation error: value is not an object"),
        (b'"text"', "json validation error: value is not an object"),
    ],
)
def test_it_rejects_a_body_that_is_not_an_object(hc: Hc, content: bytes, error: str) -> None:
    response = hc.post("checks/", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_it_accepts_an_empty_body_as_no_fields(hc: Hc) -> None:
    response = hc.post("checks/", content=b"")
    assert response.status_code == 201
    hc.http.delete(
        hc.target.api_url + f"checks/{response.json()['uuid']}",
        headers={"X-Api-Key": hc.target.api_key},
    )


def test_it_ignores_the_content_type(hc: Hc) -> None:
    slug = hc.slug()
    response = hc.post(
        "checks/", content=f'{{"slug": "{slug}"}}'.encode(), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 201
    assert response.json()["slug"] == slug


# --- unique ------------------------------------------------------------------------------------


def test_it_updates_the_match_named_by_unique(hc: Hc) -> None:
    slug = hc.slug()
    first = hc.create(slug=slug, name="A", tags="x", timeout=300)
    response = hc.post("checks/", json={"slug": slug, "unique": ["slug"], "grace": 600})
    assert response.status_code == 200
    again = response.json()
    assert again["uuid"] == first["uuid"]
    assert (again["grace"], again["timeout"], again["tags"], again["name"]) == (600, 300, "x", "A")
    assert len(hc.mine()) == 1


def test_it_creates_when_unique_finds_nothing(hc: Hc) -> None:
    hc.create(name="A", slug=hc.slug("a"))
    response = hc.post("checks/", json={"name": "B", "slug": hc.slug("b"), "unique": ["name"]})
    assert response.status_code == 201
    assert len(hc.mine()) == 2


def test_it_creates_when_a_unique_field_is_missing_from_the_body(hc: Hc) -> None:
    slug = hc.slug()
    hc.create(slug=slug, name="")
    response = hc.post("checks/", json={"slug": slug, "unique": ["slug", "name"]})
    assert response.status_code == 201
    assert len(hc.checks(slug=slug)) == 2


def test_it_matches_tags_as_one_string(hc: Hc) -> None:
    slug = hc.slug()
    hc.create(slug=slug, tags="a b")
    same = hc.post("checks/", json={"slug": slug, "tags": "a b", "unique": ["tags", "slug"]})
    other = hc.post("checks/", json={"slug": slug, "tags": "b a", "unique": ["tags", "slug"]})
    assert (same.status_code, other.status_code) == (200, 201)


def test_it_matches_timeout_and_grace(hc: Hc) -> None:
    slug = hc.slug()
    first = hc.create(slug=slug, timeout=300, grace=60)
    body = {"slug": slug, "timeout": 300, "grace": 60, "unique": ["slug", "timeout", "grace"]}
    response = hc.post("checks/", json=body)
    assert response.status_code == 200
    assert response.json()["uuid"] == first["uuid"]


def test_it_treats_an_empty_unique_as_plain_create(hc: Hc) -> None:
    slug = hc.slug()
    hc.create(slug=slug)
    assert hc.post("checks/", json={"slug": slug, "unique": []}).status_code == 201


def test_it_keeps_the_timestamps_at_whole_seconds(hc: Hc) -> None:
    check = hc.create()
    assert hc.ping(check["uuid"]).status_code == 200
    again = hc.check(check["uuid"])
    assert ISO.match(again["last_ping"])
    assert ISO.match(again["next_ping"])
