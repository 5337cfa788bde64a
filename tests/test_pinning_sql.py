"""SQL pinning on real SQLite, PostgreSQL and MariaDB databases with Healthchecks' column types."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from hcctl.errors import PinError, UuidTaken
from hcctl.pinning import open_pinner
from hcctl.pinning.sql import SqlPinner, open_sql_pinner
from tests.pin_databases import PinDb, mariadb_db, postgres_db, sqlite_db

A = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"
B = "229acece-8847-4ed7-97f4-94c720651ed3"
W = "ed5560b3-ac29-4d5b-adf9-ef59d636dd4f"


def pinner_on(db: PinDb) -> SqlPinner:
    return open_sql_pinner(db.url)


def pin(db: PinDb, current: str, wanted: str) -> None:
    pinner = pinner_on(db)
    try:
        pinner.pin(current, wanted)
    finally:
        pinner.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_it_reads_how_the_column_stores_uuids(db: PinDb) -> None:
    pinner = pinner_on(db)
    assert pinner.storage == db.storage
    pinner.close()


def test_it_pins_the_uuid_in_the_columns_own_form(db: PinDb) -> None:
    row = db.insert(A)
    pin(db, A, W)
    # Same row (history kept), new code stored exactly as the server stores it.
    assert db.rows() == {row: str(db.stored(W))}


def test_it_accepts_uppercase_and_dashless_uuids(db: PinDb) -> None:
    row = db.insert(A)
    pin(db, A.upper(), uuid.UUID(W).hex)
    assert db.rows() == {row: str(db.stored(W))}


def test_it_refuses_a_uuid_that_belongs_to_another_check(db: PinDb) -> None:
    a, b = db.insert(A, "a"), db.insert(B, "b")
    with pytest.raises(UuidTaken, match=f"UUID {B} already belongs to another check") as info:
        pin(db, A, B)
    assert info.value.uuid == B
    assert db.rows() == {a: str(db.stored(A)), b: str(db.stored(B))}


def test_it_reports_a_check_that_is_not_there(db: PinDb) -> None:
    row = db.insert(A)
    with pytest.raises(PinError, match=f"no check with UUID {B} in "):
        pin(db, B, W)
    assert db.rows() == {row: str(db.stored(A))}


def test_it_leaves_a_check_pinned_to_itself_alone(db: PinDb) -> None:
    row = db.insert(A)
    pin(db, A, A)
    assert db.rows() == {row: str(db.stored(A))}


def test_it_rejects_something_that_is_not_a_uuid(db: PinDb) -> None:
    row = db.insert(A)
    with pytest.raises(PinError, match="'nope' is not a UUID"):
        pin(db, A, "nope")
    assert db.rows() == {row: str(db.stored(A))}


def test_it_lets_exactly_one_of_two_racing_machines_take_a_uuid(db: PinDb) -> None:
    ids = {A: db.insert(A, "a"), B: db.insert(B, "b")}
    pinners = {A: pinner_on(db), B: pinner_on(db)}
    outcomes: dict[str, str] = {}

    def race(current: str) -> None:
        try:
            pinners[current].pin(current, W)
            outcomes[current] = "pinned"
        except UuidTaken:
            outcomes[current] = "taken"

    threads = [threading.Thread(target=race, args=(current,)) for current in (A, B)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for pinner in pinners.values():
        pinner.close()
    assert sorted(outcomes.values()) == ["pinned", "taken"]
    winner = A if outcomes[A] == "pinned" else B
    loser = B if winner == A else A
    assert db.rows() == {ids[winner]: str(db.stored(W)), ids[loser]: str(db.stored(loser))}


def test_it_opens_through_open_pinner(db: PinDb) -> None:
    row = db.insert(A)
    pinner = open_pinner(db_url=db.url)
    assert pinner is not None
    pinner.pin(A, W)
    pinner.close()
    assert db.rows() == {row: str(db.stored(W))}


def test_it_rejects_a_sqlite_database_without_api_check(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    sqlite3_create(path, "CREATE TABLE notes (id integer)")
    with pytest.raises(PinError, match="is not a Healthchecks database: it has no table api_check"):
        open_sql_pinner(f"sqlite:///{path}")


def test_it_rejects_a_code_column_of_another_type(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    sqlite3_create(path, "CREATE TABLE api_check (id integer, code integer)")
    with pytest.raises(PinError, match=r"api_check\.code is integer, not char"):
        open_sql_pinner(f"sqlite:///{path}")


def test_it_rejects_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "hc.sqlite"
    path.write_text("hello, not a database\n" * 100)
    with pytest.raises(PinError, match=f"could not read sqlite:///{path}: file is not a database"):
        open_sql_pinner(f"sqlite:///{path}")


def test_it_never_creates_a_missing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.sqlite"
    with pytest.raises(PinError, match=r"could not open sqlite:///.*does the file exist"):
        open_sql_pinner(f"sqlite:///{path}")
    assert not path.exists()


def test_it_reads_relative_and_absolute_sqlite_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite_db(tmp_path)
    db.insert(A)
    monkeypatch.chdir(tmp_path)
    open_sql_pinner("sqlite:///hc.sqlite").close()
    absolute = str(tmp_path / "hc.sqlite")
    assert absolute.startswith("/")
    open_sql_pinner(f"sqlite:///{absolute}").close()  # four slashes


def test_it_rejects_an_unknown_scheme() -> None:
    with pytest.raises(PinError, match=r"unsupported database URL oracle://u:\*\*\*@h/x"):
        open_sql_pinner("oracle://u:hunter2@h/x")


def test_it_never_echoes_a_malformed_url() -> None:
    with pytest.raises(PinError, match="the database URL is malformed") as info:
        open_sql_pinner("postgresql://u:hunter2@h:notaport/x")
    assert "hunter2" not in str(info.value)


def test_it_refuses_both_ways_of_pinning_at_once() -> None:
    with pytest.raises(PinError, match="not both"):
        open_pinner(db_url="sqlite:///x", django_cmd="manage.py")


def test_it_has_no_pinner_without_settings() -> None:
    assert open_pinner() is None


def test_it_keeps_the_password_out_of_an_unreachable_postgres_error() -> None:
    with postgres_db():  # skips when PostgreSQL is not here, like the other tests
        pass
    url = f"postgresql://hc:s3cr%40t-pw@127.0.0.1:{free_port()}/hc"
    with pytest.raises(PinError, match=r"could not connect to postgresql://hc:\*\*\*@127") as info:
        open_sql_pinner(url)
    assert "s3cr" not in str(info.value)


def test_it_keeps_the_password_out_of_a_refused_mariadb_login() -> None:
    with mariadb_db() as maria:
        url = maria.url.replace("root@", "root:s3cr%40t-pw@")
        with pytest.raises(PinError, match=r"Access denied for user 'root'") as info:
            open_sql_pinner(url)
    assert "s3cr" not in str(info.value)
    assert "mysql://root:***@127.0.0.1" in str(info.value)


def test_it_reports_an_unknown_mariadb_database() -> None:
    with mariadb_db() as maria:
        url = maria.url.rsplit("/", 1)[0] + "/hcctl_no_such_db"
    with pytest.raises(PinError, match="Unknown database 'hcctl_no_such_db'"):
        open_sql_pinner(url)


def test_it_rejects_a_postgres_database_without_api_check() -> None:
    with postgres_db(table=False) as pg, pytest.raises(PinError, match="not a Healthchecks"):
        open_sql_pinner(pg.url)


def test_it_rejects_a_mariadb_database_without_api_check() -> None:
    with mariadb_db(table=False) as maria, pytest.raises(PinError, match="not a Healthchecks"):
        open_sql_pinner(maria.url)


@pytest.mark.parametrize(
    ("url", "extra"),
    [("postgresql://h/x", "postgres"), ("mysql://root@h/x", "mysql")],
)
def test_it_names_the_extra_when_a_driver_is_missing(url: str, extra: str) -> None:
    # A separate interpreter where the driver cannot be imported, as on an install without extras.
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.modules['pymysql'] = None\n"
        "from hcctl.pinning import open_pinner\n"
        "from hcctl.errors import PinError\n"
        f"try: open_pinner(db_url={url!r})\n"
        "except PinError as exc: print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith(f"pip install 'hcctl[{extra}]'")


def sqlite3_create(path: Path, ddl: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute(ddl)
    conn.commit()
    conn.close()


def test_it_keeps_the_password_out_of_its_repr_and_errors() -> None:
    with postgres_db() as pg:
        pg.insert(A)
        url = pg.url.replace("postgres@", "postgres:s3cr%40t-pw@")  # trust auth ignores it
        pinner = open_sql_pinner(url)
        with pytest.raises(PinError) as info:
            pinner.pin(B, W)
        pinner.close()
    for text in (repr(pinner), pinner.where, str(info.value)):
        assert "s3cr" not in text
        assert "postgres:***@127.0.0.1" in text


def test_it_gives_up_on_a_lock_held_too_long_and_changes_nothing(db: PinDb) -> None:
    row = db.insert(A)
    blocker = db.connect()  # another writer, in the middle of a transaction on that row
    try:
        blocker.cursor().execute(
            f"UPDATE api_check SET name = 'busy' WHERE code = {db.param}", (db.stored(A),)
        )
        pinner = open_sql_pinner(db.url, timeout=0.5)
        with pytest.raises(PinError, match=r"(?i)could not pin in .*lock"):
            pinner.pin(A, W)
        pinner.close()
    finally:
        blocker.rollback()
        blocker.close()
    assert db.rows() == {row: str(db.stored(A))}


C = "5d3b3c4e-1c1f-4d62-9a3e-2f0c5b7e8a91"
X = "7a1e9f2c-3b4d-4e5f-8a6b-9c0d1e2f3a4b"


def pin_many(db: PinDb, pairs: list[tuple[str, str]]) -> bool:
    pinner = pinner_on(db)
    try:
        return pinner.pin_many(pairs)
    finally:
        pinner.close()


def test_it_pins_many_checks_in_one_go(db: PinDb) -> None:
    a, b = db.insert(A, "a"), db.insert(B, "b")
    assert pin_many(db, [(A, W), (B, X)]) is True
    assert db.rows() == {a: str(db.stored(W)), b: str(db.stored(X))}


@pytest.mark.parametrize(
    "pairs",
    [
        [(A, W), (B, C)],  # C belongs to another check
        [(A, W), (X, B)],  # no check has X
        [(A, W), (B, W)],  # two checks want the same UUID
    ],
    ids=["taken", "missing", "twice"],
)
def test_it_changes_nothing_when_one_of_many_pins_would_fail(
    db: PinDb, pairs: list[tuple[str, str]]
) -> None:
    a, b, c = db.insert(A, "a"), db.insert(B, "b"), db.insert(C, "c")
    pinner = pinner_on(db)
    try:
        assert pinner.pin_many(pairs) is False
        assert db.rows() == {a: str(db.stored(A)), b: str(db.stored(B)), c: str(db.stored(C))}
        # Its connection is usable afterwards: the one-by-one pins that follow still work.
        pinner.pin(A, W)
    finally:
        pinner.close()
    assert db.rows()[a] == str(db.stored(W))
