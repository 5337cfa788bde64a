"""Generated hostile input: specs, env files and server answers (hypothesis).

Whatever comes in, no traceback reaches the user, every error line is a plain sentence, and
nothing is sent or written when the input is invalid.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hcctl.api import set_testing
from hcctl.cli import cli
from tests.canned_http import Answer, CannedServer, json_answer

KEY = "hcw_0123456789abcdef0123456789ab"
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EMPTY = json_answer(200, {"checks": []})
GOOD_SPEC = '[checks.backup]\nname = "Backup"\ntimeout = "1h"\n'


@pytest.fixture(autouse=True)
def no_sleeping() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def hcctl(folder: Path, server: CannedServer, *args: str) -> Result:
    env: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith(("HC_", "HEALTHCHECKS_"))
    }
    env.update({"HC_API_URL": server.url, "HC_API_KEY": KEY, "NO_COLOR": "1"})
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner(env=env).invoke(cli, list(args))
    finally:
        os.chdir(cwd)


def assert_clear(result: Result) -> None:
    """Success, or a failure told in plain sentences: never a traceback or a crash."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert lines, "a failure without a message"
        assert lines[-1].startswith("Error: ") or lines[0].startswith("Error: "), result.stderr
        assert all(line.strip() for line in lines), result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".lock"}


def writes(server: CannedServer) -> list[str]:
    return [f"{r.method} {r.target}" for r in server.received if r.method != "GET"]


# --- strategies -------------------------------------------------------------------------------

odd_text = st.text(
    st.characters(codec="utf-8") | st.sampled_from("\u202e\u200b\ufeff\x00\n\"'\\="),
    max_size=120,
)
limit_strings = st.sampled_from([0, 1, 99, 100, 101, 1000]).map(lambda n: "a" * n)
toml_values = st.recursive(
    st.none().map(lambda _: '""')
    | st.integers(-(2**70), 2**70).map(str)
    | st.floats(allow_nan=True).map(lambda f: repr(f).replace("inf", "inf"))
    | st.booleans().map(lambda b: str(b).lower())
    | (odd_text | limit_strings).map(json.dumps),
    lambda inner: st.lists(inner, max_size=5).map(lambda xs: "[" + ", ".join(xs) + "]"),
    max_leaves=8,
)
fields = st.sampled_from(
    [
        "name",
        "slug",
        "timeout",
        "grace",
        "schedule",
        "tz",
        "tags",
        "desc",
        "channels",
        "uuid",
        "env",
        "manual_resume",
        "methods",
        "start_kw",
        "unknown_field",
        "subject",
    ]
)
check_keys = st.sampled_from(["backup", "a" * 101, "Über", "x y", "", "-", "9", "ok-1"]) | odd_text


@st.composite
def specs(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(odd_text)  # not even TOML, most of the time
    tables = []
    for key in draw(st.lists(check_keys, max_size=4)):
        body = [f"{draw(fields)} = {draw(toml_values)}" for _ in range(draw(st.integers(0, 4)))]
        tables.append(f"[checks.{json.dumps(key)}]\n" + "\n".join(body))
    return "\n".join(tables) + "\n"


env_lines = st.one_of(
    odd_text,
    st.tuples(
        st.sampled_from(["HC_CHECK_BACKUP", "HC_CHECK_X", "export HC_CHECK_BACKUP", "1BAD", ""]),
        st.sampled_from(["=", " = ", '="', "='"]),
        odd_text | st.sampled_from(["not-a-uuid", "0cab08fe-03f4-48c2-a927-90493fa0b2f2x"]),
    ).map("".join),
)
env_files = st.lists(env_lines, max_size=6).map("\n".join)

CHECK = {
    "name": "Backup",
    "slug": "backup",
    "uuid": "0cab08fe-03f4-48c2-a927-90493fa0b2f2",
    "timeout": 3600,
    "grace": 3600,
    "tags": "",
    "desc": "",
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=10,
)
broken_checks = st.builds(
    lambda field, value: {**CHECK, field: value}, st.sampled_from(sorted(CHECK)), json_values
)
answers = st.one_of(
    st.binary(max_size=200).map(lambda b: Answer(200, b, {"Content-Type": "application/json"})),
    json_values.map(lambda v: json_answer(200, v)),
    st.lists(broken_checks, max_size=3).map(lambda cs: json_answer(200, {"checks": cs})),
    st.just(json_answer(200, {"checks": [CHECK] * 5000})),  # a huge list
    st.just(Answer(200, json.dumps({"checks": [CHECK]}).encode()[:40])),  # cut short
    st.sampled_from([400, 401, 403, 404, 409, 413, 500, 502, 503]).map(
        lambda status: Answer(status, b"<html>\x00\xff</html>")
    ),
)


def test_apply_never_writes_a_uuid_the_server_made_up(tmp_path: Path) -> None:
    (tmp_path / "healthchecks.toml").write_text(GOOD_SPEC)
    listed = json_answer(200, {"checks": [{**CHECK, "uuid": "zz"}]})
    with CannedServer(listed) as server:
        result = hcctl(tmp_path, server, "apply")
    assert result.exit_code == 1
    assert "answered GET checks/ with a check with a malformed field" in result.stderr
    assert "uuid 'zz' is not a UUID" in result.stderr
    assert not (tmp_path / ".env.healthchecks").exists()
    assert writes(server) == []


# --- the properties ---------------------------------------------------------------------------


def validate_then_apply(folder: Path) -> None:
    """validate and apply `folder`: clear either way; when invalid, nothing sent or written."""
    before = snapshot(folder)
    with CannedServer(EMPTY) as server:
        checked = hcctl(folder, server, "validate")
        result = hcctl(folder, server, "apply")
    assert_clear(checked)
    assert_clear(result)
    event(f"validate exit {checked.exit_code}, apply exit {result.exit_code}")
    if checked.exit_code == 1:  # invalid: refused before anything is sent or written
        assert (result.exit_code, server.received) == (1, [])
        assert snapshot(folder) == before


@EXAMPLES
@given(spec=specs())
def test_a_hostile_spec_is_refused_clearly_before_anything_is_sent(
    tmp_path_factory: pytest.TempPathFactory, spec: str
) -> None:
    folder = tmp_path_factory.mktemp("spec")
    (folder / "healthchecks.toml").write_text(spec, errors="surrogatepass")
    validate_then_apply(folder)


@EXAMPLES
@given(env=env_files)
def test_a_hostile_env_file_is_refused_clearly_and_kept_byte_for_byte(
    tmp_path_factory: pytest.TempPathFactory, env: str
) -> None:
    folder = tmp_path_factory.mktemp("env")
    (folder / "healthchecks.toml").write_text(GOOD_SPEC)
    (folder / ".env.healthchecks").write_text(env, errors="surrogatepass")
    validate_then_apply(folder)


@EXAMPLES
@given(answer=answers)
def test_a_hostile_server_answer_is_reported_clearly_and_nothing_is_written(
    tmp_path_factory: pytest.TempPathFactory, answer: Answer
) -> None:
    folder = tmp_path_factory.mktemp("answer")
    (folder / "healthchecks.toml").write_text(GOOD_SPEC)
    before = snapshot(folder)
    with CannedServer(answer) as server:
        result = hcctl(folder, server, "apply")
    assert_clear(result)
    event(f"apply exit {result.exit_code}")
    if result.exit_code == 1 and writes(server) == []:
        assert snapshot(folder) == before
