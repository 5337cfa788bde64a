"""The `hcctl` command: parse arguments, call one library function, print. Nothing else."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hcctl.__about__ import __version__
from hcctl.durations import parse_duration
from hcctl.errors import HcctlError, SpecError
from hcctl.settings import Settings
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


def _seconds(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


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
    callback=_seconds,
    help="How long to wait for the server to answer OK (90s, 5m...).",
)
@click.option("--api-url", help="The server's API [env HC_API_URL; default localhost:8000].")
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
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
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
