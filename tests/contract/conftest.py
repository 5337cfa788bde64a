"""The contract suite: black-box HTTP facts that hold for the local server and the real one.

By default every test runs against the local server (a fresh project per test). Set
HCCTL_TEST_API_URL, HCCTL_TEST_API_KEY, HCCTL_TEST_API_KEY_READONLY, HCCTL_TEST_PING_URL and
HCCTL_TEST_PING_KEY (and HCCTL_TEST_DB_URL for the SQL facts, HCCTL_TEST_OUTSIDER_API_KEY for
another project's key) to run each test against a real Healthchecks as well. Every check a test
creates there is deleted afterwards, so the project is left as it was found.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hcctl.server.pytest_plugin import HealthchecksServer

_REAL_VARS = (
    "HCCTL_TEST_API_URL",
    "HCCTL_TEST_API_KEY",
    "HCCTL_TEST_API_KEY_READONLY",
    "HCCTL_TEST_PING_URL",
    "HCCTL_TEST_PING_KEY",
)


@dataclass(frozen=True)
class Target:
    """Where the contract tests send their requests."""

    kind: str  # "local" or "real"
    api_url: str
    ping_url: str
    api_key: str
    api_key_readonly: str
    ping_key: str
    db_url: str | None
    outsider_api_key: str | None
    local: HealthchecksServer | None

    @property
    def site_url(self) -> str:
        return self.api_url.split("/api/")[0]


def _targets() -> list[str]:
    if all(os.environ.get(name) for name in _REAL_VARS):
        return ["local", "real"]
    return ["local"]


@pytest.fixture(params=_targets())
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "real":
        env = os.environ
        return Target(
            kind="real",
            api_url=env["HCCTL_TEST_API_URL"].rstrip("/") + "/",
            ping_url=env["HCCTL_TEST_PING_URL"].rstrip("/") + "/",
            api_key=env["HCCTL_TEST_API_KEY"],
            api_key_readonly=env["HCCTL_TEST_API_KEY_READONLY"],
            ping_key=env["HCCTL_TEST_PING_KEY"],
            db_url=env.get("HCCTL_TEST_DB_URL") or None,
            outsider_api_key=env.get("HCCTL_TEST_OUTSIDER_API_KEY") or None,
            local=None,
        )
    local: HealthchecksServer = request.getfixturevalue("healthchecks_server")
    return Target(
        kind="local",
        api_url=local.api_url,
        ping_url=local.ping_url,
        api_key=local.api_key,
        api_key_readonly=local.api_key_readonly,
        ping_key=local.ping_key,
        db_url=f"sqlite:///{local.db_path}",
        outsider_api_key=local.outsider.api_key,
        local=local,
    )


class Hc:
    """A small client for the tests: raw requests, plus bookkeeping to clean up after them."""

    def __init__(self, target: Target, http: httpx.Client) -> None:
        self.target = target
        self.http = http
        self.prefix = "t-" + secrets.token_hex(4)
        self.created: list[str] = []
        self.slugs: set[str] = set()

    def slug(self, name: str = "c") -> str:
        """A slug no other check on the target has: this test's prefix plus `name`."""
        slug = f"{self.prefix}-{name}"
        self.slugs.add(slug)
        return slug

    def request(
        self, method: str, path: str, *, key: str | None = "rw", **kwargs: Any
    ) -> httpx.Response:
        """`path` relative to the API root; key "rw", "ro", None (no header) or a literal."""
        headers = dict(kwargs.pop("headers", {}))
        if key is not None:
            headers["X-Api-Key"] = {
                "rw": self.target.api_key,
                "ro": self.target.api_key_readonly,
            }.get(key, key)
        response = self.http.request(method, self.target.api_url + path, headers=headers, **kwargs)
        self._remember(response)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def create(self, **fields: Any) -> dict[str, Any]:
        """Create a check (slug defaults to a fresh one); assert 201; return its JSON."""
        fields.setdefault("slug", self.slug())
        fields.setdefault("name", fields["slug"])
        response = self.post("checks/", json=fields)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    def ping(self, path: str, method: str = "GET", **kwargs: Any) -> httpx.Response:
        """`path` relative to the ping root, e.g. f"{uuid}/start"."""
        return self.http.request(method, self.target.ping_url + path, **kwargs)

    def slug_ping(self, slug: str, suffix: str = "", **kwargs: Any) -> httpx.Response:
        return self.ping(f"{self.target.ping_key}/{slug}{suffix}", **kwargs)

    def check(self, uuid: str) -> dict[str, Any]:
        response = self.get(f"checks/{uuid}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def checks(self, **params: Any) -> list[dict[str, Any]]:
        response = self.get("checks/", params=params)
        assert response.status_code == 200, response.text
        data: list[dict[str, Any]] = response.json()["checks"]
        return data

    def mine(self) -> list[dict[str, Any]]:
        """The checks this test made (a real project may hold others)."""
        return [c for c in self.checks() if c["slug"].startswith(self.prefix)]

    def _remember(self, response: httpx.Response) -> None:
        if response.request.method == "POST" and response.status_code == 201:
            self.created.append(response.json()["uuid"])

    def cleanup(self) -> None:
        uuids = set(self.created)
        for slug in self.slugs:
            listed = self.http.get(
                self.target.api_url + "checks/",
                params={"slug": slug},
                headers={"X-Api-Key": self.target.api_key},
            )
            if listed.status_code == 200:
                uuids.update(c["uuid"] for c in listed.json()["checks"])
        for uuid in uuids:
            self.http.delete(
                self.target.api_url + f"checks/{uuid}",
                headers={"X-Api-Key": self.target.api_key},
            )


@pytest.fixture(scope="session")
def _http() -> Iterator[httpx.Client]:
    # One client for the session: building one costs more than a dozen requests.
    with httpx.Client(timeout=15, follow_redirects=False) as client:
        yield client


@pytest.fixture
def hc(target: Target, _http: httpx.Client) -> Iterator[Hc]:
    client = Hc(target, _http)
    try:
        yield client
    finally:
        client.cleanup()


@pytest.fixture
def local_only(target: Target) -> HealthchecksServer:
    """For facts that need the server's insides (its database, a stop): local target only."""
    if target.local is None:
        pytest.skip("needs the local server")
    return target.local
