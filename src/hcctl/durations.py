"""Durations as users write them ("90s", "5m", "2h", "1d", "1w" or integer seconds) <-> seconds."""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")


def parse_duration(value: object) -> int:
    """Return whole seconds for `value`; raise ValueError with a plain sentence otherwise.

    >>> parse_duration("5m"), parse_duration(90), parse_duration("1w")
    (300, 90, 604800)
    """
    if isinstance(value, bool):
        raise ValueError(f'expected a duration like 90, "90s", "5m", "2h", "1d", got {value!r}')
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a duration cannot be negative, got {value}")
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str):
        match = _PATTERN.match(value)
        if match:
            return int(match.group(1)) * _UNITS[match.group(2) or "s"]
    raise ValueError(f'expected a duration like 90, "90s", "5m", "2h", "1d", got {value!r}')


def format_duration(seconds: int) -> str:
    """The shortest exact spelling of `seconds`: 300 -> "5m", 90 -> "90s", 86400 -> "1d"."""
    for unit in ("w", "d", "h", "m"):
        size = _UNITS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
