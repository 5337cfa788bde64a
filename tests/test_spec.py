from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hcctl.errors import SpecError
from hcctl.spec import CheckSpec, Spec, default_env, key_of_env, load_spec

EXAMPLES = Path(__file__).parent.parent / "examples"
API_UUID = "0cab08fe-03f4-48c2-a927-90493fa0b2f2"


def files(tmp_path: Path, toml: str | None = None, env: str | None = None) -> Path:
    if toml is not None:
        (tmp_path / "healthchecks.toml").write_text(toml)
    if env is not None:
        (tmp_path / ".env.healthchecks").write_text(env)
    return tmp_path


def load(tmp_path: Path, toml: str | None = None, env: str | None = None) -> Spec:
    folder = files(tmp_path, toml, env)
    return load_spec(None, folder / ".env.healthchecks")


def problems(tmp_path: Path, toml: str | None = None, env: str | None = None) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(tmp_path, toml, env)
    prefix = f"{tmp_path}/"
    return [str(p).removeprefix(prefix) for p in info.value.problems]


def test_it_loads_the_seeds_env_file_alone(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / ".env.healthchecks", tmp_path)
    spec = load_spec(None, tmp_path / ".env.healthchecks")
    assert len(spec) == 14
    assert spec.spec_path is None
    beat = spec.get("celery-beat")
    assert beat == CheckSpec(
        key="celery-beat", env="HC_CHECK_CELERY_BEAT", uuid="229acece-8847-4ed7-97f4-94c720651ed3"
    )
    assert beat.api_body() == {"name": "celery-beat", "slug": "celery-beat"}


def test_it_loads_the_examples_toml_with_its_env_file() -> None:
    spec = load_spec(EXAMPLES / "healthchecks.toml")
    assert spec.env_path == EXAMPLES / ".env.healthchecks"
    assert len(spec) == 14
    assert all(check.uuid for check in spec)
    assert spec.warnings == ()
    api = spec.get("api")
    assert api is not None
    assert api.api_body() == {
        "name": "API",
        "slug": "api",
        "tags": "backend api",
        "desc": "The Flask API answers its own /health endpoint.",
        "timeout": 300,
        "grace": 300,
        "channels": "*",
    }


def test_it_finds_both_files_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files(tmp_path, "[checks.api]\n", f"HC_CHECK_API={API_UUID}\n")
    monkeypatch.chdir(tmp_path)
    spec = load_spec()
    assert spec.spec_path == Path("healthchecks.toml")
    assert spec.env_path == Path(".env.healthchecks")
    assert spec.checks == (CheckSpec(key="api", uuid=API_UUID),)


def test_it_accepts_a_missing_env_file_when_the_toml_exists(tmp_path: Path) -> None:
    spec = load_spec(files(tmp_path, "[checks.api]\n") / "healthchecks.toml")
    assert spec.checks == (CheckSpec(key="api"),)
    assert spec.env_path == tmp_path / ".env.healthchecks"


def test_it_reports_that_there_is_nothing_to_load(tmp_path: Path) -> None:
    assert problems(tmp_path) == [
        ".env.healthchecks: does not exist, and there is no healthchecks.toml next to it"
    ]


def test_it_applies_defaults_to_every_check_that_does_not_set_the_field(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        '[defaults]\ngrace = "1h"\ntags = ["a"]\nmethods = "POST"\n'
        '[checks.one]\ntags = ["b", "c"]\n[checks.two]\ngrace = 120\n',
    )
    assert [(c.key, c.grace, c.tags, c.methods) for c in spec] == [
        ("one", 3600, ("b", "c"), "POST"),
        ("two", 120, ("a",), "POST"),
    ]


def test_it_keeps_each_check_either_simple_or_scheduled(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        '[defaults]\nschedule = "0 3 * * *"\ntz = "Europe/Paris"\n'
        '[checks.scheduled]\n[checks.simple]\ntimeout = "1d"\n'
        '[checks.own]\nschedule = "daily"\n',
    )
    assert [(c.key, c.kind, c.timeout, c.schedule, c.tz) for c in spec] == [
        ("scheduled", "cron", None, "0 3 * * *", "Europe/Paris"),
        ("simple", "simple", 86400, None, None),
        ("own", "oncalendar", None, "daily", "Europe/Paris"),
    ]


def test_it_drops_a_default_timeout_for_a_check_with_a_schedule(tmp_path: Path) -> None:
    spec = load(tmp_path, '[defaults]\ntimeout = "5m"\n[checks.job]\nschedule = "daily"\n')
    assert [(c.timeout, c.schedule, c.tz) for c in spec] == [(None, "daily", None)]


def test_it_reads_every_field(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        "[checks.backup]\n"
        'name = "Nightly backup"\nslug = "nightly_backup"\nenv = "BACKUP_UUID"\n'
        'uuid = "0CAB08FE03F448C2A92790493FA0B2F2"\ntags = ["db", "prod"]\ndesc = "pg_dump"\n'
        'grace = "90s"\nschedule = ["Mon..Fri 02:00", "Sat,Sun 05:00"]\ntz = "UTC"\n'
        'methods = "POST"\nmanual_resume = true\nstart_kw = "starting"\n'
        'success_kw = "done"\nfailure_kw = "error,fatal"\nfilter_subject = false\n'
        "filter_body = true\nfilter_http_body = true\nfilter_default_fail = true\n"
        'channels = ["email", "18C7F459-82C7-43F1-9270-4C9546F82041"]\n',
    )
    assert spec.checks == (
        CheckSpec(
            key="backup",
            name="Nightly backup",
            slug="nightly_backup",
            env="BACKUP_UUID",
            uuid=API_UUID,
            tags=("db", "prod"),
            desc="pg_dump",
            grace=90,
            schedule="Mon..Fri 02:00\nSat,Sun 05:00",
            tz="UTC",
            methods="POST",
            manual_resume=True,
            start_kw="starting",
            success_kw="done",
            failure_kw="error,fatal",
            filter_subject=False,
            filter_body=True,
            filter_http_body=True,
            filter_default_fail=True,
            channels=("email", "18c7f459-82c7-43f1-9270-4c9546f82041"),
        ),
    )


def test_it_takes_the_uuid_from_the_variable_the_check_names(tmp_path: Path) -> None:
    env = f"OTHER=1\nBACKUP_UUID={API_UUID.upper()}\n"
    spec = load(tmp_path, '[checks.backup]\nenv = "BACKUP_UUID"\n', env)
    assert [c.uuid for c in spec] == [API_UUID]


def test_it_accepts_the_same_uuid_in_both_files(tmp_path: Path) -> None:
    toml = f'[checks.api]\nuuid = "{API_UUID.replace("-", "")}"\n'
    assert [c.uuid for c in load(tmp_path, toml, f"HC_CHECK_API={API_UUID}\n")] == [API_UUID]


def test_it_reads_an_empty_variable_as_no_uuid_yet(tmp_path: Path) -> None:
    spec = load(tmp_path, "[checks.api]\n", "HC_CHECK_API=\n")
    assert [c.uuid for c in spec] == [None]
    assert [c.uuid for c in load(tmp_path, None, "HC_CHECK_API=  # later\n")] == [None]


def test_it_warns_about_variables_no_check_claims(tmp_path: Path) -> None:
    spec = load(tmp_path, "[checks.api]\n", f"HC_CHECK_API={API_UUID}\nHC_CHECK_OLD=x\n")
    assert [w.removeprefix(f"{tmp_path}/") for w in spec.warnings] == [
        f".env.healthchecks:2: HC_CHECK_OLD: matches no check in {tmp_path}/healthchecks.toml:"
        " hcctl does not manage it"
    ]


def test_it_makes_checks_of_the_env_file_when_the_toml_has_only_defaults(tmp_path: Path) -> None:
    spec = load(tmp_path, '[defaults]\ntimeout = "1h"\n', f"HC_CHECK_KEY_ROTATION={API_UUID}\n")
    assert spec.checks == (
        CheckSpec(key="key-rotation", env="HC_CHECK_KEY_ROTATION", uuid=API_UUID, timeout=3600),
    )


def test_it_maps_the_deprecated_subject_aliases(tmp_path: Path) -> None:
    spec = load(tmp_path, '[checks.mail]\nsubject = "OK"\nsubject_fail = "FAIL"\n')
    check = spec.checks[0]
    assert (check.success_kw, check.failure_kw, check.filter_subject) == ("OK", "FAIL", True)
    assert [w.removeprefix(f"{tmp_path}/") for w in spec.warnings] == [
        "healthchecks.toml:2: checks.mail.subject: is deprecated: write success_kw instead",
        "healthchecks.toml:3: checks.mail.subject_fail: is deprecated: write failure_kw instead",
    ]


def test_it_reports_every_problem_of_both_files_in_file_order(tmp_path: Path) -> None:
    toml = '[checks.api]\ntimeout = 30\nuuid = "x"\n[checks.b]\ngrace = "2y"\n'
    assert problems(tmp_path, toml, "HC_CHECK_B=nope\nbroken line\n") == [
        "healthchecks.toml:2: checks.api.timeout: 30s is below the server's minimum of 60s",
        'healthchecks.toml:3: checks.api.uuid: "x" is not a valid UUID',
        "healthchecks.toml:5: checks.b.grace: must be a duration: seconds like 300, or "
        '"90s", "5m", "2h", "1d", "1w"; got "2y"',
        '.env.healthchecks:1: HC_CHECK_B: "nope" is not a valid UUID',
        ".env.healthchecks:2: is not NAME=value",
    ]


def test_it_writes_nothing(tmp_path: Path) -> None:
    files(tmp_path, "[checks.api]\n", "HC_CHECK_API=\n")
    before = sorted((p.name, p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    load_spec(None, tmp_path / ".env.healthchecks")
    after = sorted((p.name, p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir())
    assert after == before


def test_it_resolves_a_key_a_uuid_or_a_slug(tmp_path: Path) -> None:
    spec = load(tmp_path, f'[checks.api]\nslug = "the-api"\nuuid = "{API_UUID}"\n')
    check = spec.checks[0]
    assert spec.resolve("api") is check
    assert spec.resolve(API_UUID.upper().replace("-", "")) is check
    assert spec.resolve("the-api") is check
    assert spec.resolve("nothing") is None


def test_it_names_variables_after_keys_and_back() -> None:
    assert default_env("celery-beat") == "HC_CHECK_CELERY_BEAT"
    assert key_of_env("HC_CHECK_CELERY_BEAT") == "celery-beat"


@pytest.mark.parametrize(
    ("field", "value"),
    [("slug", '"api\\n"'), ("env", '"HC_CHECK_X\\n"'), ("uuid", f'"{API_UUID}\\n"')],
)
def test_it_rejects_a_trailing_newline(tmp_path: Path, field: str, value: str) -> None:
    assert len(problems(tmp_path, f"[checks.api]\n{field} = {value}\n")) == 1
