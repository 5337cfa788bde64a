"""Pings by ping key and slug: not found, ambiguous, uppercase, auto-provisioning."""

from __future__ import annotations

import pytest

from tests.contract.conftest import Hc


def test_it_pings_by_slug(hc: Hc) -> None:
    check = hc.create()
    response = hc.slug_ping(check["slug"])
    assert (response.status_code, response.text) == (200, "OK")
    assert response.headers["ping-body-limit"].isdigit()
    assert hc.check(check["uuid"])["status"] == "up"


@pytest.mark.parametrize(("suffix", "status"), [("/fail", "down"), ("/1", "down"), ("/0", "up")])
def test_it_takes_the_same_suffixes(hc: Hc, suffix: str, status: str) -> None:
    check = hc.create()
    assert hc.slug_ping(check["slug"], suffix).status_code == 200
    assert hc.check(check["uuid"])["status"] == status


def test_it_starts_by_slug(hc: Hc) -> None:
    check = hc.create()
    assert hc.slug_ping(check["slug"], "/start").status_code == 200
    assert hc.check(check["uuid"])["started"] is True


def test_it_answers_not_found_for_an_unknown_slug(hc: Hc) -> None:
    response = hc.slug_ping(hc.slug("missing"))
    assert (response.status_code, response.text) == (404, "not found")


def test_it_answers_not_found_for_an_unknown_ping_key(hc: Hc) -> None:
    check = hc.create()
    response = hc.ping(f"{'a' * 22}/{check['slug']}")
    assert (response.status_code, response.text) == (404, "not found")
    response = hc.ping(f"{'a' * 22}/{check['slug']}?create=1")
    assert (response.status_code, response.text) == (404, "not found")


def test_it_refuses_uppercase_in_a_slug(hc: Hc) -> None:
    response = hc.slug_ping("Upper")
    assert (response.status_code, response.text) == (400, "invalid url format")


def test_it_refuses_an_ambiguous_slug(hc: Hc) -> None:
    slug = hc.slug()
    first, second = hc.create(slug=slug), hc.create(slug=slug)
    response = hc.slug_ping(slug)
    assert (response.status_code, response.text) == (409, "ambiguous slug")
    assert hc.ping(first["uuid"]).status_code == 200
    assert hc.ping(second["uuid"]).status_code == 200


def test_it_creates_a_check_on_first_ping_with_create(hc: Hc) -> None:
    slug = hc.slug("auto")
    response = hc.slug_ping(slug, "?create=1")
    assert (response.status_code, response.text) == (201, "Created")
    [check] = hc.checks(slug=slug)
    assert (check["name"], check["timeout"], check["grace"]) == (slug, 86400, 3600)
    assert (check["status"], check["n_pings"]) == ("up", 1)
    channels = hc.get("channels/").json()["channels"]
    assert check["channels"] == ",".join(sorted(c["id"] for c in channels))
    again = hc.slug_ping(slug, "?create=1")
    assert (again.status_code, again.text) == (200, "OK")
    assert len(hc.checks(slug=slug)) == 1


def test_it_creates_on_a_start_ping_too(hc: Hc) -> None:
    slug = hc.slug("auto")
    assert hc.slug_ping(slug, "/start?create=1").status_code == 201
    [check] = hc.checks(slug=slug)
    assert (check["status"], check["started"]) == ("new", True)


def test_it_needs_create_to_be_exactly_1(hc: Hc) -> None:
    slug = hc.slug("auto")
    assert hc.slug_ping(slug, "?create=true").status_code == 404
    assert hc.checks(slug=slug) == []
