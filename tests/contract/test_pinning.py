"""Pinning facts: a UUID changed in the database is the check's UUID at once, history kept.

Against a real server these need HCCTL_TEST_DB_URL (its database, e.g. postgresql://...).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from hcctl.errors import UuidTaken
from hcctl.pinning import Pinner, open_pinner
from tests.contract.conftest import Hc, Target


@pytest.fixture
def pinner(target: Target) -> Iterator[Pinner]:
    if target.db_url is None:
        pytest.skip("set HCCTL_TEST_DB_URL to the real server's database to test pinning")
    made = open_pinner(db_url=target.db_url)
    assert made is not None
    yield made
    made.close()


def test_it_answers_on_the_pinned_uuid_at_once_with_history_kept(hc: Hc, pinner: Pinner) -> None:
    check = hc.create()
    assert hc.ping(check["uuid"]).status_code == 200
    wanted = str(uuid.uuid4())
    pinner.pin(check["uuid"], wanted)
    assert hc.ping(wanted).status_code == 200
    assert hc.ping(check["uuid"]).status_code == 404
    pinned = hc.check(wanted)
    assert (pinned["slug"], pinned["n_pings"]) == (check["slug"], 2)
    assert [c["uuid"] for c in hc.mine()] == [wanted]
    assert len(hc.get(f"checks/{wanted}/pings/").json()["pings"]) == 2


def test_it_refuses_the_uuid_of_another_check(hc: Hc, pinner: Pinner) -> None:
    first, second = hc.create(), hc.create(slug=hc.slug("second"))
    with pytest.raises(UuidTaken):
        pinner.pin(first["uuid"], second["uuid"])
    assert sorted(c["uuid"] for c in hc.mine()) == sorted([first["uuid"], second["uuid"]])
