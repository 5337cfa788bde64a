"""POST checks/<uuid>: only the fields sent change; kinds switch; channels are validated."""

from __future__ import annotations

from tests.contract.conftest import Hc, Target


def test_it_changes_only_the_fields_sent(hc: Hc) -> None:
    check = hc.create(name="A", tags="x y", timeout=300, grace=120, desc="d")
    response = hc.post(f"checks/{check['uuid']}", json={"grace": 600})
    assert response.status_code == 200
    updated = response.json()
    assert {**check, "grace": 600} == updated
    assert hc.check(check["uuid"]) == updated


def test_it_does_not_derive_the_slug_from_the_name_in_v3(hc: Hc) -> None:
    check = hc.create(name="A")
    updated = hc.post(f"checks/{check['uuid']}", json={"name": "Other Name"}).json()
    assert (updated["name"], updated["slug"]) == ("Other Name", check["slug"])


def test_it_turns_a_simple_check_into_a_cron_check(hc: Hc) -> None:
    check = hc.create(timeout=300)
    updated = hc.post(f"checks/{check['uuid']}", json={"schedule": "0 3 * * *"}).json()
    assert (updated["schedule"], updated["tz"]) == ("0 3 * * *", "UTC")
    assert "timeout" not in updated


def test_it_turns_a_cron_check_into_a_simple_one_when_sent_a_timeout(hc: Hc) -> None:
    check = hc.create(schedule="0 3 * * *", tz="Europe/Paris")
    updated = hc.post(f"checks/{check['uuid']}", json={"timeout": 600}).json()
    assert updated["timeout"] == 600
    assert "schedule" not in updated
    assert "tz" not in updated


def test_it_keeps_the_cron_kind_when_sent_both(hc: Hc) -> None:
    check = hc.create(schedule="0 3 * * *")
    body = {"schedule": "0 4 * * *", "timeout": 600}
    updated = hc.post(f"checks/{check['uuid']}", json=body).json()
    assert updated["schedule"] == "0 4 * * *"
    assert "timeout" not in updated


def test_it_keeps_the_time_zone_of_a_simple_check(hc: Hc) -> None:
    check = hc.create(timeout=300)
    hc.post(f"checks/{check['uuid']}", json={"tz": "Asia/Tokyo"})
    updated = hc.post(f"checks/{check['uuid']}", json={"schedule": "0 3 * * *"}).json()
    assert updated["tz"] == "Asia/Tokyo"


def test_it_validates_before_changing_anything(hc: Hc) -> None:
    check = hc.create(name="A")
    response = hc.post(f"checks/{check['uuid']}", json={"name": "B", "timeout": 1})
    assert response.status_code == 400
    assert response.json() == {"error": "json validation error: timeout is too small"}
    assert hc.check(check["uuid"])["name"] == "A"


def test_it_assigns_every_channel_with_a_star(hc: Hc) -> None:
    channels = hc.get("channels/").json()["channels"]
    check = hc.create(channels="*")
    assert check["channels"] == ",".join(sorted(c["id"] for c in channels))
    cleared = hc.post(f"checks/{check['uuid']}", json={"channels": ""}).json()
    assert cleared["channels"] == ""


def test_it_assigns_channels_by_name_or_uuid(hc: Hc, target: Target) -> None:
    channels = hc.get("channels/").json()["channels"]
    if not channels:
        return
    first = channels[0]
    check = hc.create(channels=first["id"])
    assert check["channels"] == first["id"]
    names = [c["name"] for c in channels]
    if names.count(first["name"]) == 1:
        by_name = hc.post(f"checks/{check['uuid']}", json={"channels": first["name"]}).json()
        assert by_name["channels"] == first["id"]


def test_it_rejects_unknown_and_empty_channel_identifiers(hc: Hc) -> None:
    check = hc.create(channels="")
    for value, error in [
        ("no-such-channel", "invalid channel identifier: no-such-channel"),
        (",", "empty channel identifier"),
    ]:
        response = hc.post(f"checks/{check['uuid']}", json={"channels": value, "name": "X"})
        assert response.status_code == 400
        assert response.json() == {"error": error}
    assert hc.check(check["uuid"])["name"] == check["name"]


def test_it_answers_404_for_an_unknown_uuid(hc: Hc) -> None:
    response = hc.post("checks/00000000-0000-4000-8000-000000000000", json={"name": "x"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_it_has_no_put_or_patch(hc: Hc) -> None:
    check = hc.create()
    for method in ("PUT", "PATCH"):
        response = hc.request(method, f"checks/{check['uuid']}", json={"name": "x"})
        assert response.status_code == 405
        assert response.content == b""
