"""The `hcctl` command: parse arguments, call one library function, print. Nothing else."""

from __future__ import annotations

import click

from hcctl.__about__ import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="hcctl")
def cli() -> None:
    """Healthchecks checks as code: the same checks, with the same UUIDs, everywhere."""


# --- spec: validate ---------------------------------------------------------------------------


# --- server: serve ----------------------------------------------------------------------------


# --- sync: plan, apply, prune, export, verify, status -----------------------------------------


# --- pings: ping, run -------------------------------------------------------------------------


def main() -> None:
    cli()
