"""pytest plugin: the `healthchecks_server` fixture, a local Healthchecks for each test.

One server runs per test session; each test gets its own fresh project (and outsider project),
so tests never see each other's checks and cost no more than two INSERTs to isolate.

    def test_my_job_pings(healthchecks_server):
        run_my_job(ping_url=healthchecks_server.ping_url, ping_key=healthchecks_server.ping_key)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hcctl.server.local import LocalServer, Project

__all__ = ["HealthchecksServer", "healthchecks_server"]


@dataclass(frozen=True)
class HealthchecksServer:
    """What a test needs to reach its project on the local server."""

    server: LocalServer
    project: Project
    outsider: Project

    @property
    def api_url(self) -> str:
        return self.server.api_url

    @property
    def ping_url(self) -> str:
        return self.server.ping_url

    @property
    def site_url(self) -> str:
        return self.server.site_url

    @property
    def db_path(self) -> Path:
        return self.server.db_path

    @property
    def api_key(self) -> str:
        return self.project.api_key

    @property
    def api_key_readonly(self) -> str:
        return self.project.api_key_readonly

    @property
    def ping_key(self) -> str:
        return self.project.ping_key

    def __repr__(self) -> str:
        return f"HealthchecksServer({self.server.site_url}, project={self.project.id})"


@pytest.fixture(scope="session")
def _hcctl_local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    db_path = tmp_path_factory.mktemp("healthchecks") / "hc.sqlite"
    with LocalServer(db_path=db_path) as server:
        yield server


@pytest.fixture
def healthchecks_server(_hcctl_local_server: LocalServer) -> Iterator[HealthchecksServer]:
    """A local Healthchecks with a fresh project (and outsider) for this test."""
    server = _hcctl_local_server
    server.start()  # a previous test may have stopped it
    yield HealthchecksServer(server, server.new_project(), server.new_project())
    server.start()
