"""`LocalServer`: the local Healthchecks-compatible server, in a background thread."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from hcctl.errors import HcctlError
from hcctl.server import store
from hcctl.server.app import App, Settings
from hcctl.server.http import Router
from hcctl.server.httpd import HttpServer
from hcctl.server.routes import build_router
from hcctl.server.status import Urls
from hcctl.server.store import ProjectKeys

__all__ = ["KNOWN_CHANNEL_KINDS", "LocalServer", "Project"]

KNOWN_CHANNEL_KINDS = frozenset(
    [
        "apprise",
        "call",
        "discord",
        "email",
        "github",
        "googlechat",
        "gotify",
        "group",
        "matrix",
        "mattermost",
        "msteamsw",
        "ntfy",
        "opsgenie",
        "pagertree",
        "pd",
        "po",
        "pushbullet",
        "rocketchat",
        "shell",
        "signal",
        "slack",
        "sms",
        "spike",
        "telegram",
        "trello",
        "victorops",
        "webhook",
        "whatsapp",
        "zulip",
    ]
)


@dataclass(frozen=True)
class Project:
    """A project on the server: its keys (secrets, hidden from repr) and row id."""

    id: int
    api_key: str
    api_key_readonly: str
    ping_key: str

    def __repr__(self) -> str:
        return f"Project(id={self.id}, api_key=***, api_key_readonly=***, ping_key=***)"


def _channel_kind_and_name(item: str) -> tuple[str, str]:
    """ "slack" is a Slack integration named "slack"; "webhook:deploys" names its kind first."""
    if ":" in item:
        kind, name = item.split(":", 1)
        return kind, name
    return (item if item in KNOWN_CHANNEL_KINDS else "webhook"), item


class LocalServer:
    """A Healthchecks-compatible server on a real socket, backed by SQLite.

        with LocalServer() as srv:
            httpx.get(srv.api_url + "checks/", headers={"X-Api-Key": srv.api_key})

    It starts with two projects, the main one (`api_key`, `api_key_readonly`, `ping_key`) and
    `outsider`, each with one integration per item of `channels`. `new_project()` adds more.
    `stop()` and `start()` stop and resume listening on the same port.
    """

    def __init__(
        self,
        db_path: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ping_body_limit: int | None = 10_000,
        channels: Sequence[str] = ("email", "slack"),
        *,
        check_limit: int = 10_000,
        api_key: str | None = None,
        api_key_readonly: str | None = None,
        ping_key: str | None = None,
    ) -> None:
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        if db_path is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="hcctl-server-")
            db_path = Path(self._tmpdir.name) / "hc.sqlite"
        self.db_path = Path(db_path)
        self.host = host
        self.channels = tuple(channels)
        self._settings = Settings(ping_body_limit=ping_body_limit, check_limit=check_limit)
        try:
            self._httpd = HttpServer((host, port), Router(), lambda: None)
        except OSError:
            self._cleanup_tmpdir()
            raise
        self.port = int(self._httpd.server_address[1])
        self._thread: threading.Thread | None = None
        try:
            self.app = App(self.db_path, Urls(self.site_url, self.ping_url), self._settings)
            self._httpd.router = build_router(self.app)
            self._httpd.on_finish = self.app.release
            self.project = self._main_project(api_key, api_key_readonly, ping_key)
            self.outsider = self.new_project()
        except BaseException:
            self._httpd.server_close()
            if hasattr(self, "app"):
                self.app.close()
            self._cleanup_tmpdir()
            raise
        self.start()

    # --- addresses and keys -------------------------------------------------------------------

    @property
    def site_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.site_url}/api/v3/"

    @property
    def ping_url(self) -> str:
        return f"{self.site_url}/ping/"

    @property
    def api_key(self) -> str:
        return self.project.api_key

    @property
    def api_key_readonly(self) -> str:
        return self.project.api_key_readonly

    @property
    def ping_key(self) -> str:
        return self.project.ping_key

    def _main_project(
        self, api_key: str | None, api_key_readonly: str | None, ping_key: str | None
    ) -> Project:
        keys = ProjectKeys(
            api_key=api_key or store.new_api_key("hcw_"),
            api_key_readonly=api_key_readonly or store.new_api_key("hcr_"),
            ping_key=ping_key or store.new_ping_key(),
        )
        try:
            with self.app.write() as conn:
                found = store.project_for_key(conn, self.app.secret, keys.api_key, accept_ro=False)
                if found is None:
                    return self._add_project(conn, keys)
                # The same read-write key as a previous run: keep that project (and its checks),
                # with the other keys as given or new, since the old ones cannot be recovered.
                store.set_other_keys(conn, found[0], keys, self.app.secret)
                return Project(found[0], keys.api_key, keys.api_key_readonly, keys.ping_key)
        except sqlite3.IntegrityError as exc:
            raise HcctlError("the ping key is already another project's on this server") from exc

    def new_project(self) -> Project:
        """A fresh project with new keys and the server's integrations: per-test isolation."""
        return self._insert_project(
            ProjectKeys(
                api_key=store.new_api_key("hcw_"),
                api_key_readonly=store.new_api_key("hcr_"),
                ping_key=store.new_ping_key(),
            )
        )

    def _insert_project(self, keys: ProjectKeys) -> Project:
        with self.app.write() as conn:
            return self._add_project(conn, keys)

    def _add_project(self, conn: sqlite3.Connection, keys: ProjectKeys) -> Project:
        project_id = store.insert_project(conn, keys, self.app.secret)
        for item in self.channels:
            kind, name = _channel_kind_and_name(item)
            store.insert_channel(conn, project_id, kind, name)
        return Project(project_id, keys.api_key, keys.api_key_readonly, keys.ping_key)

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen (again, on the same port after `stop()`)."""
        if self._thread is not None:
            return
        if self._httpd.socket.fileno() < 0:
            router, on_finish = self._httpd.router, self._httpd.on_finish
            self._httpd = HttpServer((self.host, self.port), router, on_finish)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"hcctl-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and cut open connections: clients see a server that is down."""
        if self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        self._thread.join()
        self._thread = None

    def close(self) -> None:
        """Stop for good and remove the temporary database, if we made one."""
        self.stop()
        self.app.close()
        self._cleanup_tmpdir()

    def _cleanup_tmpdir(self) -> None:
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalServer({self.site_url}, db_path={str(self.db_path)!r})"
