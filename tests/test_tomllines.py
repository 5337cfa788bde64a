from __future__ import annotations

from hcctl._tomllines import TomlLines, format_path

TEXT = """\
# a comment = 1
[defaults]
grace = "5m"

[checks.api]
timeout = "5m"
desc = '''
not_a_key = "inside a multi-line string"
'''
tags = [
  "a",
]
checks.inline = { timeout = 60 }

[checks."odd key"]
"quoted key" = 1
sub . dotted = 2
"""


def line_of(*path: str) -> int | None:
    return TomlLines(TEXT).line_of(path)


def test_it_finds_table_headers_and_keys() -> None:
    assert line_of("defaults") == 2
    assert line_of("defaults", "grace") == 3
    assert line_of("checks", "api") == 5
    assert line_of("checks", "api", "tags") == 10


def test_it_skips_the_inside_of_multiline_strings() -> None:
    assert line_of("checks", "api", "not_a_key") == 5


def test_it_finds_quoted_and_dotted_keys() -> None:
    assert line_of("checks", "odd key") == 15
    assert line_of("checks", "odd key", "quoted key") == 16
    assert line_of("checks", "odd key", "sub", "dotted") == 17


def test_it_falls_back_to_the_closest_parent() -> None:
    assert line_of("checks", "api", "checks", "inline", "timeout") == 13
    assert line_of("checks", "api", "missing") == 5
    assert line_of("nowhere") is None


def test_it_remembers_keys_set_twice() -> None:
    assert TomlLines("a = 1\nb = 2\na = 3\n").repeated == [(("a",), 3)]


def test_it_quotes_odd_keys_in_paths() -> None:
    assert format_path(("checks", "odd key", "timeout")) == 'checks."odd key".timeout'
