"""How a check's UUID is made exact: change `api_check.code` in the server's own database.

The Management API cannot choose a UUID, so hcctl creates the check through the API (the server
fills every column correctly, whatever its version) and then a `Pinner` changes its UUID from
the one the server drew to the wanted one, in one transaction:

    pinner = open_pinner(db_url="postgresql://hc@db/hc")   # or django_cmd="docker compose ..."
    if pinner is not None:
        try:
            pinner.pin(created.uuid, "0cab08fe-03f4-48c2-a927-90493fa0b2f2")
        finally:
            pinner.close()

Two ways in: `sql` speaks to the database directly (SQLite, PostgreSQL, MySQL/MariaDB), `django`
runs code in the server through its `manage.py shell` (e.g. through `docker compose exec`).
Both check at open time that they reach a Healthchecks database, so nothing is created through
the API when pinning could not follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from hcctl.errors import ApiError, HcctlError, PinError, UuidTaken

if TYPE_CHECKING:
    from hcctl.api import Check, HealthchecksApi

__all__ = ["BatchPinner", "PinError", "Pinner", "UuidTaken", "open_pinner", "pin_created"]


class Pinner(Protocol):
    """Changes a check's UUID in the server's database; raises PinError or UuidTaken."""

    def pin(self, current_uuid: str, wanted_uuid: str) -> None:
        """Give the check now known as `current_uuid` the UUID `wanted_uuid`, keeping its history.

        Raises UuidTaken when another check already has `wanted_uuid`, PinError when no check
        has `current_uuid` or the database cannot be changed. Either way nothing changed.
        """

    def close(self) -> None:
        """Release the connection; the pinner cannot be used afterwards."""


@runtime_checkable
class BatchPinner(Pinner, Protocol):
    """A Pinner that can also pin many checks in one transaction (the SQL one)."""

    def pin_many(self, pairs: Sequence[tuple[str, str]]) -> bool:
        """Pin every (current, wanted) pair at once; False when one would fail (none changed)."""


def open_pinner(*, db_url: str | None = None, django_cmd: str | None = None) -> Pinner | None:
    """The pinner for a database URL or a Django command; None when neither is given.

    Checks that it reaches a Healthchecks database before returning (PinError otherwise).
    """
    if db_url and django_cmd:
        raise PinError("give either a database URL or a Django command for pinning, not both")
    if db_url:
        from hcctl.pinning.sql import open_sql_pinner

        return open_sql_pinner(db_url)
    if django_cmd:
        from hcctl.pinning.django import open_django_pinner

        return open_django_pinner(django_cmd)
    return None


def pin_created(
    api: HealthchecksApi, pinner: Pinner, *, created_uuid: str, wanted_uuid: str
) -> Check:
    """Pin a check this run has just created; returns the check that has `wanted_uuid` after.

    When another check of the project already has `wanted_uuid`, another machine created and
    pinned the same check meanwhile: the check just created is a duplicate, so it is deleted
    and the other one returned (converging). When the UUID belongs to another project's check,
    or pinning fails, the check just created is deleted too, so nothing is left half-done,
    and the error is raised.
    """
    try:
        pinner.pin(created_uuid, wanted_uuid)
    except UuidTaken as taken:
        try:
            existing = api.get_check(wanted_uuid)
        except ApiError:
            _discard(api, created_uuid, taken)
            raise UuidTaken(
                f"UUID {wanted_uuid} already belongs to a check outside this project",
                uuid=taken.uuid,
            ) from taken
        _discard(api, created_uuid, taken)
        return existing
    except PinError as failed:
        _discard(api, created_uuid, failed)
        raise
    return api.get_check(wanted_uuid)


def _discard(api: HealthchecksApi, created_uuid: str, cause: PinError) -> None:
    """Delete the check just created; if even that fails, say so in the error raised."""
    try:
        api.delete_check(created_uuid)
    except HcctlError as exc:
        raise PinError(
            f"{cause}; the check {created_uuid} created for it could not be deleted: {exc}"
        ) from exc
