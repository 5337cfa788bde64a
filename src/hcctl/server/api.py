"""Management API handlers: keys, checks (list, get, create/upsert, update, delete, pause,
resume) and integrations, answering as the real server does (status, body, JSON shape)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from hcctl.server import store
from hcctl.server.app import App
from hcctl.server.checks import BadChannel, apply_body, find_unique, new_check
from hcctl.server.http import Request, Response, error, json_response, not_found_page, text
from hcctl.server.status import check_to_dict
from hcctl.server.store import CheckRow
from hcctl.server.validation import ValidationFailed, parse_check_body

__all__ = ["Api", "Auth"]


@dataclass(frozen=True)
class Auth:
    project_id: int
    readonly: bool
    json: dict[str, Any]


class Api:
    """The Management API's views, bound to one App."""

    def __init__(self, app: App) -> None:
        self.app = app

    # --- keys -----------------------------------------------------------------------------

    def authorize(self, request: Request) -> Auth | Response:
        """A read-write key, from X-Api-Key or a POST body's `api_key`; the body parsed first."""
        data: dict[str, Any] = {}
        if request.method == "POST" and request.body:
            try:
                parsed = json.loads(request.body.decode())
            except ValueError:
                return error("could not parse request body")
            if not isinstance(parsed, dict):
                return error("json validation error: value is not an object")
            data = parsed
        if request.headers.has("X-Api-Key"):
            key = request.headers.get_header("X-Api-Key")
        elif "api_key" in data:
            key = str(data["api_key"])
        else:
            key = ""
        return self._project(key, data, accept_ro=False)

    def authorize_read(self, request: Request) -> Auth | Response:
        """Any key of the project, from X-Api-Key only."""
        key = request.headers.get_header("X-Api-Key")
        return self._project(key, {}, accept_ro=True)

    def _project(self, key: str, data: dict[str, Any], *, accept_ro: bool) -> Auth | Response:
        if len(key) != 32:
            return error("missing api key", 401)
        found = store.project_for_key(self.app.conn(), self.app.secret, key, accept_ro=accept_ro)
        if found is None:
            return error("wrong api key", 401)
        return Auth(found[0], found[1], data)

    def owned_check(self, request: Request, code: str) -> tuple[Auth, CheckRow] | Response:
        """The read-write key's project and its check `code`, or the answer refusing them."""
        auth = self.authorize(request)
        if isinstance(auth, Response):
            return auth
        check = self.own_check(auth, code)
        if isinstance(check, Response):
            return check
        return auth, check

    def own_check(self, auth: Auth, code: str) -> CheckRow | Response:
        check = store.get_check(self.app.conn(), uuid.UUID(code))
        if check is None:
            return not_found_page()
        if check.project_id != auth.project_id:
            return Response(403)
        return check

    def _dict(self, check: CheckRow, *, readonly: bool = False, v: int = 3) -> dict[str, Any]:
        channels = None
        if not readonly and check.id is not None:
            channels = store.check_channel_codes(self.app.conn(), check.id)
        return check_to_dict(check, self.app.urls, readonly=readonly, channels=channels, v=v)

    # --- checks/ --------------------------------------------------------------------------

    def checks(self, request: Request, v: int) -> Response:
        if request.method == "POST":
            return self.create_check(request, v)
        return self.list_checks(request, v)

    def list_checks(self, request: Request, v: int) -> Response:
        auth = self.authorize_read(request)
        if isinstance(auth, Response):
            return auth
        conn = self.app.conn()
        tags = set(request.query.get("tag", []))
        slug = request.param("slug") or None
        rows = store.project_checks(conn, auth.project_id, slug=slug)
        channels = {} if auth.readonly else store.channel_codes_by_check(conn, auth.project_id)
        result = [
            check_to_dict(
                row,
                self.app.urls,
                readonly=auth.readonly,
                channels=channels.get(row.id or 0, []),
                v=v,
            )
            for row in rows
            if tags.issubset(t.strip() for t in row.tags.split(" ") if t.strip())
        ]
        return json_response({"checks": result})

    def create_check(self, request: Request, v: int) -> Response:
        auth = self.authorize(request)
        if isinstance(auth, Response):
            return auth
        try:
            body = parse_check_body(auth.json)
        except ValidationFailed as exc:
            return error(exc.message)
        with self.app.write() as conn:
            check = find_unique(conn, auth.project_id, body)
            created = check is None
            if check is None:
                if store.count_checks(conn, auth.project_id) >= self.app.settings.check_limit:
                    return Response(403)
                check = new_check(auth.project_id)
            try:
                apply_body(conn, check, body, v=v)
            except BadChannel as exc:
                return error(exc.message)
        return json_response(self._dict(check, v=v), 201 if created else 200)

    # --- checks/<uuid> ----------------------------------------------------------------------

    def single(self, request: Request, code: str, v: int) -> Response:
        if request.method == "POST":
            return self.update_check(request, code, v)
        if request.method == "DELETE":
            return self.delete_check(request, code, v)
        return self.get_check(request, code, v)

    def get_check(self, request: Request, code: str, v: int) -> Response:
        auth = self.authorize_read(request)
        if isinstance(auth, Response):
            return auth
        check = self.own_check(auth, code)
        if isinstance(check, Response):
            return check
        return json_response(self._dict(check, readonly=auth.readonly, v=v))

    def get_by_unique_key(self, request: Request, unique_key: str, v: int) -> Response:
        auth = self.authorize_read(request)
        if isinstance(auth, Response):
            return auth
        for check in store.project_checks(self.app.conn(), auth.project_id):
            if store.unique_key(check.code) == unique_key:
                return json_response(self._dict(check, readonly=auth.readonly, v=v))
        return Response(404)

    def update_check(self, request: Request, code: str, v: int) -> Response:
        owned = self.owned_check(request, code)
        if isinstance(owned, Response):
            return owned
        auth, check = owned
        try:
            body = parse_check_body(auth.json)
        except ValidationFailed as exc:
            return error(exc.message)
        with self.app.write() as conn:
            fresh = store.get_check_by_id(conn, check.id or 0)
            if fresh is None:
                return Response(404)
            try:
                apply_body(conn, fresh, body, v=v)
            except BadChannel as exc:
                return error(exc.message)
        return json_response(self._dict(fresh, v=v))

    def delete_check(self, request: Request, code: str, v: int) -> Response:
        owned = self.owned_check(request, code)
        if isinstance(owned, Response):
            return owned
        _auth, check = owned
        with self.app.write() as conn:
            store.delete_check(conn, check.id or 0)
        # The deleted check is shown as it was, its integrations already unlinked.
        return json_response(check_to_dict(check, self.app.urls, readonly=False, channels=[], v=v))

    def pause(self, request: Request, code: str, v: int) -> Response:
        owned = self.owned_check(request, code)
        if isinstance(owned, Response):
            return owned
        _auth, check = owned
        if check.status != "paused":
            with self.app.write() as conn:
                store.insert_flip(
                    conn,
                    check.id or 0,
                    old_status=check.status,
                    new_status="paused",
                    processed=True,
                )
                check.status, check.last_start, check.alert_after = "paused", None, None
                store.save_check(conn, check, ("status", "last_start", "alert_after"))
        return json_response(self._dict(check, v=v))

    def resume(self, request: Request, code: str, v: int) -> Response:
        owned = self.owned_check(request, code)
        if isinstance(owned, Response):
            return owned
        _auth, check = owned
        if check.status != "paused":
            return text("check is not paused", 409)
        with self.app.write() as conn:
            store.insert_flip(
                conn, check.id or 0, old_status=check.status, new_status="new", processed=True
            )
            check.status, check.last_start, check.last_ping, check.alert_after = (
                "new",
                None,
                None,
                None,
            )
            store.save_check(conn, check, ("status", "last_start", "last_ping", "alert_after"))
        return json_response(self._dict(check, v=v))

    # --- channels/ and status/ --------------------------------------------------------------

    def channels(self, request: Request, v: int) -> Response:
        auth = self.authorize(request)
        if isinstance(auth, Response):
            return auth
        rows = store.project_channels(self.app.conn(), auth.project_id)
        items = [{"id": str(c.code), "name": c.name, "kind": c.kind} for c in rows]
        return json_response({"channels": items})

    def status(self, request: Request, v: int) -> Response:
        self.app.conn().execute("SELECT 1").fetchone()
        return text("OK")

    def metrics(self, request: Request, v: int) -> Response:
        # The real server answers 403 unless it was given a METRICS_KEY; we have none.
        return Response(403)

    def notification_status(self, request: Request, code: str, v: int) -> Response:
        # Delivery callbacks for notifications; we send none, so every callback is unknown.
        if request.method != "POST":
            return Response(405, headers={"Allow": "POST"})
        return text("")

    def bounces(self, request: Request, v: int) -> Response:
        # Bounce reports for emails we never send: none carries a valid signature.
        return text("OK (bad signature)")
