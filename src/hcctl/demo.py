"""`make demo`: the main job, end to end, on an embedded local server.

The seeds' project in examples/: validate it, plan, apply with SQL pinning, show that the
server's UUIDs are the env file's, apply again ("No changes"), and show the status board.
The examples are copied to a temporary folder first: the demo changes nothing in the checkout.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hcctl import sync
from hcctl.api import HealthchecksApi
from hcctl.durations import format_duration
from hcctl.envfile import read_env
from hcctl.errors import HcctlError, SpecError
from hcctl.report import render_apply, render_plan, status_table
from hcctl.server import LocalServer
from hcctl.settings import Settings
from hcctl.spec import CheckSpec, Spec, load_spec


def _examples() -> Path:
    # The repository's examples/ when run from a checkout, else ./examples.
    here = Path(__file__).resolve().parents[2] / "examples"
    return here if here.is_dir() else Path("examples")


def _timing(check: CheckSpec) -> str:
    if check.schedule is not None:
        return f"{check.schedule} ({check.tz or 'UTC'})"
    return f"every {format_duration(check.timeout)}" if check.timeout else ""


def _table(spec: Spec) -> Table:
    table = Table(title=f"{len(spec)} checks from {spec.spec_path} and {spec.env_path}")
    for column in ("key", "name", "variable", "UUID", "kind", "expected", "grace", "tags"):
        table.add_column(column, no_wrap=column in ("key", "variable", "UUID"))
    for check in spec:
        table.add_row(
            check.key,
            check.name,
            check.env,
            check.uuid or "-",
            check.kind,
            _timing(check),
            format_duration(check.grace) if check.grace else "",
            " ".join(check.tags or ()),
        )
    return table


def _validate(console: Console, examples: Path) -> Spec:
    console.print(f"[bold]$ hcctl validate[/bold] --spec {examples}/healthchecks.toml")
    try:
        spec = load_spec(examples / "healthchecks.toml", examples / ".env.healthchecks")
    except SpecError as exc:
        for problem in exc.problems:
            console.print(str(problem), markup=False)
        sys.exit(1)
    console.print(_table(spec))
    with_uuid = sum(1 for check in spec if check.uuid)
    console.print(f"{len(spec)} checks, {with_uuid} with UUIDs: the spec is valid.")
    return spec


def _uuid_table(folder: Path, server: LocalServer) -> tuple[Table, int, int]:
    env = read_env(folder / ".env.healthchecks")
    with HealthchecksApi(server.api_url, server.api_key) as api:
        on_server = {c.slug: c.uuid for c in api.list_checks()}
    spec = load_spec(folder / "healthchecks.toml", folder / ".env.healthchecks")
    table = Table(title="UUIDs: the env file's and the server's")
    for column in ("key", "variable", ".env.healthchecks", "server", ""):
        table.add_column(column, no_wrap=True)
    same = 0
    for check in spec:
        ours, theirs = env.get(check.env), on_server.get(check.slug)
        same += ours == theirs
        mark = "[green]=[/green]" if ours == theirs else "[red]differs[/red]"
        table.add_row(check.key, check.env, ours or "-", theirs or "-", mark)
    return table, same, len(spec)


def _hcctl(console: Console, folder: Path, server: LocalServer, *args: str) -> None:
    """Run the real `hcctl` CLI in the demo folder, as a cron job or a shell would."""
    shown = shlex.join(args)
    console.print(f"\n$ hcctl {shown}", style="bold", markup=False)
    environ = {
        **os.environ,
        "HC_API_URL": server.api_url,
        "HC_API_KEY": server.api_key,
        "HC_PING_URL": server.ping_url,
    }
    sys.stdout.flush()
    done = subprocess.run([sys.executable, "-m", "hcctl", *args], cwd=folder, env=environ)
    console.print(f"(exit status {done.returncode})")


def _ping(console: Console, folder: Path, server: LocalServer) -> None:
    """Jobs report in by check key; hcctl finds their UUIDs in the env file."""
    _hcctl(console, folder, server, "ping", "api")
    _hcctl(console, folder, server, "ping", "postgres")
    job = "echo removed 42 expired tokens; sleep 0.2"
    _hcctl(console, folder, server, "run", "token-cleanup", "--", "sh", "-c", job)


def _sync(console: Console, folder: Path) -> None:
    with LocalServer(db_path=folder / "healthchecks.sqlite") as server:
        db_url = f"sqlite:///{server.db_path}"
        settings = Settings.load(
            cwd=folder, environ={}, api_url=server.api_url, api_key=server.api_key, db_url=db_url
        )
        console.print(
            f"\nA local Healthchecks serves {server.api_url} (SQLite {server.db_path.name})"
        )
        console.print("\n[bold]$ hcctl plan[/bold]")
        console.print(render_plan(sync.plan(settings=settings)), end="")
        console.print(f"\n[bold]$ hcctl apply --db-url {db_url}[/bold]")
        console.print(render_apply(sync.apply(settings=settings)), end="")
        table, same, total = _uuid_table(folder, server)
        console.print(table)
        console.print(f"{same} of {total} UUIDs on the server are the env file's.")
        console.print(f"\n[bold]$ hcctl apply --db-url {db_url}[/bold]  (again)")
        console.print(render_apply(sync.apply(settings=settings)), end="")
        _ping(console, folder, server)
        console.print("\n[bold]$ hcctl status[/bold]")
        console.print(status_table(sync.status(settings=settings)))


def main() -> None:
    # A log or a pipe is not a narrow terminal: give the tables room.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    examples = _examples()
    _validate(console, examples)
    with tempfile.TemporaryDirectory(prefix="hcctl-demo-") as tmp:
        folder = Path(tmp)
        for name in ("healthchecks.toml", ".env.healthchecks"):
            shutil.copy(examples / name, folder / name)
        try:
            _sync(console, folder)
        except HcctlError as exc:
            console.print(f"Error: {exc}", markup=False)
            sys.exit(1)


if __name__ == "__main__":
    main()
