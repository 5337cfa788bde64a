"""The `hcctl` command's entry point (also `python -m hcctl`).

`hcctl ping` is answered here without importing click and the rest of the CLI: a ping sent from
cron or a shell script should cost little more than Python itself plus one request, and click
alone costs about 65 ms to import (bench/ping.py measures the whole). Anything this small parser
does not fully understand (`--help`, an unknown option, a missing argument) goes to the click
command of the same name in hcctl.cli, which calls the same `hcctl.ping.send_ping` and so
behaves the same, and prints click's usage message.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_VALUE_OPTIONS = ("--rid", "--body-file")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["ping"]:
        parsed = _parse_ping(args[1:])
        if parsed is not None:
            sys.exit(_ping(parsed))
    from hcctl.cli import cli

    cli.main(args=args, prog_name="hcctl")


def _parse_ping(args: list[str]) -> dict[str, str | bool] | None:
    """The options of `hcctl ping CHECK [KIND] [--rid R] [--body-file F] [--create]`, or None."""
    found: dict[str, str | bool] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in _VALUE_OPTIONS and name not in found:
            if not eq:
                if i + 1 == len(args):
                    return None
                i += 1
                value = args[i]
            found[name] = value
        elif arg == "--create" and arg not in found:
            found[arg] = True
        elif (arg.startswith("-") and arg != "-") or len(positional) == 2:
            return None  # help, an unknown option, a repeat: click explains
        else:
            positional.append(arg)
        i += 1
    if not positional:
        return None
    found["check"] = positional[0]
    found["kind"] = positional[1] if len(positional) > 1 else "success"
    return found


def _ping(options: dict[str, str | bool]) -> int:
    from hcctl.errors import HcctlError
    from hcctl.ping import send_ping

    body_file = options.get("--body-file")
    rid = options.get("--rid")
    try:
        send_ping(
            str(options["check"]),
            str(options["kind"]),
            body_file=str(body_file) if body_file is not None else None,
            rid=str(rid) if rid is not None else None,
            create=bool(options.get("--create")),
        )
    except HcctlError as exc:
        sys.stderr.write(f"Error: {exc}\n")  # as click.ClickException shows it
        return 1
    return 0


if __name__ == "__main__":
    main()
