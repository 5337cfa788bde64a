"""Fixtures shared by several test modules (the local server's come from the hcctl plugin)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faultserver import FaultServer
from tests.pin_databases import PinDb, mariadb_db, postgres_db, sqlite_db


@pytest.fixture(params=["sqlite", "postgres-uuid", "mariadb-char32", "mariadb-uuid"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PinDb]:
    """An `api_check` table with the real column type of `code`, on each database."""
    kind: str = request.param
    if kind == "sqlite":
        yield sqlite_db(tmp_path)
    elif kind == "postgres-uuid":
        with postgres_db(code_type="uuid") as pg:
            yield pg
    else:
        with mariadb_db(code_type=kind.removeprefix("mariadb-").replace("32", "(32)")) as maria:
            yield maria


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty working folder and no hcctl setting from the environment."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("HC_", "HEALTHCHECKS_")):
            monkeypatch.delenv(name)


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy named by the environment; set one with the monkeypatch returned."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """A small real HTTP server whose answers each test chooses."""
    with FaultServer() as s:
        yield s
