"""`hcctl run`: wrap a command with pings, as runitor does, and a little more.

    code = run_check("backup", ["pg_dump", "-f", "db.sql"], timeout=3600)

1. A start ping with a fresh rid, sent from a thread while the command already runs, so a slow
   or unreachable server never delays the job.
2. The command's stdout and stderr pass through untouched (byte for byte, as they come) while
   their last `tail` bytes are kept in a ring buffer.
3. An exit-status ping with that tail as body (cut to the Ping-Body-Limit the start ping
   returned) and the same rid; the command's exit status is returned: 128+N when it was killed
   by signal N, 127 (and a fail ping) when it could not be started, 124 (and a fail ping) when
   `timeout` stopped it (SIGTERM, then SIGKILL after `kill_after` seconds).

SIGINT and SIGTERM sent to hcctl are forwarded to the command. Without a terminal the command
runs in its own process group, so a timeout stops its children too. With a terminal on stdin it
stays in hcctl's group, so it can read the terminal and Ctrl-C reaches it directly (hcctl then
forwards only SIGTERM, never a second SIGINT). A failed ping never changes the outcome.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import threading
import time

from hcctl._targets import new_rid
from hcctl.errors import HcctlError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import FrameType

    from hcctl.ping import PingClient

__all__ = ["DEFAULT_TAIL", "TIMEOUT_EXIT", "TailBuffer", "run_check", "run_command"]

DEFAULT_TAIL = 100_000  # the hosted service's body limit; the server's own limit cuts further
TIMEOUT_EXIT = 124  # as GNU timeout
NOT_STARTED_EXIT = 127  # as a shell for a command it cannot run
_LINGER = 1.0  # seconds to keep reading after the command exits (its children may hold a pipe)


class TailBuffer:
    """The last `size` bytes written to it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data = bytearray()
        self.total = 0

    def write(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self._data += chunk
        excess = len(self._data) - self.size
        if excess > 0:
            del self._data[:excess]  # cheap: bytearray trims its front in place

    def getvalue(self) -> bytes:
        return bytes(self._data)


def run_check(
    check: str,
    command: Sequence[str],
    *,
    start: bool = True,
    timeout: float | None = None,
    tail: int = DEFAULT_TAIL,
    cwd: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """What `hcctl run` does: `run_command` with a client from hcctl's settings.

    The command runs even when the check cannot be pinged (an unknown key, bad settings): the
    reason goes to stderr first, since monitoring must never keep a job from running.
    """
    from hcctl.ping import PingClient

    client: PingClient | None = None
    try:
        client = PingClient.from_env(cwd=cwd, environ=environ)
        client.validate(check)
    except HcctlError as exc:
        _write_all(2, f"hcctl: {exc}; running the command without pings\n".encode())
        if client is not None:
            client.close()
        client = None
    try:
        return run_command(check, command, client=client, start=start, timeout=timeout, tail=tail)
    finally:
        if client is not None:
            client.close()


def run_command(
    check: str,
    command: Sequence[str],
    *,
    client: PingClient | None,
    start: bool = True,
    timeout: float | None = None,
    tail: int = DEFAULT_TAIL,
    kill_after: float = 10.0,
) -> int:
    """Run `command` between a start ping and an exit-status ping; its exit status.

    Raises HcctlError, before any ping, for an empty command or a bad tail size.
    """
    if not command:
        raise HcctlError("no command to run: give it after `--`")
    if tail < 0:
        raise HcctlError(f"the tail size must be 0 or more bytes, not {tail}")
    _flush_python_streams()
    rid = new_rid() if start else None
    starter = _start_ping(client, check, rid) if rid and client else None
    buffer = TailBuffer(tail)
    try:
        outcome = _execute(command, buffer, timeout=timeout, kill_after=kill_after)
    finally:
        if starter is not None:
            starter.join()  # the start ping must reach the server before the end ping
    body = buffer.getvalue() + outcome.note.encode()
    if client is None:
        pass
    elif outcome.failed:
        client.fail(check, body=body, rid=rid)
    else:
        client.exit_code(check, outcome.code, body=body, rid=rid)
    return outcome.code


class _Outcome:
    """How the command ended: the exit status hcctl returns, and what the end ping says."""

    def __init__(self, code: int, note: str = "", *, failed: bool = False) -> None:
        self.code = code
        self.note = note  # appended to the output's tail in the ping body
        self.failed = failed  # a fail ping (timeout, not started) instead of the exit status


def _start_ping(client: PingClient, check: str, rid: str) -> threading.Thread:
    # Not a daemon: the interpreter must not exit in the middle of this ping.
    thread = threading.Thread(
        target=client.start, args=(check,), kwargs={"rid": rid}, name="hcctl-start-ping"
    )
    thread.start()
    return thread


def _execute(
    command: Sequence[str], buffer: TailBuffer, *, timeout: float | None, kill_after: float
) -> _Outcome:
    """Run the command, passing its output through; how it ended."""
    own_group = not _stdin_is_terminal()
    try:
        proc = subprocess.Popen(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0 if own_group else None,
        )
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        note = f"hcctl: cannot run {command[0]!r}: {reason}\n"
        _write_all(2, note.encode())
        return _Outcome(NOT_STARTED_EXIT, note, failed=True)
    stopper = _Stopper(proc, own_group, kill_after)
    with _forwarding(stopper, sigint=own_group):
        deadline = None if timeout is None else time.monotonic() + timeout
        _pump(proc, buffer, stopper, deadline)
    status = proc.returncode
    if stopper.timed_out:
        note = f"hcctl: timed out after {timeout:g}s, stopped with {stopper.stopped_with}\n"
        _write_all(2, note.encode())
        return _Outcome(TIMEOUT_EXIT, "\n" + note, failed=True)
    return _Outcome(128 - status if status < 0 else status)


def _stdin_is_terminal() -> bool:
    try:
        return os.isatty(0)
    except OSError:
        return False


class _Stopper:
    """Signals the command (its whole group when it has its own); SIGTERM first, then SIGKILL."""

    def __init__(self, proc: subprocess.Popen[bytes], own_group: bool, kill_after: float) -> None:
        self.proc = proc
        self.own_group = own_group
        self.kill_after = kill_after
        self.timed_out = False
        self.stopped_with = ""
        self.kill_at: float | None = None

    def send(self, sig: int) -> None:
        if self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):  # already gone
            if self.own_group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)

    def time_out(self) -> None:
        self.timed_out = True
        self.stopped_with = "SIGTERM"
        self.send(signal.SIGTERM)
        self.kill_at = time.monotonic() + self.kill_after

    def escalate(self) -> None:
        self.stopped_with = "SIGTERM, then SIGKILL"
        self.kill_at = None
        self.send(signal.SIGKILL)


class _forwarding:
    """Forward SIGTERM (and SIGINT when asked) to the command while it runs."""

    def __init__(self, stopper: _Stopper, *, sigint: bool) -> None:
        self.stopper = stopper
        self.signals = [signal.SIGTERM, signal.SIGINT] if sigint else [signal.SIGTERM]
        self.saved: dict[int, object] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for sig in self.signals:
            self.saved[sig] = signal.signal(sig, self._forward)
        if signal.SIGINT not in self.signals:
            # Ctrl-C reaches the command directly; hcctl waits for it instead of dying first.
            self.saved[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def _forward(self, sig: int, frame: FrameType | None) -> None:
        self.stopper.send(sig)


def _pump(
    proc: subprocess.Popen[bytes],
    buffer: TailBuffer,
    stopper: _Stopper,
    deadline: float | None,
) -> None:
    """Copy the command's output through until it exits; enforce the timeout meanwhile."""
    if proc.stdout is None or proc.stderr is None:
        raise RuntimeError("the command's pipes are missing")
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, 1)
        selector.register(proc.stderr, selectors.EVENT_READ, 2)
        for _ in _ticks(proc, selector, stopper, deadline):
            for key, _events in selector.select(_wait(stopper, deadline)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer.write(chunk)
                _write_all(key.data, chunk)
    proc.stdout.close()
    proc.stderr.close()
    proc.wait()


def _ticks(
    proc: subprocess.Popen[bytes],
    selector: selectors.BaseSelector,
    stopper: _Stopper,
    deadline: float | None,
) -> Iterator[None]:
    """One step per wake-up, until the pipes are closed and the command is gone."""
    exited_at: float | None = None
    while True:
        now = time.monotonic()
        if deadline is not None and not stopper.timed_out and now >= deadline:
            stopper.time_out()
        if stopper.kill_at is not None and now >= stopper.kill_at:
            stopper.escalate()
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if not selector.get_map():
            if exited_at is not None or proc.poll() is not None:
                return
            time.sleep(_wait(stopper, deadline))  # pipes closed, process still running
            continue
        if exited_at is not None and now - exited_at > _LINGER:
            return  # a child of the command keeps a pipe open: stop reading
        yield


def _wait(stopper: _Stopper, deadline: float | None) -> float:
    """How long one select may block: short, so exits and deadlines are seen quickly."""
    wake = [time.monotonic() + 0.2]
    if deadline is not None and not stopper.timed_out:
        wake.append(deadline)
    if stopper.kill_at is not None:
        wake.append(stopper.kill_at)
    return max(0.0, min(wake) - time.monotonic())


def _write_all(fd: int, data: bytes) -> None:
    """Pass output through; a closed or broken stdout/stderr must not stop the command."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError:
            return
        view = view[written:]


def _flush_python_streams() -> None:
    """Flush Python's own buffers before the command writes to the same descriptors."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
