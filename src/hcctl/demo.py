"""`make demo`: the main job, end to end. It grows with each part that lands.

For now: load and validate the seeds' project in examples/ and show its checks.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hcctl.durations import format_duration
from hcctl.errors import SpecError
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


def main() -> None:
    # A log or a pipe is not a narrow terminal: give the table room.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    examples = _examples()
    console.print(f"[bold]hcctl validate[/bold] --spec {examples}/healthchecks.toml")
    try:
        spec = load_spec(examples / "healthchecks.toml", examples / ".env.healthchecks")
    except SpecError as exc:
        for problem in exc.problems:
            console.print(str(problem), markup=False)
        sys.exit(1)
    console.print(_table(spec))
    with_uuid = sum(1 for check in spec if check.uuid)
    console.print(f"{len(spec)} checks, {with_uuid} with UUIDs: the spec is valid.")


if __name__ == "__main__":
    main()
