"""The `hcctl` command: parse arguments, call one library function, print. Nothing else."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hcctl.__about__ import __version__
from hcctl.errors import HcctlError, SpecError
from hcctl.settings import validate as validate_files
from hcctl.spec import Spec


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hcctl")
def cli() -> None:
    """Healthchecks checks as code: the same checks, with the same UUIDs, everywhere."""


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
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(path_type=Path),
    help="The check definitions [env HC_SPEC; default: healthchecks.toml beside the env file].",
)
@click.option(
    "--env-file",
    type=click.Path(path_type=Path),
    help="The env file of UUIDs [env HC_ENV_FILE; default: .env.healthchecks beside the spec].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
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


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    from hcctl.durations import parse_duration

    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


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


def main() -> None:
    cli()
