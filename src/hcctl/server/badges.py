"""Status badges: the `badges/` API and the badge URLs it hands out (SVG, JSON, shields.io)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from html import escape
from typing import Any
from urllib.parse import quote

from hcctl.server import store
from hcctl.server.api import Api
from hcctl.server.http import Request, Response, json_response, never_cache, not_found_page
from hcctl.server.status import status_of
from hcctl.server.store import CheckRow

__all__ = ["Badges"]

MASTER_LABEL = "Mychecks"  # the real server's default SITE_NAME
_COLORS = {"up": "#4c1", "late": "#fe7d37", "down": "#e05d44"}
_SHIELDS = {"up": "success", "late": "important", "down": "critical"}
_FORMATS = ("svg", "json", "shields")


class Badges:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.app = api.app

    def badges(self, request: Request, v: int) -> Response:
        auth = self.api.authorize_read(request)
        if isinstance(auth, Response):
            return auth
        conn = self.app.conn()
        tags = {"*"}
        for check in store.project_checks(conn, auth.project_id):
            tags.update(_tags(check))
        key = store.badge_key(conn, auth.project_id)
        return json_response({"badges": {tag: self._urls(key, tag) for tag in sorted(tags)}})

    def _urls(self, key: str, tag: str) -> dict[str, str]:
        result = {}
        for fmt in _FORMATS:
            for late, suffix in ((False, ""), (True, "3")):
                result[fmt + suffix] = self._url(key, tag, fmt, with_late=late)
        return {name: result[name] for name in sorted(result, key=_badge_order)}

    def _url(self, key: str, tag: str, fmt: str, *, with_late: bool) -> str:
        sig = self._signature(key, tag) + ("" if with_late else "-2")
        where = f"{key}/{sig}" if tag == "*" else f"{key}/{sig}/{quote(tag, safe='')}"
        return f"{self.app.urls.site_root}/badge/{where}.{fmt}"

    def _signature(self, key: str, tag: str) -> str:
        # A salted HMAC-SHA1 of the tag, URL-safe base64, 8 characters.
        derived = hashlib.sha1((key + self.app.secret).encode()).digest()
        digest = hmac.new(derived, tag.encode(), hashlib.sha1).digest()
        return base64.urlsafe_b64encode(digest).strip(b"=").decode()[:8]

    def project_badge(
        self, request: Request, badge_key: str, signature: str, fmt: str, tag: str = "*"
    ) -> Response:
        if fmt not in _FORMATS or self._signature(badge_key, tag) != signature[:8]:
            return never_cache(Response(404))
        with_late = not (len(signature) == 10 and signature.endswith("-2"))
        conn = self.app.conn()
        row = conn.execute("SELECT id FROM accounts_project WHERE badge_key = ?", (badge_key,))
        found = row.fetchone()
        checks = store.project_checks(conn, int(found[0])) if found else []
        if tag != "*":
            checks = [c for c in checks if tag in _tags(c)]
        statuses = [status_of(c) for c in checks]
        down, grace = statuses.count("down"), statuses.count("grace")
        status = "down" if down else ("late" if grace and with_late else "up")
        label = MASTER_LABEL if tag == "*" else tag
        counts = {"status": status, "total": len(checks), "grace": grace, "down": down}
        return never_cache(_render(fmt, label, status, counts))

    def check_badge(self, request: Request, states: str, code: str, fmt: str) -> Response:
        if fmt not in _FORMATS:
            return never_cache(Response(404))
        row = self.app.conn().execute(
            "SELECT code FROM api_check WHERE badge_key = ?", (uuid.UUID(code).hex,)
        )
        found = row.fetchone()
        check = store.get_check(self.app.conn(), uuid.UUID(found[0])) if found else None
        if check is None:
            return never_cache(not_found_page())
        current = status_of(check)
        status = "down" if current == "down" else "up"
        if current == "grace" and states == "3":
            status = "late"
        counts = {
            "status": status,
            "total": 1,
            "grace": int(current == "grace"),
            "down": int(current == "down"),
        }
        return never_cache(_render(fmt, check.name or str(check.code), status, counts))


def _tags(check: CheckRow) -> list[str]:
    return [t.strip() for t in check.tags.split(" ") if t.strip()]


def _badge_order(name: str) -> tuple[int, str]:
    return ["svg", "svg3", "json", "json3", "shields", "shields3"].index(name), name


def _render(fmt: str, label: str, status: str, counts: dict[str, Any]) -> Response:
    if fmt == "shields":
        shields = {"schemaVersion": 1, "label": label, "message": status}
        return json_response({**shields, "color": _SHIELDS[status]})
    if fmt == "json":
        return json_response(counts)
    return Response(200, _svg(label, status).encode(), "image/svg+xml")


def _svg(label: str, status: str) -> str:
    left, right = 7 * len(label) + 10, 7 * len(status) + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20">'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{_COLORS[status]}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2}" y="14">{escape(status)}</text></g></svg>\n'
    )
