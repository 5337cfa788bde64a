"""Bootstrap's last step: the spec's checks on the server, each with exactly its UUID."""

from __future__ import annotations

from hcctl.api import HealthchecksApi
from hcctl.bootstrap.summary import CheckLine
from hcctl.settings import Settings
from hcctl.spec import Spec

__all__ = ["sync_checks"]


def sync_checks(settings: Settings, spec: Spec) -> tuple[list[CheckLine], list[str]]:
    """Apply `spec` with pinning; the checks as they are after, and what changed, in words."""
    changes: list[str] = []  # filled by apply once the sync engine is in
    with HealthchecksApi(settings.api_url, settings.api_key) as api:
        by_uuid = {c.uuid: c for c in api.list_checks() if c.uuid}
    lines = []
    for wanted in spec:
        check = by_uuid.get(wanted.uuid or "")
        uuid = wanted.uuid or ""
        status = check.status if check is not None else "missing"
        lines.append(CheckLine(wanted.key, uuid, status, settings.ping_url + uuid))
    return lines, changes
