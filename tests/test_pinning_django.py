"""Pinning through `manage.py shell`: a real Django (tests/django_standin) on a real database."""

from __future__ import annotations

import json
import shlex
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hcctl.errors import PinError, UuidTaken
from hcctl.pinning import open_pinner
from hcctl.pinning.django import CODE, DjangoPinner, open_django_pinner
from tests.pin_databases import PinDb, sqlite_db

A = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"
B = "229acece-8847-4ed7-97f4-94c720651ed3"
W = "ed5560b3-ac29-4d5b-adf9-ef59d636dd4f"
STANDIN = Path(__file__).parent / "django_standin"


def django_cmd(db_path: str, manage: str = "manage.py") -> str:
    """The command line a user would give, running the stand-in server on `db_path`."""
    words = ["env", f"HCCTL_STANDIN_DB={db_path}", sys.executable, str(STANDIN / manage)]
    return shlex.join(words)


def db_path(db: PinDb) -> str:
    return db.url.removeprefix("sqlite:///")


@contextmanager
def opened(cmd: str) -> Iterator[DjangoPinner]:
    pinner = open_django_pinner(cmd)
    try:
        yield pinner
    finally:
        pinner.close()


@pytest.fixture
def db(tmp_path: Path) -> PinDb:
    return sqlite_db(tmp_path)


def test_it_pins_the_uuid_through_the_servers_orm(db: PinDb) -> None:
    row = db.insert(A)
    pinner = open_pinner(django_cmd=django_cmd(db_path(db)))
    assert pinner is not None
    pinner.pin(A, W)
    pinner.close()
    assert db.rows() == {row: uuid_hex(W)}


def test_it_serves_every_pin_of_a_run_from_one_process(db: PinDb) -> None:
    rows = [db.insert(A, "a"), db.insert(B, "b")]
    with opened(django_cmd(db_path(db))) as pinner:
        pinner.pin(A, W)
        with pytest.raises(UuidTaken):
            pinner.pin(B, W)
        pinner.pin(B, A)
    assert db.rows() == {rows[0]: uuid_hex(W), rows[1]: uuid_hex(A)}


def test_it_refuses_a_uuid_that_belongs_to_another_check(db: PinDb) -> None:
    a, b = db.insert(A, "a"), db.insert(B, "b")
    with (
        opened(django_cmd(db_path(db))) as pinner,
        pytest.raises(UuidTaken, match=f"UUID {B} already belongs to another check") as info,
    ):
        pinner.pin(A, B)
    assert info.value.uuid == B
    assert db.rows() == {a: uuid_hex(A), b: uuid_hex(B)}


def test_it_reports_a_check_that_is_not_there(db: PinDb) -> None:
    row = db.insert(A)
    with (
        opened(django_cmd(db_path(db))) as pinner,
        pytest.raises(PinError, match=f"no check with UUID {B} on the server"),
    ):
        pinner.pin(B, W)
    assert db.rows() == {row: uuid_hex(A)}


def test_it_ignores_whatever_else_the_server_prints(db: PinDb) -> None:
    # This entrypoint prints a banner and drops -v 0, so Django 5.2 prints
    # "1 object imported automatically" before the code runs.
    row = db.insert(A)
    with opened(django_cmd(db_path(db), "chatty_manage.py")) as pinner:
        pinner.pin(A, W)
    assert db.rows() == {row: uuid_hex(W)}


def test_it_rejects_a_django_that_is_not_healthchecks(tmp_path: Path) -> None:
    (tmp_path / "plain_settings.py").write_text(
        "SECRET_KEY = 'x'\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',"
        f" 'NAME': {str(tmp_path / 'plain.sqlite')!r}}}}}\n"
    )
    words = ["env", "DJANGO_SETTINGS_MODULE=plain_settings", f"PYTHONPATH={tmp_path}"]
    cmd = shlex.join([*words, sys.executable, "-m", "django"])
    with pytest.raises(PinError, match=r"does not run a Healthchecks server: No module named 'hc'"):
        open_django_pinner(cmd)


def test_it_reports_a_database_the_server_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite").write_bytes(b"")
    with pytest.raises(PinError, match="failed in the server: OperationalError: no such table"):
        open_django_pinner(django_cmd(str(tmp_path / "empty.sqlite")))


def test_it_reports_a_command_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(PinError, match=r"could not run the Django command \(.*nope ...\)"):
        open_django_pinner(str(tmp_path / "nope") + " shell")


def test_it_reports_a_command_that_gives_no_answer() -> None:
    cmd = shlex.join([sys.executable, "-c", "import sys; sys.exit('container web is not running')"])
    with pytest.raises(PinError, match="exited with status 1 without an answer: container web"):
        open_django_pinner(cmd)


def test_it_stops_waiting_for_a_command_that_hangs() -> None:
    pinner = DjangoPinner([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    with pytest.raises(PinError, match=r"gave no answer within 0\.5s"):
        pinner.pin(A, W)
    pinner.close()


def test_it_rejects_an_empty_or_unsplittable_command() -> None:
    with pytest.raises(PinError, match="the Django command is empty"):
        open_django_pinner("  ")
    with pytest.raises(PinError, match="cannot be split into words"):
        open_django_pinner("docker compose exec 'web")


def test_it_sends_fixed_code_as_one_argument_and_the_data_on_stdin(tmp_path: Path) -> None:
    # A stand-in command that records what it was given and answers like the real code.
    record = tmp_path / "record.json"
    script = textwrap.dedent(f"""
        import json, sys
        with open({str(record)!r}, "a") as f:
            f.write(json.dumps(sys.argv[1:]) + "\\n")
            for line in sys.stdin:
                data = json.loads(line)
                f.write(json.dumps(data) + "\\n")
                f.flush()
                answer = "ok" if data["action"] == "probe" else "pinned"
                print("noise", flush=True)
                print("HCCTL-PIN-ANSWER:" + json.dumps({{"result": answer}}), flush=True)
    """)
    with opened(shlex.join([sys.executable, "-c", script, "manage.py"])) as pinner:
        pinner.pin(A.upper(), W)
        pinner.pin(uuid_hex(W), A)
    argv, *requests = [json.loads(line) for line in record.read_text().splitlines()]
    assert argv == ["manage.py", "shell", "-v", "0", "-c", CODE]
    assert requests == [
        {"action": "probe"},
        {"action": "pin", "current": A, "wanted": W},
        {"action": "pin", "current": W, "wanted": A},
    ]


def uuid_hex(value: str) -> str:
    return value.replace("-", "")


def test_it_keeps_the_rest_of_the_command_out_of_messages() -> None:
    # Options after the program's name may carry a secret (docker compose exec -e PASSWORD=...).
    words = ["env", "DB_PASSWORD=s3cret", sys.executable, "-c", "raise SystemExit('boom')"]
    with pytest.raises(PinError, match=r"the Django command \(env \.\.\.\) exited") as info:
        open_django_pinner(shlex.join(words))
    assert "s3cret" not in str(info.value)
    assert "s3cret" not in repr(DjangoPinner(words))
