"""`hcctl export`: the server's checks as files that apply back as a no-op, or elsewhere pinned."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

import hcctl
from hcctl.api import Channel, Check, HealthchecksApi
from hcctl.cli import cli
from hcctl.envfile import read_env
from hcctl.export import _toml_string, render_export
from hcctl.server import LocalServer
from hcctl.server.pytest_plugin import HealthchecksServer
from hcctl.settings import Settings

BODIES: list[dict[str, object]] = [
    {"name": "API", "slug": "api", "tags": "web prod", "timeout": 300, "grace": 60},
    {"name": "Nightly backup", "slug": "backup", "schedule": "0 3 * * *", "tz": "Europe/Kiev"},
    {"name": "Token cleanup", "slug": "", "schedule": "*-*-* 04:00:00", "channels": "*"},
    {"name": "Mail", "slug": "mail", "desc": 'says "hi"\n', "methods": "POST", "success_kw": "ok"},
]


def fill(hc: HealthchecksServer) -> list[Check]:
    with HealthchecksApi(hc.api_url, hc.api_key) as api:
        for body in BODIES:
            api.create_check(body)
        api.create_check({"name": "API", "slug": "api"})  # a duplicate: left out
        return api.list_checks()


def run(hc: HealthchecksServer, *args: str) -> Result:
    env = {"HC_API_URL": hc.api_url, "HC_API_KEY": hc.api_key}
    return CliRunner().invoke(cli, ["export", *args], env=env)


def settings_in(folder: Path, api_url: str, api_key: str, **flags: Any) -> Settings:
    return Settings.load(cwd=folder, environ={}, api_url=api_url, api_key=api_key, **flags)


def test_an_export_applied_to_its_own_server_changes_nothing(
    healthchecks_server: HealthchecksServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(healthchecks_server)
    monkeypatch.chdir(tmp_path)
    result = run(healthchecks_server)
    assert result.output == (
        "4 checks written to healthchecks.toml and .env.healthchecks\n"
        "1 duplicates left out (hcctl plan lists them)\n"
    )
    hc = healthchecks_server
    plan = hcctl.plan(settings=settings_in(tmp_path, hc.api_url, hc.api_key))
    # A spec check always has a slug (its key by default): a check without one gets it.
    assert plan.counts()["unchanged"] == 3
    [update] = plan.changes
    assert (update.key, update.body) == ("token-cleanup", {"slug": "token-cleanup"})  # type: ignore[union-attr]
    assert len(read_env(tmp_path / ".env.healthchecks")) == 4


def test_it_refuses_to_overwrite_without_force(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    (tmp_path / "healthchecks.toml").write_text("# mine\n")
    result = run(healthchecks_server, "--output-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "already exist; use --force to overwrite" in result.output
    assert (tmp_path / "healthchecks.toml").read_text() == "# mine\n"
    assert run(healthchecks_server, "--output-dir", str(tmp_path), "--force").exit_code == 0
    assert (tmp_path / "healthchecks.toml").read_text().startswith("# Exported by hcctl")


def test_it_exports_only_checks_with_every_tag_given(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    fill(healthchecks_server)
    run(healthchecks_server, "--output-dir", str(tmp_path), "--tag", "web", "--tag", "prod")
    assert list(tomllib.loads((tmp_path / "healthchecks.toml").read_text())["checks"]) == ["api"]


def test_it_copies_checks_to_another_server_with_the_same_uuids(
    healthchecks_server: HealthchecksServer, tmp_path: Path
) -> None:
    source = fill(healthchecks_server)
    hc = healthchecks_server
    hcctl.export(settings=settings_in(tmp_path, hc.api_url, hc.api_key), output_dir=tmp_path)
    with LocalServer(db_path=tmp_path / "other.sqlite") as other:
        options = settings_in(
            tmp_path, other.api_url, other.api_key, db_url=f"sqlite:///{other.db_path}"
        )
        result = hcctl.apply(settings=options)
        assert [o.done for o in result.outcomes] == ["created"] * 4
        assert not hcctl.plan(settings=options).has_changes
        with HealthchecksApi(other.api_url, other.api_key) as api:
            copied = {c.uuid for c in api.list_checks()}
    assert copied < {c.uuid for c in source}


def test_the_toml_names_shared_values_once_and_integrations_by_name() -> None:
    slack = Channel(id="22222222-2222-4222-8222-222222222222", name="slack", kind="slack")
    base = {"grace": 3600, "uuid": "0cab08fe-03f4-48c2-a927-90493fa0b2f2", "channels": slack.id}
    checks = [
        Check.from_json({**base, "name": "a", "slug": "a", "timeout": 60}),
        Check.from_json({**base, "name": "B", "slug": "b", "schedule": "0 3 * * *", "tz": "UTC"}),
    ]
    text = render_export(checks, [slack, Channel(id="3" * 32, name="mail", kind="email")])
    data = tomllib.loads(text.spec)
    assert data["defaults"]["grace"] == "1h"
    assert data["defaults"]["channels"] == ["slack"]
    assert data["checks"]["a"] == {"timeout": "1m"}
    assert data["checks"]["b"] == {"name": "B", "schedule": "0 3 * * *", "tz": "UTC"}


@given(st.text())
def test_toml_strings_round_trip(value: str) -> None:
    assert tomllib.loads(f"x = {_toml_string(value)}")["x"] == value


def test_it_needs_a_read_write_key(healthchecks_server: HealthchecksServer, tmp_path: Path) -> None:
    fill(healthchecks_server)
    env = {
        "HC_API_URL": healthchecks_server.api_url,
        "HC_API_KEY": healthchecks_server.api_key_readonly,
    }
    result = CliRunner().invoke(cli, ["export", "--output-dir", str(tmp_path)], env=env)
    assert (result.exit_code, result.output) == (1, "Error: export needs a read-write API key\n")
    missing = CliRunner().invoke(
        cli, ["export", "--output-dir", str(tmp_path)], env={"HC_API_KEY": ""}
    )
    assert missing.output.startswith("Error: no API key")
    assert list(tmp_path.iterdir()) == []
