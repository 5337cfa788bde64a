"""bootstrap --compose-file: docker cannot run here, so a stand-in `docker` records its command
lines and, for `compose exec`, runs the Django stand-in as the container would."""

from __future__ import annotations

import json
import re
import shlex
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from hcctl.bootstrap import bootstrap
from hcctl.bootstrap.provision import CODE
from hcctl.envfile import read_env
from hcctl.errors import BootstrapError
from hcctl.pinning.django import CODE as PIN_CODE
from hcctl.server.local import LocalServer
from hcctl.server.pytest_plugin import HealthchecksServer
from hcctl.settings import Settings
from tests.standin import STANDIN, migrate

MANAGE = "/opt/healthchecks/manage.py"


@pytest.fixture(scope="session")
def migrated(_hcctl_local_server: LocalServer) -> LocalServer:
    migrate(_hcctl_local_server.db_path)
    return _hcctl_local_server


def fake_docker(folder: Path, db_path: Path, *, compose: bool = True, up_error: str = "") -> Path:
    """A `docker` that logs its arguments to calls.jsonl and plays the compose commands."""
    script = folder / "docker"
    script.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(f"""
        import json, os, sys
        args = sys.argv[1:]
        with open({str(folder / "calls.jsonl")!r}, "a") as log:
            log.write(json.dumps(args) + "\\n")
        if args[:1] == ["compose"] and not {compose!r}:
            sys.exit("docker: 'compose' is not a docker command.")
        if args == ["compose", "version"]:
            print("Docker Compose version v2.29.0")
        elif "up" in args and {up_error!r}:
            sys.exit({up_error!r})
        elif "exec" in args:
            rest = args[args.index({MANAGE!r}) + 1 :]
            os.environ["HCCTL_STANDIN_DB"] = {str(db_path)!r}
            manage = {str(STANDIN / "manage.py")!r}
            os.execv(sys.executable, [sys.executable, manage, *rest])
        """)
    )
    script.chmod(0o755)
    return script


def calls(folder: Path) -> list[list[str]]:
    return [json.loads(line) for line in (folder / "calls.jsonl").read_text().splitlines()]


def settings_for(hc: HealthchecksServer, folder: Path) -> Settings:
    (folder / ".env.healthchecks").write_text(f"HC_CHECK_API={uuid.uuid4()}\n")
    return Settings.load(api_url=hc.api_url, env_file=folder / ".env.healthchecks", environ={})


def test_it_starts_the_service_and_reaches_manage_py_through_compose(
    migrated: LocalServer, healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    docker = fake_docker(tmp_path, healthchecks_server.db_path)
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services: {}\n")
    result = bootstrap(
        compose_file=compose,
        admin_email=f"a-{uuid.uuid4().hex[:6]}@example.org",
        settings=settings_for(healthchecks_server, tmp_path),
        docker=str(docker),
        wait=5,
    )
    up = [str(docker), "compose", "-f", str(compose), "up", "-d", "web"]
    assert result.compose_command == tuple(up)
    exec_words = ["compose", "-f", str(compose), "exec", "-T", "web", MANAGE]
    assert calls(tmp_path) == [
        ["compose", "version"],
        up[1:],
        [*exec_words, "shell", "-v", "0", "-c", CODE],
        [*exec_words, "shell", "-v", "0", "-c", PIN_CODE],  # apply pins through it too
    ]
    local = read_env(tmp_path / ".env.healthchecks.local")
    assert shlex.split(local["HC_DJANGO_CMD"]) == [str(docker), *exec_words]
    wanted = read_env(tmp_path / ".env.healthchecks")["HC_CHECK_API"]
    assert [(c.key, c.uuid, c.status) for c in result.checks] == [("api", wanted, "new")]
    assert result.made == (
        "admin user",
        "project",
        "HC_API_KEY",
        "HC_API_KEY_READONLY",
        "HC_PING_KEY",
    )


def test_it_says_when_docker_is_missing(tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services: {}\n")
    settings = Settings.load(env_file=tmp_path / ".env.healthchecks", environ={})
    (tmp_path / ".env.healthchecks").write_text(f"HC_CHECK_API={uuid.uuid4()}\n")
    missing = str(tmp_path / "bin" / "docker")
    with pytest.raises(BootstrapError, match=r"^docker is not installed \(no '.*bin/docker' on"):
        bootstrap(compose_file=compose, settings=settings, docker=missing)
    assert not (tmp_path / ".env.healthchecks.local").exists()


def test_it_says_when_compose_is_missing(tmp_path: Path) -> None:
    docker = fake_docker(tmp_path, tmp_path / "unused.sqlite", compose=False)
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services: {}\n")
    (tmp_path / ".env.healthchecks").write_text(f"HC_CHECK_API={uuid.uuid4()}\n")
    settings = Settings.load(env_file=tmp_path / ".env.healthchecks", environ={})
    message = "docker compose is not available: docker: 'compose' is not a docker command."
    with pytest.raises(BootstrapError, match=f"^{re.escape(message)}$"):
        bootstrap(compose_file=compose, settings=settings, docker=str(docker))
    assert calls(tmp_path) == [["compose", "version"]]


def test_it_quotes_compose_when_the_service_does_not_start(tmp_path: Path) -> None:
    docker = fake_docker(tmp_path, tmp_path / "x.sqlite", up_error="no such service: web")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services: {}\n")
    (tmp_path / ".env.healthchecks").write_text(f"HC_CHECK_API={uuid.uuid4()}\n")
    settings = Settings.load(env_file=tmp_path / ".env.healthchecks", environ={})
    message = "docker compose could not start service 'web': no such service: web"
    with pytest.raises(BootstrapError, match=f"^{re.escape(message)}$"):
        bootstrap(compose_file=compose, settings=settings, docker=str(docker))


def test_it_says_when_the_compose_file_is_missing(tmp_path: Path) -> None:
    (tmp_path / ".env.healthchecks").write_text(f"HC_CHECK_API={uuid.uuid4()}\n")
    settings = Settings.load(env_file=tmp_path / ".env.healthchecks", environ={})
    with pytest.raises(BootstrapError, match=r"compose\.yml: no such compose file$"):
        bootstrap(compose_file=tmp_path / "compose.yml", settings=settings)
