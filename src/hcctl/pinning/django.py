"""Pinning through the server's own Django: `<cmd> shell -v 0 -c CODE`, data as JSON on stdin.

For servers whose database is out of reach, e.g. upstream's docker compose, where PostgreSQL's
port is not published:

    pinner = open_django_pinner("docker compose exec -T web /opt/healthchecks/manage.py")

CODE is fixed and passed as one argument, never built from data; the UUIDs travel as JSON on
standard input (which `shell -c` leaves free) and the answer comes back as one JSON line after a
marker of our own, so whatever else Django or the container prints is ignored. The code uses the
server's ORM (`hc.api.models.Check`) in `transaction.atomic()`, exactly as the server would.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from typing import Any

from hcctl.errors import PinError, UuidTaken
from hcctl.pinning._common import parse_uuid

__all__ = ["DjangoPinner", "open_django_pinner"]

MARKER = "HCCTL-PIN-ANSWER:"
TIMEOUT = 120.0  # seconds; `docker compose exec` plus Django's start can take a while

# Runs inside the server. Answers {"result": "ok" | "pinned" | "taken" | "missing" |
# "not-healthchecks" | "error", "detail": ...}. Returning from inside atomic() commits nothing
# that was not meant; raising _Missing rolls the update back.
CODE = """
import json, sys, uuid

from django.db import IntegrityError, transaction


class _Missing(Exception):
    pass


def _hcctl_pin(data):
    try:
        from hc.api.models import Check
    except ImportError as exc:
        return {"result": "not-healthchecks", "detail": str(exc)}
    if data.get("action") == "probe":
        Check.objects.exists()
        return {"result": "ok"}
    current, wanted = uuid.UUID(data["current"]), uuid.UUID(data["wanted"])
    try:
        with transaction.atomic():
            if current != wanted and Check.objects.filter(code=wanted).exists():
                return {"result": "taken"}
            if Check.objects.filter(code=current).update(code=wanted) != 1:
                raise _Missing()
    except _Missing:
        return {"result": "missing"}
    except IntegrityError:
        return {"result": "taken"}
    return {"result": "pinned"}


try:
    _hcctl_answer = _hcctl_pin(json.load(sys.stdin))
except Exception as exc:
    _hcctl_answer = {"result": "error", "detail": "%s: %s" % (type(exc).__name__, exc)}
print()
print("MARKER" + json.dumps(_hcctl_answer), flush=True)
""".replace("MARKER", MARKER)


class DjangoPinner:
    """Pins through `<cmd> shell -v 0 -c CODE`; one short process per call.

    pinner = open_django_pinner("/opt/healthchecks/manage.py")
    pinner.pin(created_uuid, wanted_uuid)
    """

    def __init__(self, argv: list[str], *, timeout: float = TIMEOUT) -> None:
        self.argv = argv
        self.timeout = timeout
        # Only the program's name goes into messages: the rest may carry an option with a secret.
        self.where = f"the Django command ({argv[0]} ...)"

    def __repr__(self) -> str:
        return f"<DjangoPinner {self.argv[0]}>"

    def probe(self) -> None:
        """Check that the command reaches a Healthchecks server; PinError otherwise."""
        self._expect(self._run({"action": "probe"}), "ok")

    def pin(self, current_uuid: str, wanted_uuid: str) -> None:
        current, wanted = parse_uuid(current_uuid), parse_uuid(wanted_uuid)
        answer = self._run({"action": "pin", "current": str(current), "wanted": str(wanted)})
        result = answer.get("result")
        if result == "taken":
            raise UuidTaken(
                f"UUID {wanted} already belongs to another check on the server reached by"
                f" {self.where} (another machine may have pinned it first)",
                uuid=str(wanted),
            )
        if result == "missing":
            raise PinError(f"no check with UUID {current} on the server reached by {self.where}")
        self._expect(answer, "pinned")

    def close(self) -> None:
        """Nothing stays open between calls."""

    def _expect(self, answer: dict[str, Any], wanted: str) -> None:
        result, detail = answer.get("result"), str(answer.get("detail", ""))
        if result == wanted:
            return
        if result == "not-healthchecks":
            raise PinError(f"{self.where} does not run a Healthchecks server: {detail}")
        raise PinError(f"{self.where} failed in the server: {detail or result}")

    def _run(self, data: dict[str, str]) -> dict[str, Any]:
        argv = [*self.argv, "shell", "-v", "0", "-c", CODE]
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
            raise PinError(f"could not run {self.where}: {exc.strerror or exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise PinError(f"{self.where} gave no answer within {self.timeout:g}s") from exc
        answer = _answer(done.stdout)
        if answer is None:
            raise PinError(
                f"{self.where} exited with status {done.returncode} without an answer"
                f"{_last_line(done.stderr)}"
            )
        return answer


def open_django_pinner(django_cmd: str) -> DjangoPinner:
    """A pinner running `django_cmd` (split like a shell would, but run without one).

    Checks that the command reaches a Healthchecks server first; PinError otherwise.
    """
    try:
        argv = shlex.split(django_cmd)
    except ValueError as exc:
        raise PinError(f"the Django command cannot be split into words: {exc}") from None
    if not argv:
        raise PinError("the Django command is empty")
    pinner = DjangoPinner(argv)
    pinner.probe()
    return pinner


def _answer(stdout: str) -> dict[str, Any] | None:
    """The last marked JSON line of `stdout`, ignoring anything else printed around it."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            try:
                value = json.loads(line[len(MARKER) :])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return f": {lines[-1][:300]}" if lines else ""
