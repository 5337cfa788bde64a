from __future__ import annotations

from pathlib import Path

import pytest

from hcctl.errors import SpecError
from hcctl.settings import Settings, derive_ping_url, normalize_api_url, redact_url


def load(tmp_path: Path, env: dict[str, str] | None = None, **flags: object) -> Settings:
    return Settings.load(cwd=tmp_path, environ=env or {}, **flags)  # type: ignore[arg-type]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_it_has_defaults_for_everything(tmp_path: Path) -> None:
    assert load(tmp_path) == Settings(
        api_url="http://localhost:8000/api/v3/",
        api_key=None,
        ping_url="http://localhost:8000/ping/",
        ping_key=None,
        spec_path=None,
        env_file=tmp_path / ".env.healthchecks",
        db_url=None,
        django_cmd=None,
        auto_provision=True,
    )


def test_it_prefers_flag_then_environment_then_local_then_committed(tmp_path: Path) -> None:
    write(tmp_path / ".env.healthchecks", "HC_PING_KEY=committed\nHC_DJANGO_CMD=c\n")
    write(tmp_path / ".env.healthchecks.local", "HC_PING_KEY=local\nHC_DB_URL=local\n")
    env = {"HC_PING_KEY": "environment", "HC_DB_URL": "environment"}
    assert load(tmp_path, env, ping_key="flag").ping_key == "flag"
    settings = load(tmp_path, env)
    assert (settings.ping_key, settings.db_url, settings.django_cmd) == (
        "environment",
        "environment",
        "c",
    )
    assert load(tmp_path).ping_key == "local"


def test_it_reads_the_seeds_names(tmp_path: Path) -> None:
    write(
        tmp_path / ".env.healthchecks",
        "HEALTHCHECKS_URL=http://localhost:8000\nHEALTHCHECKS_AUTO_PROVISION=false  # off\n",
    )
    settings = load(tmp_path, {"HEALTHCHECKS_API_KEY": "k" * 32})
    assert settings.api_url == "http://localhost:8000/api/v3/"
    assert settings.ping_url == "http://localhost:8000/ping/"
    assert settings.api_key == "k" * 32
    assert settings.auto_provision is False


def test_it_prefers_the_hc_name_to_the_seed_alias(tmp_path: Path) -> None:
    env = {"HEALTHCHECKS_URL": "http://old:8000", "HC_API_URL": "http://new:8000/api/v3"}
    assert load(tmp_path, env).api_url == "http://new:8000/api/v3/"


def test_it_derives_the_ping_url_from_the_api_url() -> None:
    assert derive_ping_url("https://healthchecks.io/api/v3/") == "https://hc-ping.com/"
    assert derive_ping_url("https://example.org/hc/api/v3/") == "https://example.org/hc/ping/"
    assert normalize_api_url("https://example.org/hc") == "https://example.org/hc/api/v3/"
    assert normalize_api_url("https://example.org/api/v3") == "https://example.org/api/v3/"


def test_it_takes_an_explicit_ping_url(tmp_path: Path) -> None:
    assert load(tmp_path, {"HC_PING_URL": "http://p:9/ping"}).ping_url == "http://p:9/ping/"


def test_it_finds_the_spec_and_env_file(tmp_path: Path) -> None:
    assert load(tmp_path).spec_path is None
    write(tmp_path / "healthchecks.toml", "")
    assert load(tmp_path).spec_path == tmp_path / "healthchecks.toml"
    settings = load(tmp_path, {"HC_SPEC": "other.toml", "HC_ENV_FILE": "conf/.env"})
    assert settings.spec_path == tmp_path / "other.toml"
    assert settings.env_file == tmp_path / "conf/.env"
    assert settings.local_file == tmp_path / "conf/.env.local"
    assert load(tmp_path, env_file="x.env", spec_path="y.toml").env_file == tmp_path / "x.env"


def test_it_reads_secrets_from_the_local_file_beside_the_env_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf/.env.local", "HC_API_KEY=from-local\n")
    assert load(tmp_path, env_file="conf/.env").api_key == "from-local"


def test_it_warns_about_secrets_in_the_committed_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".env.healthchecks",
        "HC_CHECK_API=x\nHEALTHCHECKS_API_KEY=Zk3y\nHC_DB_URL=postgresql://hc:Zpw@db/hc\n"
        "HC_PING_KEY=\n",
    )
    settings = load(tmp_path)
    assert settings.api_key == "Zk3y"
    assert settings.warnings == (
        f"{path}:2: HEALTHCHECKS_API_KEY: is a secret in a committed file: move it to "
        ".env.healthchecks.local",
        f"{path}:3: HC_DB_URL: is a secret in a committed file: move it to .env.healthchecks.local",
    )
    assert "Zk3y" not in "".join(settings.warnings)
    assert "Zpw" not in "".join(settings.warnings)


def test_it_does_not_warn_about_secrets_in_the_local_file(tmp_path: Path) -> None:
    write(tmp_path / ".env.healthchecks.local", "HC_API_KEY=secret\n")
    assert load(tmp_path).warnings == ()


def test_it_never_shows_a_secret(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        {"HC_API_KEY": "Zapi", "HC_PING_KEY": "Zping"},
        db_url="postgresql://hc:Zdb@db:5432/hc",
    )
    for text in (repr(settings), str(settings), f"{settings}"):
        for secret in ("Zapi", "Zping", "Zdb"):
            assert secret not in text
    assert "db_url='postgresql://hc:***@db:5432/hc'" in repr(settings)
    assert "api_key='***'" in repr(settings)


def test_it_redacts_only_passwords() -> None:
    assert redact_url("mysql://root@127.0.0.1/test") == "mysql://root@127.0.0.1/test"
    assert redact_url("postgresql://u:p@h/d") == "postgresql://u:***@h/d"


def test_it_rejects_values_it_cannot_use(tmp_path: Path) -> None:
    path = write(tmp_path / ".env.healthchecks", "HC_AUTO_PROVISION=maybe\n")
    with pytest.raises(SpecError) as info:
        load(tmp_path, {"HC_API_URL": "localhost:8000"})
    assert [str(p) for p in info.value.problems] == [
        "environment: HC_API_URL: 'localhost:8000' is not an http:// or https:// URL",
        f"{path}:1: HC_AUTO_PROVISION: 'maybe' is not true or false "
        "(also accepted: 1/0, yes/no, on/off)",
    ]


def test_it_takes_a_boolean_flag(tmp_path: Path) -> None:
    write(tmp_path / ".env.healthchecks", "HC_AUTO_PROVISION=false\n")
    assert load(tmp_path, auto_provision=True).auto_provision is True


def test_it_ignores_a_broken_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env.healthchecks").write_bytes(b"\xff\nHC_API_KEY=x\n")
    assert load(tmp_path).api_key is None


def test_it_pairs_the_spec_and_the_env_file_of_one_folder(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf/healthchecks.toml", "")
    assert load(tmp_path, spec_path="conf/healthchecks.toml").env_file == (
        tmp_path / "conf/.env.healthchecks"
    )
    assert load(tmp_path, env_file="conf/.env.healthchecks").spec_path == (
        tmp_path / "conf/healthchecks.toml"
    )
