"""The `hcctl` command: parse arguments, call one library function, print. Nothing else."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, TaskID

from hcctl import sync
from hcctl.__about__ import __version__
from hcctl.api import Check
from hcctl.apply import Outcome
from hcctl.durations import parse_duration
from hcctl.errors import HcctlError, SpecError
from hcctl.export import export as export_checks
from hcctl.report import (
    apply_json,
    check_json,
    plan_json,
    render_apply,
    render_checks,
    render_plan,
    render_verify,
    status_json,
    status_table,
    verify_json,
)
from hcctl.settings import Settings
from hcctl.settings import validate as validate_files
from hcctl.spec import Spec


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hcctl")
def cli() -> None:
    """Healthchecks checks as code: the same checks, with the same UUIDs, everywhere."""


_SPEC_OPTION = click.option(
    "--spec",
    "spec_path",
    type=click.Path(path_type=Path),
    help="The check definitions [env HC_SPEC; default: healthchecks.toml beside the env file].",
)
_ENV_OPTION = click.option(
    "--env-file",
    type=click.Path(path_type=Path),
    help="The env file of UUIDs [env HC_ENV_FILE; default: .env.healthchecks beside the spec].",
)
_API_OPTION = click.option(
    "--api-url", help="The Management API [env HC_API_URL; default: http://localhost:8000/api/v3/]."
)
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:

    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


# --- spec: validate ---------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _validation_json(spec: Spec | None, error: SpecError | None) -> str:
    checks = list(spec or ())
    report = {
        "valid": error is None,
        "checks": len(checks),
        "with_uuid": sum(1 for c in checks if c.uuid),
        "problems": [
            {"file": p.file, "line": p.line, "path": p.path, "message": p.message}
            for p in (error.problems if error else [])
        ],
        "warnings": list(spec.warnings if spec else ()),
    }
    return json.dumps(report, indent=2, ensure_ascii=False)


@cli.command()
@_SPEC_OPTION
@_ENV_OPTION
@_JSON_OPTION
def validate(spec_path: Path | None, env_file: Path | None, as_json: bool) -> None:
    """Check the spec and env file offline; list every problem.

    Nothing is sent or written. Exit 0 with a one-line summary when both files are valid,
    1 with every problem (file, line, key path, what is wrong) otherwise.
    """
    spec, error = None, None
    try:
        spec = validate_files(spec_path=spec_path, env_file=env_file)
    except SpecError as exc:
        error = exc
    if as_json:
        click.echo(_validation_json(spec, error))
        if error:
            sys.exit(1)
        return
    for warning in spec.warnings if spec else ():
        click.echo(f"warning: {warning}", err=True)
    if error is not None:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{_plural(len(error.problems), 'problem')} found")
    assert spec is not None
    with_uuid = sum(1 for check in spec if check.uuid)
    uuids = "a UUID" if with_uuid == 1 else "UUIDs"
    click.echo(f"{_plural(len(spec), 'check')}, {with_uuid} with {uuids}")


# --- server: serve ----------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite database file (kept between runs). Default: a temporary one.",
)
@click.option("--api-key", help="Read-write API key (32 characters). Default: a new one.")
@click.option("--api-key-readonly", help="Read-only API key (32 characters). Default: a new one.")
@click.option("--ping-key", help="Ping key for slug URLs. Default: a new one.")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help='An integration to create: a kind ("email", "slack") or KIND:NAME. Repeatable. '
    "Default: email and slack.",
)
@click.option(
    "--ping-body-limit",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Bytes of a ping body that are kept.",
)
def serve(
    host: str,
    port: int,
    db_path: Path | None,
    api_key: str | None,
    api_key_readonly: str | None,
    ping_key: str | None,
    channels: tuple[str, ...],
    ping_body_limit: int,
) -> None:
    """Run a local Healthchecks-compatible server (API v3 and pings) until Ctrl+C."""
    from hcctl.server.serve import serve as run_server

    try:
        run_server(
            host=host,
            port=port,
            db_path=db_path,
            api_key=api_key,
            api_key_readonly=api_key_readonly,
            ping_key=ping_key,
            channels=channels or ("email", "slack"),
            ping_body_limit=ping_body_limit,
            echo=click.echo,
        )
    except HcctlError as exc:
        raise click.ClickException(str(exc)) from exc


# --- sync: plan, apply, prune, export, verify, status -----------------------------------------


def _server_options(command: Callable[..., None]) -> Callable[..., None]:
    """--spec, --env-file and --api-url; the API key comes from HC_API_KEY or the .local file."""
    return _SPEC_OPTION(_ENV_OPTION(_API_OPTION(command)))


def _pinning_options(command: Callable[..., None]) -> Callable[..., None]:
    db_url = click.option(
        "--db-url",
        help="Pin UUIDs in the server's database: sqlite:///path, postgresql://..., "
        "mysql://... [env HC_DB_URL].",
    )
    django_cmd = click.option(
        "--django-cmd",
        help="Pin UUIDs through the server's manage.py, e.g. "
        '"docker compose exec -T web /opt/healthchecks/manage.py" [env HC_DJANGO_CMD].',
    )
    return db_url(django_cmd(command))


def _settings(**flags: Any) -> Settings:
    return Settings.load(**{k: v for k, v in flags.items() if v is not None})


def _console() -> Console:
    # soft_wrap: a long line stays one line in a pipe or a narrow terminal, as with plain echo.
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 1000  # a pipe has no width: a table row stays one line for grep
    return console


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _fail(exc: HcctlError) -> click.ClickException:
    return click.ClickException(str(exc))


def _is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@cli.command()
@_server_options
@_pinning_options
@click.option("--force-recreate", is_flag=True, help="Plan to resend every field of every check.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there is something to do (0: nothing, 1: error).",
)
@_JSON_OPTION
def plan(detailed_exitcode: bool, as_json: bool, force_recreate: bool, **flags: Any) -> None:
    """Show what apply would change (a read-only API key is enough)."""
    try:
        settings = _settings(**flags)
        result = sync.plan(settings=settings, force_recreate=force_recreate)
    except HcctlError as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(plan_json(result))
    else:
        _console().print(render_plan(result, env_name=str(settings.env_file)), end="")
    if result.conflicts:
        raise click.ClickException("the plan has conflicts: apply will refuse it")
    if detailed_exitcode and result.has_changes:
        sys.exit(2)


class _ProgressBar:
    """A progress bar on a terminal for more than a few checks; nothing otherwise."""

    MIN_TOTAL = 5

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def start(self, total: int) -> None:
        if self.enabled and total > self.MIN_TOTAL:
            self.bar = Progress(transient=True)
            self.task = self.bar.add_task("Applying", total=total)
            self.bar.start()

    def advance(self, outcome: Outcome) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=1, description=f"Applying {outcome.key}")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@cli.command()
@_server_options
@_pinning_options
@click.option(
    "--force-recreate",
    is_flag=True,
    help="Resend every field of every managed check (UUIDs are kept).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=64),
    default=4,
    show_default=True,
    help="Checks changed at the same time.",
)
@_JSON_OPTION
def apply(force_recreate: bool, concurrency: int, as_json: bool, **flags: Any) -> None:
    """Create, update and pin checks until the server matches the spec; never deletes."""
    progress = _ProgressBar(enabled=not as_json and sys.stdout.isatty())
    try:
        settings = _settings(**flags)
        result = sync.apply(
            settings=settings,
            force_recreate=force_recreate,
            concurrency=concurrency,
            progress=progress,
        )
    except HcctlError as exc:
        raise _fail(exc) from exc
    finally:
        progress.stop()
    if as_json:
        _echo_json(apply_json(result))
    else:
        _console().print(render_apply(result), end="")


@cli.command()
@_server_options
@click.option("--unmanaged", is_flag=True, help="Also delete every check the spec does not hold.")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking.")
@_JSON_OPTION
def prune(unmanaged: bool, yes: bool, as_json: bool, **flags: Any) -> None:
    """Delete duplicates of managed checks (with --unmanaged, every check not in the spec)."""
    console = _console()

    def confirm(checks: Sequence[Check]) -> bool:
        if not as_json:
            console.print(f"{len(checks)} check{'s' * (len(checks) != 1)} to delete:")
            console.print(render_checks(checks), end="")
        if yes:
            return True
        if not _is_terminal() or as_json:
            raise click.ClickException("refusing to delete without --yes when not on a terminal")
        return click.confirm("Delete them?", default=False)

    try:
        result = sync.prune(settings=_settings(**flags), unmanaged=unmanaged, confirm=confirm)
    except HcctlError as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(
            {
                "candidates": [check_json(c) for c in result.candidates],
                "deleted": [check_json(c) for c in result.deleted],
            }
        )
    elif not result.candidates:
        console.print("Nothing to prune.")
    else:
        console.print(f"Deleted {len(result.deleted)} of {len(result.candidates)}.")


@cli.command()
@click.option(
    "--output-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Where to write healthchecks.toml and .env.healthchecks.",
)
@click.option("--tag", "tags", multiple=True, help="Only checks with this tag (repeatable: all).")
@click.option("--force", is_flag=True, help="Overwrite the files if they exist.")
@_API_OPTION
def export(output_dir: Path, tags: tuple[str, ...], force: bool, api_url: str | None) -> None:
    """Write the server's checks as healthchecks.toml and .env.healthchecks."""
    try:
        result = export_checks(
            settings=_settings(api_url=api_url), output_dir=output_dir, tags=tags, force=force
        )
    except HcctlError as exc:
        raise _fail(exc) from exc
    click.echo(f"{result.count} checks written to {result.spec_path} and {result.env_path}")
    if result.skipped:
        click.echo(f"{len(result.skipped)} duplicates left out (hcctl plan lists them)")


@cli.command()
@_server_options
@click.option("--ping", is_flag=True, help="Also send each check a /log ping and expect 200.")
@_JSON_OPTION
def verify(ping: bool, as_json: bool, **flags: Any) -> None:
    """Check that every spec check exists with its UUID and fields; exit 1 if not."""
    try:
        result = sync.verify(settings=_settings(**flags), ping=ping)
    except HcctlError as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(verify_json(result))
    else:
        _console().print(render_verify(result), end="")
    if not result.ok:
        sys.exit(1)


@cli.command()
@_server_options
@_JSON_OPTION
def status(as_json: bool, **flags: Any) -> None:
    """Show every spec check's status, last ping and schedule."""
    try:
        rows = sync.status(settings=_settings(**flags))
    except HcctlError as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(status_json(rows))
    else:
        _console().print(status_table(rows))


# --- pings: ping, run -------------------------------------------------------------------------
# `hcctl ping` normally never reaches this module: hcctl.__main__ answers it without importing
# click (startup time). This command is the reference it falls back to for help and errors.


@cli.command("ping")
@click.argument("check")
@click.argument("kind", required=False, default="success")
@click.option("--rid", metavar="UUID", help="Run id pairing a start ping with its end ping.")
@click.option(
    "--body-file",
    metavar="FILE",
    help="Send this file's content as the body ('-' reads standard input).",
)
@click.option(
    "--create",
    is_flag=True,
    help="Create the check if missing, with ?create=1 on its slug URL (needs HC_PING_KEY).",
)
def ping_command(
    check: str, kind: str, rid: str | None, body_file: str | None, create: bool
) -> None:
    """Send one ping to CHECK: a spec key, a UUID or a slug.

    KIND is success (the default), start, fail, log or an exit status 0-255. Exits 0 when the
    server recorded the ping; otherwise prints the reason and exits 1. A check of the spec that
    is missing on the server is created first (auto-provisioning).
    """
    from hcctl.ping import send_ping

    try:
        send_ping(check, kind, body_file=body_file, rid=rid, create=create)
    except HcctlError as exc:
        raise click.ClickException(str(exc)) from exc


# Options may follow CHECK; everything after `--` is the command, untouched.
@cli.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("check")
@click.option("--no-start", is_flag=True, help="Send no start ping (no run time measured).")
@click.option(
    "--timeout",
    metavar="DURATION",
    callback=_duration,
    help='Stop the command after this long ("90s", "5m", "2h"): SIGTERM, SIGKILL 10s later; '
    "sends a fail ping and exits 124.",
)
@click.option(
    "--tail",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    metavar="BYTES",
    help="Bytes of the command's output kept for the ping body (the server's limit cuts further).",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run_command(
    check: str, no_start: bool, timeout: int | None, tail: int, command: tuple[str, ...]
) -> None:
    """Run COMMAND between a start ping and an exit-status ping carrying its output's tail.

    Output passes through untouched; hcctl exits with the command's status (128+N when killed
    by signal N, 127 when it cannot be started). SIGINT and SIGTERM are forwarded to it. A
    failed ping is reported on stderr and never changes the outcome.

        hcctl run backup --timeout 2h -- pg_dump -f /backups/db.sql mydb
    """
    import logging

    from hcctl.runner import run_check

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("hcctl.ping").addHandler(handler)
    try:
        code = run_check(check, command, start=not no_start, timeout=timeout, tail=tail)
    except HcctlError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)


# --- bootstrap ---------------------------------------------------------------------------------


class _WaitProgress:
    """One updating line on a terminal; elsewhere a line every few seconds, not every poll."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown_at: float | None = None

    def __call__(self, waited: float, last: str) -> None:
        line = f"waiting for the server ({waited:.0f}s): {last}"
        if self.tty:
            click.echo("\r" + line[:100].ljust(100), nl=False, err=True)
            self.shown_at = waited
        elif self.shown_at is None or waited - self.shown_at >= 5:
            click.echo(line, err=True)
            self.shown_at = waited

    def finish(self) -> None:
        if self.tty and self.shown_at is not None:
            click.echo(err=True)


@cli.command()
@click.option(
    "--django-cmd",
    help="Runs the server's manage.py, e.g. 'docker compose exec -T web "
    "/opt/healthchecks/manage.py' [env HC_DJANGO_CMD; default with --compose-file: that].",
)
@click.option(
    "--compose-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Start the server first: docker compose -f FILE up -d SERVICE.",
)
@click.option("--service", default="web", show_default=True, help="The compose service.")
@click.option(
    "--admin-email",
    help="The admin account [default: HC_ADMIN_EMAIL of the local file, else admin@localhost].",
)
@click.option("--project", default="hcctl", show_default=True, help="The admin's project.")
@click.option(
    "--wait",
    default="2m",
    show_default=True,
    callback=_duration,
    help="How long to wait for the server to answer OK (90s, 5m...).",
)
@_API_OPTION
@_SPEC_OPTION
@_ENV_OPTION
@_JSON_OPTION
def bootstrap(
    django_cmd: str | None,
    compose_file: Path | None,
    service: str,
    admin_email: str | None,
    project: str,
    wait: int,
    api_url: str | None,
    spec_path: Path | None,
    env_file: Path | None,
    as_json: bool,
) -> None:
    """Make a self-hosted Healthchecks ready, repeatably.

    Starts it (with --compose-file), waits until it answers, makes sure the admin user, its
    project and the project's read-write, read-only and ping keys exist (through --django-cmd,
    the server's manage.py), then applies the spec with pinned UUIDs and prints a summary.
    Keys and the admin's password are kept in .env.healthchecks.local (mode 600). Running it
    again on a ready server changes nothing and says so. Exit 1 with one line on failure.
    """
    from hcctl.bootstrap import bootstrap as run_bootstrap
    from hcctl.bootstrap import render_summary, summary_json

    progress = _WaitProgress()
    try:
        settings = Settings.load(api_url=api_url, spec_path=spec_path, env_file=env_file)
        result = run_bootstrap(
            django_cmd=django_cmd,
            compose_file=compose_file,
            service=service,
            admin_email=admin_email,
            project=project,
            wait=wait,
            settings=settings,
            on_progress=progress,
        )
    except HcctlError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.finish()
    click.echo(summary_json(result) if as_json else render_summary(result))


def main() -> None:
    cli()
