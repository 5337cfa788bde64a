"""Pinning through the server's own Django: `<cmd> shell -v 0 -c CODE`, data as JSON on stdin.

For servers whose database is out of reach, e.g. upstream's docker compose, where PostgreSQL's
port is not published:

    pinner = open_django_pinner("docker compose exec -T web /opt/healthchecks/manage.py")

CODE is fixed and passed as one argument, never built from data. One process serves every pin
of a run: each request is one JSON line on its standard input (which `shell -c` leaves free),
each answer one JSON line on its standard output after a marker of our own, so whatever else
Django or the container prints is ignored. The code uses the server's ORM
(`hc.api.models.Check`) in `transaction.atomic()`, exactly as the server itself would.
"""

from __future__ import annotations

import collections
import contextlib
import json
import queue
import subprocess
import threading
from typing import IO, Any

from hcctl._django_shell import scrub_secrets, split_command
from hcctl.errors import PinError, UuidTaken
from hcctl.pinning._common import parse_uuid

__all__ = ["CODE", "DjangoPinner", "open_django_pinner"]

MARKER = "HCCTL-PIN-ANSWER:"
TIMEOUT = 120.0  # seconds for one answer; `docker compose exec` plus Django's start is slow

# Runs inside the server, once per pinner. Answers {"result": "ok" | "pinned" | "taken" |
# "missing" | "not-healthchecks" | "error", "detail": ...}. Raising _Missing inside atomic()
# rolls the update back.
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


def _hcctl_answer(line):
    try:
        return _hcctl_pin(json.loads(line))
    except Exception as exc:
        return {"result": "error", "detail": "%s: %s" % (type(exc).__name__, exc)}


for _hcctl_line in sys.stdin:
    if _hcctl_line.strip():
        _hcctl_reply = json.dumps(_hcctl_answer(_hcctl_line))
        print()
        print("MARKER" + _hcctl_reply, flush=True)
""".replace("MARKER", MARKER)


class DjangoPinner:
    """Pins through one long-lived `<cmd> shell -v 0 -c CODE` process, started on first use.

    pinner = open_django_pinner("/opt/healthchecks/manage.py")
    pinner.pin(created_uuid, wanted_uuid)
    pinner.close()
    """

    def __init__(self, argv: list[str], *, timeout: float = TIMEOUT) -> None:
        self.argv = argv
        self.timeout = timeout
        # Only the program's name goes into messages: the rest may carry an option with a secret.
        self.where = f"the Django command ({argv[0]} ...)"
        self._proc: subprocess.Popen[str] | None = None
        self._answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._readers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<DjangoPinner {self.argv[0]}>"

    def probe(self) -> None:
        """Check that the command reaches a Healthchecks server; PinError otherwise."""
        self._expect(self._ask({"action": "probe"}), "ok")

    def pin(self, current_uuid: str, wanted_uuid: str) -> None:
        current, wanted = parse_uuid(current_uuid), parse_uuid(wanted_uuid)
        answer = self._ask({"action": "pin", "current": str(current), "wanted": str(wanted)})
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
        """End the process: its standard input closes, so its loop ends."""
        with self._lock:
            self._stop(kill=False)

    def _expect(self, answer: dict[str, Any], wanted: str) -> None:
        result, detail = answer.get("result"), str(answer.get("detail", ""))
        if result == wanted:
            return
        if result == "not-healthchecks":
            raise PinError(f"{self.where} does not run a Healthchecks server: {detail}")
        raise PinError(f"{self.where} failed in the server: {detail or result}")

    def _ask(self, data: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            proc = self._proc or self._start()
            assert proc.stdin is not None
            # If it has exited, writing fails and its reader reports the end below.
            with contextlib.suppress(OSError):
                proc.stdin.write(json.dumps(data) + "\n")
                proc.stdin.flush()
            try:
                answer = self._answers.get(timeout=self.timeout)
            except queue.Empty:
                self._stop(kill=True)
                raise PinError(f"{self.where} gave no answer within {self.timeout:g}s") from None
            if answer is None:
                status = self._stop(kill=False)
                raise PinError(
                    f"{self.where} exited with status {status} without an answer"
                    f"{_last_line(self._stderr)}"
                )
            return answer

    def _start(self) -> subprocess.Popen[str]:
        try:
            proc = subprocess.Popen(
                [*self.argv, "shell", "-v", "0", "-c", CODE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as exc:
            raise PinError(f"could not run {self.where}: {exc.strerror or exc}") from exc
        self._answers = queue.Queue()
        self._stderr.clear()
        assert proc.stdout is not None
        assert proc.stderr is not None
        self._readers = [
            _thread(_read_answers, proc.stdout, self._answers),
            _thread(_read_lines, proc.stderr, self._stderr),
        ]
        self._proc = proc
        return proc

    def _stop(self, *, kill: bool) -> int | None:
        """Stop the process (gently unless `kill`); returns its exit status."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if kill:
            proc.kill()
        if proc.stdin is not None:
            with contextlib.suppress(OSError):  # already gone
                proc.stdin.close()
        try:
            status = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = proc.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        return status


def open_django_pinner(django_cmd: str, *, timeout: float = TIMEOUT) -> DjangoPinner:
    """A pinner running `django_cmd` (split like a shell would, but run without one).

    Checks that the command reaches a Healthchecks server first; PinError otherwise.
    """
    argv = split_command(django_cmd, error=PinError)
    pinner = DjangoPinner(argv, timeout=timeout)
    try:
        pinner.probe()
    except PinError:
        pinner.close()
        raise
    return pinner


def _thread(target: Any, *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def _read_answers(stream: IO[str], answers: queue.Queue[dict[str, Any] | None]) -> None:
    """Put each marked answer in `answers`, skipping anything else printed; None at the end."""
    for line in stream:
        if line.startswith(MARKER):
            try:
                value = json.loads(line[len(MARKER) :])
            except ValueError:
                value = {"result": "error", "detail": "a malformed answer"}
            answers.put(value if isinstance(value, dict) else {"result": "error"})
    answers.put(None)


def _read_lines(stream: IO[str], lines: collections.deque[str]) -> None:
    # Always drained, so a chatty server can never block on a full pipe.
    for line in stream:
        if line.strip():
            lines.append(line.strip())


def _last_line(lines: collections.deque[str]) -> str:
    # The server's error output may quote a database URL or a key: never pass those on.
    return f": {scrub_secrets(lines[-1][:300])}" if lines else ""
