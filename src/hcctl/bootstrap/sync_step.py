"""Bootstrap's last step: the spec's checks on the server, each with exactly its UUID."""

from __future__ import annotations

from hcctl.api import Check, HealthchecksApi
from hcctl.apply import ApplyResult
from hcctl.bootstrap.summary import CheckLine
from hcctl.settings import Settings
from hcctl.spec import Spec
from hcctl.sync import apply

__all__ = ["sync_checks"]


def sync_checks(settings: Settings, spec: Spec) -> tuple[list[CheckLine], list[str]]:
    """Apply `spec` with Django pinning; the checks as they are after, and what changed."""
    with HealthchecksApi(settings.api_url, settings.api_key) as api:
        result = apply(settings=settings, spec=spec, api=api)
        by_uuid = {c.uuid: c for c in api.list_checks() if c.uuid}
    uuids = {o.key: o.uuid for o in result.outcomes}
    lines = [
        _line(settings, check.key, uuids.get(check.key) or check.uuid, by_uuid) for check in spec
    ]
    return lines, _changes(result)


def _line(settings: Settings, key: str, uuid: str | None, by_uuid: dict[str, Check]) -> CheckLine:
    check = by_uuid.get(uuid or "")
    status = check.status if check is not None else "missing"
    return CheckLine(key, uuid or "", status, settings.ping_url + (uuid or ""))


def _changes(result: ApplyResult) -> list[str]:
    changes = [
        f"{o.key}: {o.done}" + (f" ({o.detail})" if o.detail else "") for o in result.outcomes
    ]
    if result.env_written:
        changes.append(f"wrote {len(result.env_written)} UUIDs to {result.env_path}")
    return changes
