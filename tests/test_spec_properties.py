"""Any valid check written as TOML loads back as the same CheckSpec."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcctl.spec import CheckSpec, load_spec

KEYS = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,20}\Z")
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40)
WORDS = st.from_regex(r"\A[a-z0-9_.:-]{1,12}\Z")
SCHEDULES = st.sampled_from(["*/5 * * * *", "0 3 * * 1-5", "daily", "Mon *-*-* 03:00"])
ZONES = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Europe/Kiev"])
DURATIONS = st.integers(60, 31536000)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


@st.composite
def checks(draw: st.DrawFn) -> CheckSpec:
    fields: dict[str, object] = {
        "name": draw(st.none() | TEXT.filter(bool)),
        "tags": draw(st.none() | st.lists(WORDS, max_size=4, unique=True).map(tuple)),
        "desc": draw(st.none() | TEXT),
        "grace": draw(st.none() | DURATIONS),
        "methods": draw(st.none() | st.sampled_from(["", "POST"])),
        "manual_resume": draw(st.none() | st.booleans()),
        "success_kw": draw(st.none() | TEXT),
        "filter_body": draw(st.none() | st.booleans()),
        "channels": draw(st.none() | st.sampled_from(["*", ""]) | st.just(("email", "slack"))),
        "uuid": draw(st.none() | st.uuids().map(str)),
    }
    if draw(st.booleans()):
        fields["schedule"] = draw(SCHEDULES)
        fields["tz"] = draw(st.none() | ZONES)
    else:
        fields["timeout"] = draw(st.none() | DURATIONS)
    given_fields = {name: value for name, value in fields.items() if value is not None}
    return CheckSpec(key=draw(KEYS), **given_fields)  # type: ignore[arg-type]


def render(check: CheckSpec) -> str:
    lines = [f"[checks.{check.key}]"]
    for name in ("name", "tags", "desc", "timeout", "grace", "schedule", "tz", "methods"):
        value = getattr(check, name)
        if value is not None and not (name == "name" and value == check.key):
            lines.append(f"{name} = {toml_value(value)}")
    for name in ("manual_resume", "success_kw", "filter_body", "channels", "uuid"):
        value = getattr(check, name)
        if value is not None:
            lines.append(f"{name} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=80, deadline=None)
@given(check=checks())
def test_it_loads_back_every_valid_check(
    tmp_path_factory: pytest.TempPathFactory, check: CheckSpec
) -> None:
    folder = tmp_path_factory.mktemp("spec")
    (folder / "healthchecks.toml").write_text(render(check))
    assert load_spec(folder / "healthchecks.toml").checks == (check,)


@settings(max_examples=40, deadline=None)
@given(ids=st.lists(st.uuids(), min_size=1, max_size=5, unique=True), upper=st.booleans())
def test_it_reads_any_spelling_of_env_uuids(
    tmp_path_factory: pytest.TempPathFactory, ids: list[uuid.UUID], upper: bool
) -> None:
    folder: Path = tmp_path_factory.mktemp("env")
    spelled = [i.hex.upper() if upper else str(i) for i in ids]
    lines = "".join(f"HC_CHECK_JOB_{n}={value}\n" for n, value in enumerate(spelled))
    (folder / ".env.healthchecks").write_text(lines)
    spec = load_spec(None, folder / ".env.healthchecks")
    assert [(c.key, c.uuid) for c in spec] == [(f"job-{n}", str(i)) for n, i in enumerate(ids)]
