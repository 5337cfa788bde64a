"""The real server's URL patterns, mapped to our handlers."""

from __future__ import annotations

from hcctl.server.api import Api
from hcctl.server.app import App
from hcctl.server.badges import Badges
from hcctl.server.history import History
from hcctl.server.http import INT, SHA1, SLUG, UUID, Router
from hcctl.server.pings import Pings

__all__ = ["build_router"]

_ACTIONS = ("fail", "start", "log")


def build_router(app: App) -> Router:
    router = Router()
    _add_ping_routes(router, Pings(app))
    api = Api(app)
    history, badges = History(api), Badges(api)
    for v in (1, 2, 3):
        _add_api_routes(router, api, rf"/api/v{v}/", v)
        _add_history_routes(router, history, rf"/api/v{v}/", v)
        router.add(rf"/api/v{v}/badges/", badges.badges, cors=("GET",), v=v)
    _add_badge_routes(router, badges)
    return router


def _add_ping_routes(router: Router, pings: Pings) -> None:
    base = rf"/ping/{UUID}"
    router.add(base, pings.by_uuid)
    router.add(base + "/", pings.by_uuid)
    for action in _ACTIONS:
        router.add(rf"{base}/{action}", pings.by_uuid, action=action)
    router.add(rf"{base}/(?P<exitstatus>{INT})", pings.by_uuid)
    slug = rf"/ping/(?P<ping_key>{SLUG})/(?P<slug>{SLUG})"
    router.add(slug, pings.by_slug)
    for action in _ACTIONS:
        router.add(rf"{slug}/{action}", pings.by_slug, action=action)
    router.add(rf"{slug}/(?P<exitstatus>{INT})", pings.by_slug)


def _add_api_routes(router: Router, api: Api, prefix: str, v: int) -> None:
    get, post = ("GET",), ("POST",)
    router.add(prefix + "checks/", api.checks, cors=("GET", "POST"), v=v)
    router.add(prefix + f"checks/{UUID}", api.single, cors=("POST", "DELETE", "GET"), v=v)
    router.add(prefix + f"checks/{SHA1}", api.get_by_unique_key, cors=get, v=v)
    router.add(prefix + f"checks/{UUID}/pause", api.pause, cors=post, v=v)
    router.add(prefix + f"checks/{UUID}/resume", api.resume, cors=post, v=v)
    router.add(prefix + f"notifications/{UUID}/status", api.notification_status, v=v)
    router.add(prefix + "channels/", api.channels, cors=get, v=v)
    router.add(prefix + "metrics/", api.metrics, csrf=True, v=v)
    router.add(prefix + "status/", api.status, csrf=True, v=v)
    router.add(prefix + "bounces/", api.bounces, v=v)


def _add_history_routes(router: Router, history: History, prefix: str, v: int) -> None:
    get = ("GET",)
    router.add(prefix + f"checks/{UUID}/pings/", history.pings, cors=get, v=v)
    router.add(prefix + f"checks/{UUID}/pings/(?P<n>{INT})/body", history.ping_body, cors=get, v=v)
    router.add(prefix + f"checks/{UUID}/flips/", history.flips_by_uuid, cors=get, v=v)
    router.add(prefix + f"checks/{SHA1}/flips/", history.flips_by_unique_key, cors=get, v=v)


def _add_badge_routes(router: Router, badges: Badges) -> None:
    key_sig = rf"/badge/(?P<badge_key>{SLUG})/(?P<signature>{SLUG})"
    fmt = rf"\.(?P<fmt>{SLUG})"
    get = ("GET",)
    tag = r"(?P<tag>[\w%~_.-]+)"
    router.add(key_sig + rf"/{tag}{fmt}", badges.project_badge, cors=get, csrf=True)
    router.add(key_sig + fmt, badges.project_badge, cors=get, csrf=True)
    router.add(rf"/b/(?P<states>{INT})/{UUID}{fmt}", badges.check_badge, cors=get, csrf=True)
