"""Starting the server's containers: `docker compose -f FILE up -d SERVICE`."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from hcctl._django_shell import scrub_secrets
from hcctl.errors import BootstrapError

__all__ = ["MANAGE_PY", "compose_django_cmd", "start_service"]

# Where the official image keeps Healthchecks' manage.py.
MANAGE_PY = "/opt/healthchecks/manage.py"
TIMEOUT = 600.0  # seconds; the first `up` pulls the images


def compose_django_cmd(compose_file: Path, service: str, *, docker: str = "docker") -> str:
    """The Django command that reaches the service's manage.py (`exec -T`: clean stdin/stdout)."""
    words = [docker, "compose", "-f", str(compose_file), "exec", "-T", service, MANAGE_PY]
    return shlex.join(words)


def start_service(compose_file: Path, service: str, *, docker: str = "docker") -> list[str]:
    """Run `docker compose -f compose_file up -d service`; returns the command it ran.

    Raises BootstrapError when the file is missing, docker or its compose plugin is not
    installed, or `up` fails (with the last line docker printed).
    """
    if not compose_file.is_file():
        raise BootstrapError(f"{compose_file}: no such compose file")
    _run([docker, "compose", "version"], "docker compose is not available")
    argv = [docker, "compose", "-f", str(compose_file), "up", "-d", service]
    _run(argv, f"docker compose could not start service {service!r}")
    return argv


def _run(argv: list[str], failure: str) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise BootstrapError(f"docker is not installed (no {argv[0]!r} on PATH)") from None
    except OSError as exc:
        raise BootstrapError(f"could not run {argv[0]}: {exc.strerror or exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise BootstrapError(f"{failure}: no answer within {TIMEOUT:g}s") from exc
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        said = scrub_secrets(lines[-1][:300]) if lines else f"exit status {done.returncode}"
        raise BootstrapError(f"{failure}: {said}")
