"""A local Healthchecks-compatible server: Management API v3, pings, SQLite storage.

    from hcctl.server import LocalServer
    with LocalServer() as srv:
        ...  # srv.api_url, srv.ping_url, srv.api_key, srv.ping_key, srv.db_path

It answers as the real server does (paths, codes, bodies, headers, JSON shapes) and stores into
the real server's tables, so SQL written for the real one works on it. `hcctl serve` runs it
from the command line; the `healthchecks_server` pytest fixture gives each test a fresh project.
"""

from __future__ import annotations

from hcctl.server.local import LocalServer, Project

__all__ = ["LocalServer", "Project"]
