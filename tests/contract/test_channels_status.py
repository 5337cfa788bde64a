"""GET channels/ (read-write key only) and GET status/ (no key)."""

from __future__ import annotations

import re

from tests.contract.conftest import Hc

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_it_lists_the_projects_integrations(hc: Hc) -> None:
    response = hc.get("channels/")
    assert response.status_code == 200
    channels = response.json()["channels"]
    for channel in channels:
        assert list(channel) == ["id", "name", "kind"]
        assert UUID.match(channel["id"])


def test_it_answers_status_ok_without_a_key(hc: Hc) -> None:
    response = hc.get("status/", key=None)
    assert response.status_code == 200
    assert response.text == "OK"
