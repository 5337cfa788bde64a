"""`hcctl ping` against the local server: exit 0 when recorded, one-line errors otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hcctl._targets import new_rid
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.pinghelp import checks, environ, hcctl, new_check, ping_body, pings, server_env

RID = "5f671802-21f2-4c94-91b6-0d4b1648f9c3"


def test_it_pings_a_uuid(healthchecks_server: HealthchecksServer, tmp_path: Path) -> None:
    uuid = new_check(healthchecks_server)
    result = hcctl("ping", uuid, env=server_env(healthchecks_server), cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert [p["type"] for p in pings(healthchecks_server, uuid)] == ["success"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("start", "start"), ("fail", "fail"), ("log", "log"), ("0", "success"), ("3", "fail")],
)
def test_it_sends_each_kind(
    healthchecks_server: HealthchecksServer, tmp_path: Path, kind: str, expected: str
) -> None:
    uuid = new_check(healthchecks_server)
    result = hcctl("ping", uuid, kind, env=server_env(healthchecks_server), cwd=tmp_path)
    assert result.returncode == 0
    assert [p["type"] for p in pings(healthchecks_server, uuid)] == [expected]


def test_it_sends_a_rid_and_a_body_file(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    uuid = new_check(healthchecks_server)
    (tmp_path / "out.log").write_bytes(b"line 1\nline 2\n")
    env = server_env(healthchecks_server)
    assert hcctl("ping", uuid, "start", "--rid", RID, env=env, cwd=tmp_path).returncode == 0
    args = ("ping", uuid, f"--rid={RID}", "--body-file", "out.log")
    assert hcctl(*args, env=env, cwd=tmp_path).returncode == 0
    start, end = pings(healthchecks_server, uuid)
    assert (start["rid"], end["rid"]) == (RID, RID)
    assert ping_body(healthchecks_server, uuid, end["n"]) == b"line 1\nline 2\n"


def test_it_reads_the_body_from_stdin(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    uuid = new_check(healthchecks_server)
    env = server_env(healthchecks_server)
    result = hcctl("ping", uuid, "log", "--body-file", "-", env=env, cwd=tmp_path, stdin=b"hi")
    assert result.returncode == 0
    [ping] = pings(healthchecks_server, uuid)
    assert ping_body(healthchecks_server, uuid, ping["n"]) == b"hi"


def test_it_pings_a_key_of_the_env_file(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    uuid = new_check(healthchecks_server)
    (tmp_path / ".env.healthchecks").write_text(f"HC_CHECK_CELERY_BEAT={uuid}\n")
    env = server_env(healthchecks_server, ping_key=False)
    assert hcctl("ping", "celery-beat", env=env, cwd=tmp_path).returncode == 0
    assert len(pings(healthchecks_server, uuid)) == 1


def test_create_makes_a_missing_slug_check(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    env = server_env(healthchecks_server)
    result = hcctl("ping", "nightly", "start", "--create", env=env, cwd=tmp_path)
    assert result.returncode == 0
    [check] = checks(healthchecks_server)
    assert (check["slug"], check["name"]) == ("nightly", "nightly")
    assert [p["type"] for p in pings(healthchecks_server, check["uuid"])] == ["start"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("0cab08fe-03f4-48c2-a927-90493fa0b2fz",), "malformed UUID"),
        (("0cab08fe-03f4-48c2-a927-90493fa0b2f2", "256"), "exit status 256 is outside 0-255"),
        (("0cab08fe-03f4-48c2-a927-90493fa0b2f2", "--body-file", "nope.txt"), "nope.txt"),
        (("backup",), "no check with key 'backup'"),
        (("backup", "--create"), "no check with key 'backup'"),
        (("0cab08fe-03f4-48c2-a927-90493fa0b2f2", "--rid", "x"), "rid must be a UUID"),
    ],
)
def test_it_rejects_bad_input_with_one_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    env = environ(HC_PING_URL="http://127.0.0.1:9/ping/")  # nothing listens: no request made
    result = hcctl("ping", *args, env=env, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert message in lines[0]


def test_it_fails_when_the_server_does_not_record_the_ping(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    env = server_env(healthchecks_server, ping_key=False)
    result = hcctl("ping", new_rid(), env=env, cwd=tmp_path)  # no check has it
    assert result.returncode == 1
    assert b"does not exist on the server" in result.stderr


def test_it_never_prints_the_ping_key(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    env = server_env(healthchecks_server)
    env["HC_AUTO_PROVISION"] = "false"
    result = hcctl("ping", "nosuch", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert b"404" in result.stderr
    assert healthchecks_server.ping_key.encode() not in result.stderr


def test_the_fast_path_and_click_agree(tmp_path: Path) -> None:
    env = environ(HC_PING_URL="http://127.0.0.1:9/ping/")
    click_cli = [sys.executable, "-c", "from hcctl.cli import cli; cli()"]
    for args in (["ping", "backup"], ["ping", "0cab08fe-03f4-48c2-a927-90493fa0b2f2", "999"]):
        fast = hcctl(*args, env=env, cwd=tmp_path)
        slow = subprocess.run([*click_cli, *args], env=env, cwd=tmp_path, capture_output=True)
        assert (fast.returncode, fast.stderr) == (slow.returncode, slow.stderr)


def test_help_and_usage_errors_go_to_click(tmp_path: Path) -> None:
    env = environ()
    help_ = hcctl("ping", "--help", env=env, cwd=tmp_path)
    assert help_.returncode == 0
    assert help_.stdout.startswith(b"Usage: hcctl ping [OPTIONS] CHECK [KIND]")
    missing = hcctl("ping", env=env, cwd=tmp_path)
    assert missing.returncode == 2
    assert b"Missing argument 'CHECK'" in missing.stderr


def test_the_fast_path_imports_neither_click_nor_httpx(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    uuid = new_check(healthchecks_server)
    code = (
        "import sys\nfrom hcctl.__main__ import main\n"
        f"try:\n    main(['ping', '{uuid}'])\nexcept SystemExit as exc:\n    print(exc.code)\n"
        "print(sorted(m for m in ('click', 'httpx', 'rich') if m in sys.modules))\n"
    )
    env = server_env(healthchecks_server)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, check=True
    )
    assert result.stdout.decode().split("\n")[:2] == ["0", "[]"]


def test_the_readme_documents_every_option() -> None:
    import inspect

    from hcctl.cli import cli
    from hcctl.ping import PingClient, _PingBase

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name in ("ping", "run"):
        assert f"hcctl {name} CHECK" in readme
        for param in cli.commands[name].params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert f"`{opt}`" in readme, opt
    for init in (_PingBase.__init__, PingClient.__init__):
        for option in list(inspect.signature(init).parameters)[1:]:
            if option != "options":
                assert f"`{option}`" in readme, option
