"""The ping clients' cheap settings agree with hcctl.settings.Settings.load, the reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hcctl._pingsettings import parse_env_value_lines, ping_settings
from hcctl.envfile import parse_env
from hcctl.errors import SpecError
from hcctl.ping import PingClient
from hcctl.settings import Settings

FIELDS = ("ping_url", "ping_key", "api_url", "api_key", "db_url", "django_cmd", "auto_provision")


def both(tmp_path: Path, environ: dict[str, str], **flags: object) -> tuple[dict[str, object], ...]:
    quick = ping_settings(environ=environ, cwd=str(tmp_path), **flags)
    ref = Settings.load(cwd=tmp_path, environ=environ, **flags)  # type: ignore[arg-type]
    expected = {name: getattr(ref, name) for name in FIELDS}
    expected["spec_path"] = ref.spec_path
    expected["env_file"] = ref.env_file
    got = {name: quick[name] for name in FIELDS}
    got["spec_path"] = Path(str(quick["spec_path"])) if quick["spec_path"] else None
    got["env_file"] = Path(str(quick["env_file"]))
    return got, expected


CASES: list[tuple[dict[str, str], dict[str, str], dict[str, object]]] = [
    ({}, {}, {}),
    ({"HC_API_URL": "https://hc.example.org"}, {}, {}),
    ({"HEALTHCHECKS_URL": "http://localhost:8000/hc/api/v1"}, {}, {}),
    ({"HC_API_URL": "https://healthchecks.io/api/v3/"}, {}, {}),
    ({"HC_PING_URL": "http://pings.local/ping"}, {}, {}),
    ({}, {".env.healthchecks": "HC_API_URL=http://a:1/\nHC_PING_KEY=k1\n"}, {}),
    (
        {"HC_PING_KEY": "from-env"},
        {
            ".env.healthchecks": "export HC_PING_KEY='committed' # c\nHC_AUTO_PROVISION=off\n",
            ".env.healthchecks.local": 'HC_PING_KEY="local"\nHC_API_KEY = abc  # secret\n',
        },
        {},
    ),
    ({}, {".env.healthchecks.local": "HC_PING_KEY=local\n"}, {"ping_key": "flag"}),
    (
        {"HC_ENV_FILE": "conf/hc.env"},
        {"conf/hc.env": "HC_PING_KEY=x\r\nHC_DB_URL=sqlite:///db\r\n"},
        {},
    ),
    (
        {"HC_SPEC": "conf/healthchecks.toml"},
        {"conf/healthchecks.toml": "", "conf/.env.healthchecks": ""},
        {},
    ),
    ({}, {"healthchecks.toml": "[checks.a]\n"}, {"auto_provision": False}),
    ({"HEALTHCHECKS_AUTO_PROVISION": "false", "HC_DJANGO_CMD": "docker compose exec web"}, {}, {}),
]


@pytest.mark.parametrize(("environ", "files", "flags"), CASES)
def test_it_agrees_with_settings(
    tmp_path: Path, environ: dict[str, str], files: dict[str, str], flags: dict[str, object]
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode())
    got, expected = both(tmp_path, environ, **flags)
    assert got == expected


@pytest.mark.parametrize(
    "environ",
    [{"HC_API_URL": "localhost:8000"}, {"HC_PING_URL": "ftp://x/"}, {"HC_AUTO_PROVISION": "maybe"}],
)
def test_it_rejects_what_settings_rejects(tmp_path: Path, environ: dict[str, str]) -> None:
    with pytest.raises(SpecError):
        Settings.load(cwd=tmp_path, environ=environ)
    with pytest.raises(SpecError):
        ping_settings(cwd=str(tmp_path), environ=environ)


LINE = st.text(alphabet=" \t#='\"\\abcXYZ_.-09exportn", max_size=30)


@given(st.lists(LINE, max_size=6))
def test_it_reads_env_lines_as_envfile_does(lines: list[str]) -> None:
    text = "\n".join(lines)
    expected = {}
    for line in parse_env(text):
        if line.name and line.value and line.error is None:
            expected[line.name] = (line.value, line.number)
    assert parse_env_value_lines(text) == expected


def test_from_env_builds_a_client(tmp_path: Path) -> None:
    (tmp_path / ".env.healthchecks.local").write_text("HC_PING_KEY=secret-ping-key\n")
    environ = {"HC_API_URL": "http://127.0.0.1:9/api/v3/"}
    with PingClient.from_env(cwd=str(tmp_path), environ=environ, strict=True) as hc:
        assert hc.ping_url == "http://127.0.0.1:9/ping/"
        assert hc.strict is True
        assert "secret" not in repr(hc)


def test_from_env_uses_the_spec_beside_the_env_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "healthchecks.toml").write_text("[checks.other]\n")
    monkeypatch.chdir(tmp_path)
    hc = PingClient.from_env(environ={"HC_ENV_FILE": "conf/.env.healthchecks"})
    with hc, pytest.raises(SpecError, match="no check with key 'other'"):
        hc.validate("other")


def test_creating_a_client_imports_neither_httpx_nor_click(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys, hcctl\nhc = hcctl.PingClient.from_env()\n"
        "print(sorted(m for m in ('click', 'httpx', 'rich', 'hcctl.settings', 'hcctl.spec') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
