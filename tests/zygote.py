"""Real processes, forked from one warm Python: many at once, or killed at any point.

Starting Python and importing hcctl takes longer than an apply, so a zygote imports it once
and forks a machine per command: real processes running the real CLI (or one library
function), started within milliseconds of each other, killed at any point of their work. The
zygote has no threads, which makes forking it safe.

    with Zygote(tmp_path, hc=healthchecks_server) as zygote:
        status, output = zygote.run(folder, "apply")
        pid, out = zygote.call(folder, "tests.reliability.workers:write_env_forever", path)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from hcctl.server.pytest_plugin import HealthchecksServer

ROOT = Path(__file__).resolve().parent.parent

ZYGOTE = """
import importlib, json, os, sys
from hcctl.cli import cli
for line in sys.stdin:
    command = json.loads(line)
    if "wait" in command:
        _, status = os.waitpid(command["wait"], 0)
        print(json.dumps(os.waitstatus_to_exitcode(status)), flush=True)
        continue
    function = None
    if "call" in command:
        module, _, name = command["call"].partition(":")
        function = getattr(importlib.import_module(module), name)
    pid = os.fork()
    if pid == 0:
        os.chdir(command["cwd"])
        out = os.open(command["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(out, 2)
        try:
            if function is not None:
                function(*command["args"])
            else:
                cli(command["args"], prog_name="hcctl")
        except SystemExit as exit:
            os._exit(exit.code if isinstance(exit.code, int) else 1)
        os._exit(0)
    print(json.dumps(pid), flush=True)
"""


class Zygote:
    """Runs `hcctl` commands, or functions named `module:function`, as forked processes."""

    def __init__(
        self,
        folder: Path,
        *,
        hc: HealthchecksServer | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        extra = {"HC_API_URL": hc.api_url, "HC_API_KEY": hc.api_key} if hc is not None else {}
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        environ = {**os.environ, **extra, **(env or {}), "NO_COLOR": "1", "PYTHONPATH": path}
        self.folder = folder
        self.count = 0
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            env=environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, command: dict[str, object]) -> int:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert isinstance(answer, int)
        return answer

    def _out(self) -> Path:
        self.count += 1
        return self.folder / f"output-{self.count}.txt"

    def start(self, cwd: Path, *args: str) -> tuple[int, Path]:
        """Fork a machine running `hcctl ARGS` in `cwd`; its pid and its output file."""
        out = self._out()
        return self._ask({"cwd": str(cwd), "args": list(args), "out": str(out)}), out

    def call(self, cwd: Path, function: str, *args: object) -> tuple[int, Path]:
        """Fork a process calling `module:function(*args)` in `cwd`; its pid and output file."""
        out = self._out()
        command: dict[str, object] = {"cwd": str(cwd), "call": function}
        command.update(args=list(args), out=str(out))
        return self._ask(command), out

    def wait(self, pid: int) -> int:
        return self._ask({"wait": pid})

    def run(self, cwd: Path, *args: str) -> tuple[int, str]:
        pid, out = self.start(cwd, *args)
        return self.wait(pid), out.read_text()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.process.communicate()  # closing stdin ends it
