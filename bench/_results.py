"""The one writer of bench/RESULTS.md: each benchmark owns a block between its own markers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def record_section(name: str, lines: Sequence[str]) -> None:
    """Replace benchmark `name`'s block with `lines` (a title first), keeping every other block."""
    start, end = f"<!-- bench: {name} -->", f"<!-- /bench: {name} -->"
    block = "\n".join([start, *lines, end])
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text)
