"""Many processes and threads at once: one check per spec entry, every ping recorded.

Ten applies at once (pinned on the local server's SQLite, and hosted) are in
tests/test_apply_races.py; fifty processes sending the first ping of the same missing check are
in tests/test_ping_provision.py. Here: ten machines pinning at once on real PostgreSQL and
MariaDB `api_check` tables, and eight threads sharing one background PingClient.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from hcctl.ping import PingClient
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.pin_databases import PinDb
from tests.pinghelp import checks, new_check
from tests.zygote import Zygote

MACHINES = 10
KEYS = 4


def insert_all(db: PinDb, codes: list[str]) -> None:
    """Insert check rows the way the server stores them, over one connection."""
    conn = db.connect()
    try:
        cur = conn.cursor()
        for code in codes:
            sql = f"INSERT INTO api_check (code, name) VALUES ({db.param}, {db.param})"
            cur.execute(sql, (db.stored(code), "check"))
        conn.commit()
    finally:
        conn.close()


def bodies_of(hc: HealthchecksServer, check: str) -> Counter[str]:
    with httpx.Client(headers={"X-Api-Key": hc.api_key}, timeout=10) as client:
        found = client.get(f"{hc.api_url}checks/{check}/pings/").json()["pings"]
        urls = [f"{hc.api_url}checks/{check}/pings/{p['n']}/body" for p in found]
        return Counter(client.get(url).text for url in urls)


def test_ten_machines_pinning_at_once_give_each_uuid_to_exactly_one_check(
    db: PinDb, tmp_path: Path
) -> None:
    # Each machine created its own check per key (the race hosted mode lets happen), then all
    # pin their copy to the spec's UUID at the same moment: exactly one copy may get it.
    wanted = [str(uuid.uuid4()) for _ in range(KEYS)]
    created = [[str(uuid.uuid4()) for _ in range(KEYS)] for _ in range(MACHINES)]
    insert_all(db, [code for machine in created for code in machine])
    start_at = time.time() + 1.0
    with Zygote(tmp_path) as zygote:
        started = [
            zygote.call(
                tmp_path,
                "tests.reliability.workers:pin_all",
                db.url,
                [[c, w] for c, w in zip(machine, wanted, strict=True)],
                start_at,
            )
            for machine in created
        ]
        assert [zygote.wait(pid) for pid, _ in started] == [0] * MACHINES
    outcomes = Counter(line for _, out in started for line in out.read_text().split())
    assert outcomes == {"pinned": KEYS, "taken": KEYS * (MACHINES - 1)}
    stored = Counter(db.rows().values())
    assert all(stored[str(db.stored(w))] == 1 for w in wanted)
    assert sum(stored.values()) == KEYS * MACHINES  # nothing lost, nothing added


def test_eight_threads_sharing_one_background_client_lose_no_ping(
    healthchecks_server: HealthchecksServer,
) -> None:
    check = new_check(healthchecks_server)
    per_thread = 8
    hc = PingClient(healthchecks_server.ping_url, background=True, queue_size=1000)

    def send(thread: int) -> None:
        for n in range(per_thread):
            assert hc.log(check, body=f"{thread}-{n}") is True

    threads = [threading.Thread(target=send, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert hc.flush(60) is True
    hc.close()
    assert hc.dropped == 0
    assert bodies_of(healthchecks_server, check) == Counter(
        f"{t}-{n}" for t in range(8) for n in range(per_thread)
    )
    [listed] = checks(healthchecks_server)
    assert listed["n_pings"] == 8 * per_thread
