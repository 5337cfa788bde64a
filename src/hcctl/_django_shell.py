"""Running fixed code in a Healthchecks server through `<cmd> shell -v 0 -c CODE`.

Shared by Django pinning and bootstrap. CODE is a constant passed as one argument, never built
from data; the data travels as JSON on standard input (which `shell -c` leaves free) and the
answer comes back as one JSON line after a marker of our own, so whatever else Django or the
container prints is ignored:

    shell = DjangoShell(split_command("docker compose exec -T web /opt/healthchecks/manage.py"))
    answer = shell.run(CODE, MARKER, {"action": "probe"})
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Iterable, Mapping
from typing import Any

from hcctl.errors import HcctlError

__all__ = ["DjangoShell", "read_answer", "scrub_secrets", "split_command"]

TIMEOUT = 120.0  # seconds; `docker compose exec` plus Django's start can take a while

# What looks like a secret in a server's error output: API keys and URL passwords.
_KEY = re.compile(r"\bhc[rw]_[A-Za-z0-9]{28}\b")
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE)


def split_command(command: str, *, error: type[HcctlError] = HcctlError) -> list[str]:
    """`command` split into words like a shell would (it is run without one); `error` if empty."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise error(f"the Django command cannot be split into words: {exc}") from None
    if not argv:
        raise error("the Django command is empty")
    return argv


def scrub_secrets(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with API keys, URL passwords and every given secret replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _KEY.sub("***", text)
    return _URL_PASSWORD.sub(r"\g<head>***@", text)


def read_answer(stdout: str, marker: str) -> dict[str, Any] | None:
    """The last marked JSON object of `stdout`, ignoring anything else printed around it."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(marker):
            try:
                value = json.loads(line[len(marker) :])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


class DjangoShell:
    """One short `<argv> shell -v 0 -c CODE` process per `run()`; errors raised as `error`.

    Only the program's name goes into messages: the rest of the command may carry a secret.
    """

    def __init__(
        self,
        argv: list[str],
        *,
        timeout: float = TIMEOUT,
        error: type[HcctlError] = HcctlError,
    ) -> None:
        self.argv = argv
        self.timeout = timeout
        self.error = error
        self.where = f"the Django command ({argv[0]} ...)"

    def __repr__(self) -> str:
        return f"<DjangoShell {self.argv[0]}>"

    def run(
        self,
        code: str,
        marker: str,
        data: Mapping[str, object],
        *,
        secrets: Iterable[str | None] = (),
    ) -> dict[str, Any]:
        """The answer CODE printed after `marker`; `error` when there is none.

        `secrets` (sent in `data`) are removed from any server output quoted in an error.
        """
        argv = [*self.argv, "shell", "-v", "0", "-c", code]
        try:
            done = subprocess.run(
                argv,
                input=json.dumps(data),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except OSError as exc:
            raise self.error(f"could not run {self.where}: {exc.strerror or exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise self.error(f"{self.where} gave no answer within {self.timeout:g}s") from exc
        answer = read_answer(done.stdout, marker)
        if answer is None:
            tail = scrub_secrets(_last_line(done.stderr), secrets)
            raise self.error(
                f"{self.where} exited with status {done.returncode} without an answer"
                + (f": {tail}" if tail else "")
            )
        return answer


def _last_line(stderr: str) -> str:
    # A traceback's last line names the error; the lines before it are Django's internals.
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
