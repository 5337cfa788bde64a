"""Where a key is in a TOML text: tomllib gives values, never line numbers.

A line scanner, not a parser: it knows table headers (`[checks.api]`, `[[x]]`), assignments
(`key =`, dotted `a.b =`, quoted `"a b" =`) and skips the inside of multi-line strings. That is
enough to point at the line of any key a spec file can hold; a path that is not found falls back
to its closest parent (a key inside an inline table points at the table's line).
"""

from __future__ import annotations

import json
import re

__all__ = ["TomlLines", "format_path"]

_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_PART}(?:[ \t]*\.[ \t]*{_PART})*"
_HEADER = re.compile(rf"^[ \t]*\[\[?[ \t]*({_DOTTED})[ \t]*\]")
_ASSIGN = re.compile(rf"^[ \t]*({_DOTTED})[ \t]*=[ \t]*(.*)$")
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")

Path = tuple[str, ...]


def _unquote(part: str) -> str:
    if part.startswith('"'):
        try:
            return str(json.loads(part))
        except ValueError:
            return part[1:-1]
    if part.startswith("'"):
        return part[1:-1]
    return part


def _split(dotted: str) -> Path:
    return tuple(_unquote(part) for part in re.findall(_PART, dotted))


def format_path(path: Path) -> str:
    """("checks", "api", "timeout") -> "checks.api.timeout"; odd keys are quoted."""
    return ".".join(part if _BARE.fullmatch(part) else json.dumps(part) for part in path)


def _opens_multiline(value: str) -> str | None:
    """The delimiter of a multi-line string that starts `value` and does not close on its line."""
    for delimiter in ('"""', "'''"):
        if value.startswith(delimiter) and delimiter not in value[3:]:
            return delimiter
    return None


class TomlLines:
    """Line numbers of the tables and keys of one TOML text.

    >>> TomlLines("[checks.api]\\ntimeout = 60\\n").line_of(("checks", "api", "timeout"))
    2
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        self.repeated: list[tuple[Path, int]] = []  # keys assigned twice, where the 2nd is
        self._implied: dict[Path, int] = {}  # every parent of a path -> its first child's line
        self._scan(text)

    def _record(self, path: Path, number: int) -> None:
        if path in self.lines:
            self.repeated.append((path, number))
            return
        self.lines[path] = number
        for end in range(1, len(path)):
            self._implied.setdefault(path[:end], number)

    def _scan(self, text: str) -> None:
        table: Path = ()
        inside: str | None = None  # the delimiter of the multi-line string being skipped
        for number, line in enumerate(text.split("\n"), 1):
            if inside is not None:
                if inside in line:
                    inside = None
                continue
            header = _HEADER.match(line)
            if header:
                table = _split(header.group(1))
                if table not in self.lines:
                    self._record(table, number)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                self._record(table + _split(assign.group(1)), number)
                inside = _opens_multiline(assign.group(2))

    def line_of(self, path: Path) -> int | None:
        """The line of `path`; else of its first child (a table only implied by its children,
        like `checks` in `[checks.api]`); else of its closest parent; None if none has one."""
        if path in self.lines:
            return self.lines[path]
        if path in self._implied:
            return self._implied[path]
        for end in range(len(path) - 1, 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None
