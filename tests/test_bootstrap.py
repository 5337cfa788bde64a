"""hcctl bootstrap against the local server, its manage.py a real Django stand-in on its database.

The stand-in (tests/django_standin) maps upstream's models onto the local server's tables and
hashes keys with the local server's secret, so the keys bootstrap makes really work there.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from hcctl.api import HealthchecksApi
from hcctl.cli import cli
from hcctl.envfile import read_env
from hcctl.server.local import LocalServer
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.canned_http import Answer, CannedServer, free_port
from tests.standin import STANDIN, manage_py, migrate

KEYS = ("HC_API_KEY", "HC_API_KEY_READONLY", "HC_PING_KEY")


@pytest.fixture(scope="session")
def migrated(_hcctl_local_server: LocalServer) -> LocalServer:
    migrate(_hcctl_local_server.db_path)
    return _hcctl_local_server


@pytest.fixture
def hc(migrated: LocalServer, healthchecks_server: HealthchecksServer) -> HealthchecksServer:
    return healthchecks_server


@pytest.fixture
def email(tmp_path: Path) -> str:
    """A new admin, and the seeds' kind of env file in `tmp_path`: two checks, new UUIDs."""
    (tmp_path / ".env.healthchecks").write_text(
        f"# Check IDs\nHC_CHECK_API={uuid.uuid4()}\nHC_CHECK_CELERY_BEAT={uuid.uuid4()}\n"
    )
    return f"admin-{uuid.uuid4().hex[:8]}@example.org"


def run(hc: HealthchecksServer, folder: Path, email: str, *extra: str) -> Result:
    args = [
        "bootstrap",
        "--django-cmd",
        shlex.join(manage_py(hc.db_path)),
        "--api-url",
        hc.api_url,
        "--env-file",
        str(folder / ".env.healthchecks"),
        "--admin-email",
        email,
        "--wait",
        "5s",
        *extra,
    ]
    return CliRunner().invoke(cli, args, env={"HC_API_KEY": None, "HC_DB_URL": None})


def project_row(hc: HealthchecksServer, name: str = "hcctl") -> dict[str, str]:
    with sqlite3.connect(hc.db_path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT p.* FROM accounts_project p JOIN auth_user u ON u.id = p.owner_id"
            " WHERE p.name = ? ORDER BY p.id DESC",
            (name,),
        ).fetchone()
    return dict(row)


def users(hc: HealthchecksServer, email: str) -> list[tuple[int, int]]:
    with sqlite3.connect(hc.db_path) as conn:
        query = "SELECT is_superuser, is_staff FROM auth_user WHERE email = ?"
        return list(conn.execute(query, (email,)).fetchall())


def assert_keys_work(hc: HealthchecksServer, local: dict[str, str]) -> None:
    with HealthchecksApi(hc.api_url, local["HC_API_KEY"]) as api:
        api.list_channels()  # read-write only
        check, _ = api.create_check({"name": "probe", "slug": f"p-{uuid.uuid4().hex[:8]}"})
    with HealthchecksApi(hc.api_url, local["HC_API_KEY_READONLY"]) as api:
        assert "probe" in [c.name for c in api.list_checks()]
    ping = httpx.get(f"{hc.ping_url}{local['HC_PING_KEY']}/{check.slug}")
    assert (ping.status_code, ping.text) == (200, "OK")


def test_it_makes_a_fresh_server_ready(hc: HealthchecksServer, tmp_path: Path, email: str) -> None:
    result = run(hc, tmp_path, email)
    assert result.exit_code == 0, result.output
    local_path = tmp_path / ".env.healthchecks.local"
    local = read_env(local_path)
    assert stat.S_IMODE(local_path.stat().st_mode) == 0o600
    assert local["HC_ADMIN_EMAIL"] == email
    assert local["HC_API_URL"] == hc.api_url
    assert shlex.split(local["HC_DJANGO_CMD"]) == manage_py(hc.db_path)
    assert users(hc, email) == [(1, 1)]
    assert_keys_work(hc, local)
    password = local["HC_ADMIN_PASSWORD"]
    assert result.output.count(password) == 1
    for key in KEYS:
        assert local[key] not in result.output
    assert "created the admin user\n  created the project\n" in result.output
    assert "made a read-write API key (HC_API_KEY)" in result.output
    assert "  api: created (pinned)\n  celery-beat: created (pinned)\n" in result.output
    assert server_uuids(hc, local) == wanted_uuids(tmp_path)
    for name, value in wanted_uuids(tmp_path).items():
        assert f"  {value}  new     {hc.ping_url}{value}\n" in result.output, name


def wanted_uuids(folder: Path) -> dict[str, str]:
    return read_env(folder / ".env.healthchecks")


def server_uuids(hc: HealthchecksServer, local: dict[str, str]) -> dict[str, str]:
    with HealthchecksApi(hc.api_url, local["HC_API_KEY"]) as api:
        checks = api.list_checks()
    probes = {c.uuid for c in checks if c.name == "probe"}  # made by assert_keys_work
    return {
        f"HC_CHECK_{c.slug.upper().replace('-', '_')}": str(c.uuid)
        for c in checks
        if c.uuid not in probes
    }


def test_it_changes_nothing_the_second_time(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    assert run(hc, tmp_path, email).exit_code == 0
    before = (tmp_path / ".env.healthchecks.local").read_bytes()
    env_before = (tmp_path / ".env.healthchecks").read_bytes()
    row = project_row(hc)
    result = run(hc, tmp_path, email)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "  new     "
        + hc.ping_url
        + wanted_uuids(tmp_path)["HC_CHECK_CELERY_BEAT"]
        + "\n\nNothing changed: the server was already ready.\n"
    )
    assert (tmp_path / ".env.healthchecks").read_bytes() == env_before
    assert server_uuids(hc, read_env(tmp_path / ".env.healthchecks.local")) == wanted_uuids(
        tmp_path
    )
    assert "Password" not in result.output
    assert (tmp_path / ".env.healthchecks.local").read_bytes() == before
    assert project_row(hc) == row
    assert users(hc, email) == [(1, 1)]


def test_it_replaces_only_the_keys_that_no_longer_work(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    assert run(hc, tmp_path, email).exit_code == 0
    first = read_env(tmp_path / ".env.healthchecks.local")
    with sqlite3.connect(hc.db_path) as conn:  # revoked in the web interface
        conn.execute(
            "UPDATE accounts_project SET api_key_readonly = '' WHERE id = ?",
            (project_row(hc)["id"],),
        )
    result = run(hc, tmp_path, email)
    assert result.exit_code == 0, result.output
    assert "Changes:\n  made a read-only API key (HC_API_KEY_READONLY)\n" in result.output
    second = read_env(tmp_path / ".env.healthchecks.local")
    assert second["HC_API_KEY_READONLY"] != first["HC_API_KEY_READONLY"]
    assert {k: v for k, v in second.items() if k != "HC_API_KEY_READONLY"} == {
        k: v for k, v in first.items() if k != "HC_API_KEY_READONLY"
    }
    assert_keys_work(hc, second)


@pytest.mark.parametrize("which", ["another project's", "malformed"])
def test_it_replaces_stored_keys_that_are_not_the_projects(
    hc: HealthchecksServer, tmp_path: Path, email: str, which: str
) -> None:
    local = tmp_path / ".env.healthchecks.local"
    if which == "malformed":
        local.write_text("HC_API_KEY=hcw_\u00e9t\u00e9\nHC_API_KEY_READONLY=x\nHC_PING_KEY=y\n")
    else:  # keys that work, but for another project (copied from another machine's file)
        local.write_text(
            f"HC_API_KEY={hc.api_key}\nHC_API_KEY_READONLY={hc.api_key_readonly}\n"
            f"HC_PING_KEY={hc.ping_key}\n"
        )
    before = read_env(local)
    result = run(hc, tmp_path, email)
    assert result.exit_code == 0, result.output
    stored = read_env(local)
    assert all(stored[key] != before[key] for key in KEYS)
    assert_keys_work(hc, stored)


def test_it_reports_a_manage_py_that_does_not_exist(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    args = ["--django-cmd", str(tmp_path / "nope" / "manage.py")]
    result = run(hc, tmp_path, email, *args)
    assert result.exit_code == 1
    assert "Error: could not run the Django command (" in result.output
    assert "No such file or directory" in result.output
    assert not (tmp_path / ".env.healthchecks.local").exists()


def test_it_shows_the_servers_error_without_the_secrets_it_was_sent(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    (tmp_path / ".env.healthchecks.local").write_text("HC_PING_KEY=abcdefghijklmnopqrstuv\n")
    # A manage.py that fails and, like a careless traceback, repeats what it was given.
    script = (
        "import json, sys; data = json.load(sys.stdin); "
        "sys.exit('django.db.utils.OperationalError: no password ' + data['password']"
        " + ' key ' + data['keys']['ping_key'] + ' hcw_0123456789012345678901234567')"
    )
    result = run(hc, tmp_path, email, "--django-cmd", shlex.join([sys.executable, "-c", script]))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: the Django command ({sys.executable} ...) exited with status 1 without an"
        " answer: django.db.utils.OperationalError: no password *** key *** ***\n"
    )
    assert users(hc, email) == []


def test_it_rejects_a_django_that_is_not_healthchecks(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    (tmp_path / "plain_settings.py").write_text(
        "SECRET_KEY = 'x'\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',"
        f" 'NAME': {str(tmp_path / 'plain.sqlite')!r}}}}}\n"
    )
    words = ["env", "DJANGO_SETTINGS_MODULE=plain_settings", f"PYTHONPATH={tmp_path}"]
    result = run(
        hc, tmp_path, email, "--django-cmd", shlex.join([*words, sys.executable, "-m", "django"])
    )
    assert result.exit_code == 1
    assert "does not run a Healthchecks server: No module named 'hc'" in result.output


def test_it_waits_for_the_server_and_quotes_its_last_answer(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    with CannedServer(Answer(502, b"<h1>502 Bad Gateway</h1>\n")) as canned:
        args = ["--api-url", canned.url, "--wait", "1s"]
        result = run(hc, tmp_path, email, *args)
    assert result.exit_code == 1
    assert result.output.startswith(
        "waiting for the server (0s): HTTP 502: <h1>502 Bad Gateway</h1>\n"
    )
    assert result.output.endswith(
        f"Error: the server at {canned.url}status/ was not ready within 1s; last answer:"
        " HTTP 502: <h1>502 Bad Gateway</h1>\n"
    )
    assert users(hc, email) == []
    assert not (tmp_path / ".env.healthchecks.local").exists()


def test_it_says_when_nothing_listens(hc: HealthchecksServer, tmp_path: Path, email: str) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v3/"
    result = run(hc, tmp_path, email, "--api-url", url, "--wait", "1s")
    assert result.exit_code == 1
    assert (
        f"Error: the server at {url}status/ was not ready within 1s; last answer: could not"
        " connect" in result.output
    )


def test_it_refuses_a_local_file_it_cannot_write_then_finishes_later(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    local = tmp_path / ".env.healthchecks.local"
    local.symlink_to(tmp_path / "secrets" / "hc.env")  # its folder does not exist yet
    result = run(hc, tmp_path, email)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {local}: cannot be written: ")
    assert users(hc, email) == []
    (tmp_path / "secrets").mkdir()
    result = run(hc, tmp_path, email)
    assert result.exit_code == 0, result.output
    assert_keys_work(hc, read_env(tmp_path / "secrets" / "hc.env"))


def test_it_keeps_the_local_file_out_of_git(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("*.pyc")
    result = run(hc, tmp_path, email)
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n/.env.healthchecks.local\n"
    assert f"added .env.healthchecks.local to {tmp_path / '.gitignore'}" in result.output
    assert run(hc, tmp_path, email).exit_code == 0
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n/.env.healthchecks.local\n"


def test_it_prints_json(hc: HealthchecksServer, tmp_path: Path, email: str) -> None:
    result = run(hc, tmp_path, email, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    local = read_env(tmp_path / ".env.healthchecks.local")
    assert data["admin"] == {"email": email, "password": local["HC_ADMIN_PASSWORD"]}
    assert data["url"] == hc.site_url + "/"
    assert data["made"] == ["admin user", "project", *KEYS]
    assert data["changed"] is True
    again = json.loads(run(hc, tmp_path, email, "--json").output)
    assert (again["admin"]["password"], again["made"], again["changed"]) == (None, [], False)


def test_it_needs_a_django_command(tmp_path: Path) -> None:
    args = ["bootstrap", "--env-file", str(tmp_path / ".env.healthchecks")]
    result = CliRunner().invoke(cli, args, env={"HC_DJANGO_CMD": None})
    assert result.exit_code == 1
    assert result.output == (
        "Error: bootstrap needs the server's manage.py: give --django-cmd (or --compose-file)\n"
    )


def test_it_rejects_a_wait_that_is_not_a_duration(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bootstrap", "--wait", "soon"])
    assert result.exit_code == 2
    assert "Invalid value for '--wait': expected a duration like 90" in result.output


def test_it_checks_the_spec_before_touching_the_server(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    (tmp_path / ".env.healthchecks").write_text("HC_CHECK_API=not-a-uuid\n")
    result = run(hc, tmp_path, email)
    assert result.exit_code == 1
    assert ".env.healthchecks:1: HC_CHECK_API" in result.output
    assert users(hc, email) == []
    assert not (tmp_path / ".env.healthchecks.local").exists()


def test_it_says_when_the_server_is_older_than_hashed_keys(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    old = tmp_path / "old_standin"
    shutil.copytree(STANDIN, old)
    models = old / "hc" / "accounts" / "models.py"
    models.write_text(models.read_text().replace("def set_api_key_readonly", "def _gone"))
    words = ["env", f"HCCTL_STANDIN_DB={hc.db_path}", sys.executable, str(old / "manage.py")]
    result = run(hc, tmp_path, email, "--django-cmd", shlex.join(words))
    assert result.exit_code == 1
    assert "is older than Healthchecks v3.11 (no hashed API keys)" in result.output
    assert users(hc, email) == []


def test_it_keeps_what_it_made_when_apply_fails_and_finishes_next_time(
    hc: HealthchecksServer, tmp_path: Path, email: str
) -> None:
    with HealthchecksApi(hc.api_url, hc.outsider.api_key) as api:
        theirs, _ = api.create_check({"name": "theirs"})
    env = tmp_path / ".env.healthchecks"
    wanted = wanted_uuids(tmp_path)
    env.write_text(f"HC_CHECK_API={theirs.uuid}\n")  # another project's UUID
    result = run(hc, tmp_path, email)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: api: the UUID {theirs.uuid} belongs to a check this API key cannot see"
        " (another project?)\n"
    )
    local = read_env(tmp_path / ".env.healthchecks.local")
    assert server_uuids(hc, local) == {}  # the check made for it was deleted again
    env.write_text(f"HC_CHECK_API={wanted['HC_CHECK_API']}\n")
    result = run(hc, tmp_path, email)
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Changes:\n  api: created (pinned)\n")
    assert server_uuids(hc, read_env(tmp_path / ".env.healthchecks.local")) == {
        "HC_CHECK_API": wanted["HC_CHECK_API"]
    }
