"""`hcctl bootstrap`: a self-hosted Healthchecks made ready in one repeatable step.

What the seeds' start-healthchecks-enhanced.sh did, safely:

    result = bootstrap(django_cmd="docker compose exec -T web /opt/healthchecks/manage.py",
                       compose_file=Path("docker-compose.yml"), service="web")
    print(render_summary(result))

1. with a compose file, start the service (`docker compose -f F up -d S`);
2. wait until `<api>/status/` answers OK;
3. through `<cmd> shell` make sure the admin user, its project and the project's read-write,
   read-only and ping keys exist, keeping in .env.healthchecks.local the keys that still work;
4. apply the spec with Django pinning, so every check has exactly its UUID;
5. return what is there and what changed. A second run on a ready server changes nothing.
"""

from __future__ import annotations

import re
import secrets
import shlex
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from hcctl._django_shell import DjangoShell, split_command
from hcctl.api import HealthchecksApi
from hcctl.bootstrap.compose import compose_django_cmd, start_service
from hcctl.bootstrap.localfile import ensure_writable, ignore_in_git, read_stored, write_stored
from hcctl.bootstrap.provision import KEY_NAMES, Provisioned, provision
from hcctl.bootstrap.ready import wait_until_ready
from hcctl.bootstrap.summary import CheckLine, render_summary, summary_json
from hcctl.bootstrap.sync_step import sync_checks
from hcctl.errors import AuthError, BootstrapError
from hcctl.settings import Settings

__all__ = ["BootstrapResult", "CheckLine", "bootstrap", "render_summary", "summary_json"]

DEFAULT_EMAIL = "admin@localhost"
DEFAULT_PROJECT = "hcctl"
DEFAULT_WAIT = 120.0  # seconds: a first start migrates the database


@dataclass(frozen=True, repr=False)
class BootstrapResult:
    """What the server has after bootstrap, and what this run changed.

    `admin_password` is set only by the run that created the admin (shown once); repr hides it.
    """

    site_url: str
    project: str
    project_code: str
    admin_email: str
    local_file: Path
    admin_password: str | None = None
    compose_command: tuple[str, ...] = ()
    made: tuple[str, ...] = ()  # "admin user", "project", then the variables of new keys
    checks: tuple[CheckLine, ...] = ()
    gitignore: Path | None = None
    changes: tuple[str, ...] = field(default=())  # what apply did, one line per check

    @property
    def changed(self) -> bool:
        return bool(self.made or self.changes)

    def __repr__(self) -> str:
        return (
            f"BootstrapResult(site_url={self.site_url!r}, project={self.project!r},"
            f" made={self.made!r}, changes={self.changes!r})"
        )


@dataclass(frozen=True)
class _Admin:
    email: str
    project: str


def bootstrap(
    *,
    django_cmd: str | None = None,
    compose_file: Path | None = None,
    service: str = "web",
    admin_email: str | None = None,
    project: str = DEFAULT_PROJECT,
    wait: float = DEFAULT_WAIT,
    settings: Settings | None = None,
    docker: str = "docker",
    poll_interval: float = 1.0,
    on_progress: Callable[[float, str], None] | None = None,
) -> BootstrapResult:
    """Start (optionally), wait for, provision and sync a self-hosted Healthchecks.

    `django_cmd` runs the server's manage.py (default with a compose file: `docker compose
    exec -T <service> /opt/healthchecks/manage.py`; else HC_DJANGO_CMD). Raises HcctlError
    (BootstrapError for docker, readiness, manage.py and .env.healthchecks.local); whatever is
    made in the server is first kept in .env.healthchecks.local, so a second run finishes.
    """
    settings = settings if settings is not None else Settings.load()
    command = _django_command(django_cmd, settings, compose_file, service, docker)
    spec = settings.load_spec()  # a broken spec stops us before anything starts
    local = settings.local_file
    stored = read_stored(local)
    ensure_writable(local)
    admin = _Admin((admin_email or stored.get("HC_ADMIN_EMAIL") or DEFAULT_EMAIL).lower(), project)
    started = start_service(compose_file, service, docker=docker) if compose_file else []
    wait_until_ready(
        settings.api_url, timeout=wait, interval=poll_interval, on_progress=on_progress
    )
    shell = DjangoShell(split_command(command, error=BootstrapError), error=BootstrapError)
    keys, provisioned, password = _provision(shell, settings, admin, stored)
    gitignore = ignore_in_git(local)
    ready = replace(settings, api_key=keys["HC_API_KEY"], django_cmd=command, db_url=None)
    lines, changes = sync_checks(ready, spec)
    return BootstrapResult(
        site_url=_site_url(settings),
        project=project,
        project_code=provisioned.project_code,
        admin_email=admin.email,
        local_file=local,
        admin_password=password if provisioned.user_created else None,
        compose_command=tuple(started),
        made=_made(provisioned),
        checks=tuple(lines),
        gitignore=gitignore,
        changes=tuple(changes),
    )


def _django_command(
    given: str | None, settings: Settings, compose_file: Path | None, service: str, docker: str
) -> str:
    if given:
        return given
    if compose_file is not None:
        return compose_django_cmd(compose_file, service, docker=docker)
    if settings.django_cmd:
        return settings.django_cmd
    raise BootstrapError(
        "bootstrap needs the server's manage.py: give --django-cmd (or --compose-file)"
    )


def _provision(
    shell: DjangoShell, settings: Settings, admin: _Admin, stored: dict[str, str]
) -> tuple[dict[str, str], Provisioned, str]:
    """The project's working keys (variable -> key), kept in the local file before returning."""
    password = _new_password()
    broken = _broken_keys(settings.api_url, stored)
    provisioned = provision(
        shell,
        email=admin.email,
        project=admin.project,
        password=password,
        stored=stored,
        replace=broken,
    )
    values = {
        "HC_API_URL": settings.api_url,
        "HC_DJANGO_CMD": shlex.join(shell.argv),
        "HC_ADMIN_EMAIL": admin.email,
        **provisioned.new_keys,
    }
    if provisioned.user_created:
        values["HC_ADMIN_PASSWORD"] = password
    if any(stored.get(name) != value for name, value in values.items()):
        write_stored(settings.local_file, values)
    keys = {name: provisioned.new_keys.get(name) or stored[name] for name in KEY_NAMES}
    _verify_keys(settings.api_url, keys, shell)
    return keys, provisioned, password


def _new_password() -> str:
    # Letters and digits only: easy to copy, and never read as an option or shell syntax.
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(24))


def _broken_keys(api_url: str, stored: dict[str, str]) -> frozenset[str]:
    """The stored API keys the server no longer accepts (a real API call each)."""
    return frozenset(
        name
        for name in ("HC_API_KEY", "HC_API_KEY_READONLY")
        if stored.get(name) and not _works(api_url, name, stored[name])
    )


def _works(api_url: str, name: str, key: str) -> bool:
    try:
        with HealthchecksApi(api_url, key, retries=1) as api:
            if name == "HC_API_KEY":
                api.list_channels()  # read-write keys only
            else:
                api.list_checks()
    except AuthError:  # also for a key with characters no key has
        return False
    return True


def _verify_keys(api_url: str, keys: dict[str, str], shell: DjangoShell) -> None:
    for name in ("HC_API_KEY", "HC_API_KEY_READONLY"):
        if not _works(api_url, name, keys[name]):
            raise BootstrapError(
                f"the server at {api_url} does not accept the {name} that {shell.where} made"
                " or kept: does that command reach the same server as the API URL?"
            )


def _made(provisioned: Provisioned) -> tuple[str, ...]:
    made = ["admin user"] if provisioned.user_created else []
    made += ["project"] if provisioned.project_created else []
    return tuple(made + sorted(provisioned.new_keys))


def _site_url(settings: Settings) -> str:
    return re.sub(r"api/v\d+/$", "", settings.api_url)
