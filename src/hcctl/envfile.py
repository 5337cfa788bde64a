"""The `.env.healthchecks` lock file of UUIDs: a round-trip reader and writer.

Applications read the file (`read_env`); `hcctl apply` writes the UUIDs it created or adopted
(`update_env`). A write changes only the lines of the variables it sets and keeps every other
byte as it was: comments, blank lines, `export ` prefixes, quotes, inline comments, CRLF endings.

    update_env(Path(".env.healthchecks"), {"HC_CHECK_API": "0cab08fe-..."})

Writes are atomic (a temporary file in the same folder, fsync, rename, the file's mode kept) and
serialised by a lock file next to it, `<name>.lock` (`.env.healthchecks.lock`: git-ignore it), so
two processes updating different variables at once both land.

Format, one assignment a line: `NAME=value`, `export NAME=value`, `NAME = 'value'`,
`NAME="value"  # comment`. Unquoted values end at a `#` that follows whitespace; single quotes
are literal; double quotes understand the escapes \\\\ \\" \\n \\r \\t. Values span one line.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from filelock import FileLock, Timeout

from hcctl.errors import HcctlError, SpecError, SpecProblem

__all__ = [
    "EnvLine",
    "encode_value",
    "lock_path",
    "parse_env",
    "read_env",
    "read_lines",
    "read_text",
    "update_env",
]

LOCK_TIMEOUT = 30.0  # seconds; a writer holds the lock for milliseconds

_ASSIGNMENT = re.compile(
    r"^(?P<lead>\ufeff?[ \t]*)(?P<export>export[ \t]+)?"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*"
)
_VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BARE_SAFE = re.compile(r"^[A-Za-z0-9_./:@+,%=-]*$")
_AFTER_VALUE = re.compile(r"^[ \t]*(#.*)?$")
_UNESCAPE = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


@dataclass(frozen=True)
class EnvLine:
    """One line of an env file, with its ending, and what it assigns (if anything)."""

    raw: str  # the whole line, ending included
    number: int  # 1-based
    name: str | None = None  # None for blank lines, comments and malformed lines
    value: str | None = None
    start: int = 0  # where the value's text (quotes included) sits in `raw`
    end: int = 0
    quote: str = ""  # "", "'" or '"'
    export: bool = False  # written with the `export ` prefix
    error: str | None = None  # why the line is not an assignment, when it is malformed


def _split_lines(text: str) -> list[str]:
    # Only "\n" ends a line: str.splitlines() would also split on \x0b, \x1c, \u2028...
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _content_length(raw: str) -> int:
    """Length of the line without its ending ("\\n" or "\\r\\n")."""
    if raw.endswith("\r\n"):
        return len(raw) - 2
    if raw.endswith("\n"):
        return len(raw) - 1
    return len(raw)


def _scan_double(content: str, start: int) -> tuple[str, int] | None:
    """Decode a double-quoted value opening at `start`; (value, index after it) or None."""
    out: list[str] = []
    i = start + 1
    while i < len(content):
        char = content[i]
        if char == '"':
            return "".join(out), i + 1
        if char == "\\" and i + 1 < len(content):
            following = content[i + 1]
            out.append(_UNESCAPE.get(following, "\\" + following))
            i += 2
            continue
        out.append(char)
        i += 1
    return None


def _parse_value(content: str, start: int) -> tuple[str, int, str] | str:
    """(value, end of its text, quote) for the value at `start`, or the reason it is malformed."""
    rest = content[start:]
    if rest.startswith("'"):
        close = rest.find("'", 1)
        if close < 0:
            return "the single quote is never closed (values span one line)"
        value, end, quote = rest[1:close], start + close + 1, "'"
    elif rest.startswith('"'):
        scanned = _scan_double(content, start)
        if scanned is None:
            return "the double quote is never closed (values span one line)"
        value, end = scanned
        quote = '"'
    else:
        comment = re.search(r"(^|[ \t])#", rest)
        text = rest[: comment.start()] if comment else rest
        text = text.rstrip(" \t")
        return text, start + len(text), ""
    if not _AFTER_VALUE.fullmatch(content[end:]):
        return "unexpected text after the closing quote"
    return value, end, quote


def _parse_line(raw: str, number: int) -> EnvLine:
    content = raw[: _content_length(raw)]
    stripped = content.strip(" \t\ufeff")  # a byte-order mark may open the file
    if not stripped or stripped.startswith("#"):
        return EnvLine(raw, number)
    match = _ASSIGNMENT.match(content)
    if not match:
        return EnvLine(raw, number, error="is not NAME=value")
    parsed = _parse_value(content, match.end())
    if isinstance(parsed, str):
        return EnvLine(raw, number, name=match.group("name"), error=parsed)
    value, end, quote = parsed
    start = match.end()
    if not value and not quote:
        # An empty value is filled in right after "=", before any spacing and comment.
        start = end = content.index("=", match.end("name")) + 1
    export = match.group("export") is not None
    return EnvLine(raw, number, match.group("name"), value, start, end, quote, export)


def parse_env(text: str) -> list[EnvLine]:
    """Every line of `text`, endings kept: "".join(line.raw for line in result) == text."""
    return [_parse_line(raw, number) for number, raw in enumerate(_split_lines(text), 1)]


def read_text(path: Path) -> str | None:
    """The file's text; None when it does not exist; SpecError when it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise SpecError([SpecProblem(str(path), "", "is a directory, not a file")]) from None
    except OSError as exc:
        message = f"cannot be read: {exc.strerror or exc}"
        raise SpecError([SpecProblem(str(path), "", message)]) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)"
        raise SpecError([SpecProblem(str(path), "", message, line)]) from exc


def read_lines(path: Path) -> list[EnvLine] | None:
    """Every line of the file at `path`, or None when it does not exist."""
    text = read_text(path)
    return None if text is None else parse_env(text)


def read_env(path: Path) -> dict[str, str]:
    """The variables the file assigns (the last assignment wins); {} when it does not exist.

    Raises SpecError listing every malformed line, or when the file cannot be read or decoded.
    """
    lines = read_lines(path) or []
    problems = [
        SpecProblem(str(path), line.name or "", line.error, line.number)
        for line in lines
        if line.error is not None
    ]
    if problems:
        raise SpecError(problems)
    return {line.name: line.value for line in lines if line.name and line.value is not None}


def encode_value(value: str, quote: str = "") -> str:
    """`value` as it is written after `NAME=`, in `quote` style when that style can hold it."""
    if quote == "" and _BARE_SAFE.fullmatch(value):
        return value
    if quote in ("", "'") and not any(c in value for c in "'\n\r"):
        return f"'{value}'"
    return '"' + "".join(_ESCAPE.get(c, c) for c in value) + '"'


def lock_path(path: Path) -> Path:
    """The lock file that serialises writers of `path`: `<name>.lock` next to it."""
    return path.with_name(path.name + ".lock")


def _line_ending(lines: list[EnvLine]) -> str:
    return "\r\n" if lines and lines[0].raw.endswith("\r\n") else "\n"


def _with_ending(raw: str, eol: str) -> str:
    return raw if raw.endswith("\n") else raw + eol


def _set_existing(lines: list[EnvLine], name: str, value: str) -> bool:
    """Rewrite the value of the last assignment of `name` in place; False when there is none."""
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.name == name and line.error is None:
            text = line.raw[: line.start] + encode_value(value, line.quote) + line.raw[line.end :]
            lines[index] = _parse_line(text, line.number)
            return True
    return False


def _insert_new(lines: list[EnvLine], name: str, value: str) -> None:
    """Add `NAME=value` after the last HC_CHECK_ line for check variables, else at the end."""
    eol = _line_ending(lines)
    anchor = None
    if name.startswith("HC_CHECK_"):
        anchors = [i for i, line in enumerate(lines) if (line.name or "").startswith("HC_CHECK_")]
        anchor = anchors[-1] if anchors else None
    prefix = "export " if anchor is not None and lines[anchor].export else ""
    position = len(lines) if anchor is None else anchor + 1
    if position > 0:
        before = lines[position - 1]
        lines[position - 1] = replace(before, raw=_with_ending(before.raw, eol))
    lines.insert(position, _parse_line(f"{prefix}{name}={encode_value(value)}{eol}", 0))


def _apply(text: str, values: Mapping[str, str]) -> str:
    lines = parse_env(text)
    for name, value in values.items():
        if not _set_existing(lines, name, value):
            _insert_new(lines, name, value)
    return "".join(line.raw for line in lines)


def _check_names(path: Path, values: Mapping[str, str]) -> None:
    problems = [
        SpecProblem(str(path), name, "is not a valid variable name (letters, digits, _)")
        for name in values
        if not _VALID_NAME.fullmatch(name)
    ]
    problems += [
        SpecProblem(str(path), name, "a value cannot contain a NUL character")
        for name, value in values.items()
        if "\0" in value
    ]
    if problems:
        raise SpecError(problems)


def _new_file_mode(path: Path) -> int:
    # A `.local` file holds secrets: readable by its owner only.
    return 0o600 if path.name.endswith(".local") else 0o644


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_dead_writers_files(path: Path) -> None:
    # A writer's temporary file lives only while it holds the lock: one found by the lock's
    # holder was left by a writer that was killed before its rename.
    for leftover in path.parent.glob(f"{glob.escape(_temp_prefix(path))}*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def update_env(path: Path, values: Mapping[str, str]) -> None:
    """Set each variable of `values` in the file at `path`, keeping every other byte.

    An existing variable keeps its line, prefix, quotes and comment; a new `HC_CHECK_` variable
    goes after the last `HC_CHECK_` line, any other at the end. Creates the file if missing.
    Raises SpecError for a bad name or an unreadable file, HcctlError when it cannot write.
    """
    _check_names(path, values)
    target = Path(os.path.realpath(path))  # write through a symlink, do not replace it
    if not target.parent.is_dir():
        raise HcctlError(f"{path}: cannot be written: its folder does not exist")
    try:
        with FileLock(lock_path(target), timeout=LOCK_TIMEOUT):
            _remove_dead_writers_files(target)
            text = read_text(target) or ""
            new = _apply(text, values)
            if new != text or not target.exists():
                _write_atomically(target, new.encode("utf-8"))
    except Timeout as exc:
        message = f"{path}: another process held {lock_path(path).name} for {LOCK_TIMEOUT:g}s"
        raise HcctlError(message) from exc
    except OSError as exc:
        raise HcctlError(f"{path}: cannot be written: {exc.strerror or exc}") from exc
