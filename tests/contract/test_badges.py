"""GET badges/ and the badge URLs it hands out."""

from __future__ import annotations

from tests.contract.conftest import Hc


def test_it_lists_badges_per_tag(hc: Hc) -> None:
    tag = hc.prefix
    hc.create(tags=tag)
    response = hc.get("badges/", key="ro")
    assert response.status_code == 200
    badges = response.json()["badges"]
    assert {"*", tag} <= set(badges)
    assert list(badges[tag]) == ["svg", "svg3", "json", "json3", "shields", "shields3"]
    assert badges[tag]["svg"].endswith(f"/{tag}.svg")


def test_its_badges_answer(hc: Hc) -> None:
    tag = hc.prefix
    check = hc.create(tags=tag)
    hc.ping(check["uuid"] + "/fail")
    urls = hc.get("badges/").json()["badges"][tag]
    as_json = hc.http.get(urls["json"])
    assert as_json.status_code == 200
    assert as_json.json() == {"status": "down", "total": 1, "grace": 0, "down": 1}
    shields = hc.http.get(urls["shields3"]).json()
    assert (shields["label"], shields["message"], shields["color"]) == (tag, "down", "critical")
    svg = hc.http.get(urls["svg"])
    assert svg.headers["content-type"] == "image/svg+xml"


def test_it_answers_404_to_a_forged_badge(hc: Hc) -> None:
    tag = hc.prefix
    hc.create(tags=tag)
    url = hc.get("badges/").json()["badges"][tag]["json"]
    forged = url.replace(f"/{tag}.json", "/other.json")
    assert hc.http.get(forged).status_code == 404


def test_it_serves_a_checks_own_badge(hc: Hc) -> None:
    check = hc.create(name="Backup")
    hc.ping(check["uuid"])
    response = hc.http.get(check["badge_url"].replace(".svg", ".json"))
    assert response.json() == {"status": "up", "total": 1, "grace": 0, "down": 0}
    shields = hc.http.get(check["badge_url"].replace(".svg", ".shields")).json()
    assert (shields["label"], shields["message"]) == ("Backup", "up")
