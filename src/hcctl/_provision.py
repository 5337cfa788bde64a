"""Auto-provisioning: a check of the spec that the server lacks is created on its first ping.

Called by the ping clients after a 404 (or when a check has no UUID yet), at most once per check
and process. With an API key and the check in the spec:

1. Under a machine-wide lock for the project (`machine_lock`, taken by the ping client, which
   first pings again: another process may have made the check meanwhile), look once more
   through the API: the wanted UUID may exist, or the env file now hold an adopted one.
2. Create it with its full definition through the API (`unique=["slug"]`, so a check that
   already carries the slug is updated and reused rather than duplicated).
3. Pinning configured (HC_DB_URL or HC_DJANGO_CMD) and a wanted UUID known: make the server's
   UUID the wanted one. `UuidTaken` means another machine pinned it first: the check just
   created is deleted and the wanted UUID pinged.
4. Otherwise adopt the server's UUID and write it to the env file (under its own lock), so the
   next process and the next machine ping it directly.

With only a ping key (or a slug that is not in the spec) the slug URL is pinged with
`?create=1`, which creates a check with the server's defaults.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from hcctl._targets import Target
from hcctl.errors import HcctlError, NotFound, UuidTaken

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hcctl.api import Check, HealthchecksApi
    from hcctl.pinning import Pinner
    from hcctl.spec import CheckSpec, Spec

__all__ = ["Provisioner", "machine_lock"]

LOCK_TIMEOUT = 60.0


class Provisioner:
    """What auto-provisioning needs to know; `provision(target)` does the work."""

    def __init__(
        self,
        *,
        api_url: str | None,
        api_key: str | None,
        ping_key: str | None,
        spec_path: str | None,
        env_file: str | None,
        db_url: str | None,
        django_cmd: str | None,
    ) -> None:
        self.api_url = api_url
        self._api_key = api_key
        self._ping_key = ping_key
        self.spec_path = spec_path
        self.env_file = env_file
        self._db_url = db_url
        self._django_cmd = django_cmd

    def provision(self, target: Target) -> Target:
        """The Target to ping now that the check exists; HcctlError if it cannot be made."""
        check = self._spec_check(target)
        if check is None:
            # Only the spec's checks are created on a 404: a typo must not become a check.
            # Creating any slug is asked for explicitly (`hcctl ping --create`, `create=True`).
            raise NotFound(
                f"check {target.label!r} does not exist on the server and cannot be created: it "
                "is not in the spec (hcctl ping --create makes a check from a slug)",
                check=target.label,
            )
        if not (self._api_key and self.api_url):
            return self._by_slug(target)
        wanted = target.uuid or check.uuid
        from hcctl.api import HealthchecksApi

        with HealthchecksApi(self.api_url or "", self._api_key) as api:
            return self._provision_locked(api, target, check, wanted)

    # -- the pieces ---------------------------------------------------------------------------

    def _by_slug(self, target: Target) -> Target:
        if target.slug and self._ping_key:
            return Target(target.label, key=target.key, slug=target.slug, create=True)
        raise NotFound(
            f"check {target.label!r} does not exist on the server and cannot be created: "
            "it needs an API key (HC_API_KEY), or a slug and a ping key",
            check=target.label,
        )

    def _spec_check(self, target: Target) -> CheckSpec | None:
        spec = self._load_spec()
        if target.key is not None:
            found = spec.get(target.key) or spec.resolve(target.key)
            if found is not None:
                return found
        if target.uuid is not None:
            found = spec.resolve(target.uuid)
            if found is not None:
                return found
            # The UUID may come from the process environment rather than the env file.
            return next((c for c in spec if os.environ.get(c.env) == target.uuid), None)
        return None

    def _load_spec(self) -> Spec:
        from hcctl.spec import Spec, load_spec

        paths = [Path(p) for p in (self.spec_path, self.env_file) if p]
        if self.env_file and not self.spec_path:  # load_spec looks for it beside the env file
            paths.append(Path(self.env_file).with_name("healthchecks.toml"))
        if not any(path.exists() for path in paths):
            return Spec()  # no spec here: nothing is ours to create
        return load_spec(
            Path(self.spec_path) if self.spec_path else None,
            Path(self.env_file) if self.env_file else None,
        )

    def _provision_locked(
        self, api: HealthchecksApi, target: Target, check: CheckSpec, wanted: str | None
    ) -> Target:
        existing = self._existing(api, check, wanted)
        if existing is not None:
            return _uuid_target(target, existing)
        created, is_new = api.create_check(check.api_body(), unique=["slug"])
        uuid = created.uuid or ""
        if wanted and uuid != wanted:
            pinned = self._pin(api, uuid, wanted, created_now=is_new)
            if pinned is not None:
                return _uuid_target(target, pinned)
        if uuid != wanted:
            self._adopt(check, uuid)
        return _uuid_target(target, uuid)

    def _existing(self, api: HealthchecksApi, check: CheckSpec, wanted: str | None) -> str | None:
        """A UUID of this check that already works: made by another process meanwhile."""
        candidates = [wanted, self._env_file_uuid(check)]
        for uuid in dict.fromkeys(c for c in candidates if c):
            try:
                return api.get_check(uuid).uuid
            except NotFound:
                continue
        return None

    def _env_file_uuid(self, check: CheckSpec) -> str | None:
        if not self.env_file:
            return None
        from hcctl._targets import canonical_uuid
        from hcctl.envfile import read_env

        try:
            value = read_env(Path(self.env_file)).get(check.env)
        except HcctlError:
            return None
        return canonical_uuid(value) if value else None

    def _pin(
        self, api: HealthchecksApi, current: str, wanted: str, *, created_now: bool
    ) -> str | None:
        """Pin `current` to `wanted`; the UUID to ping, or None when pinning is not configured."""
        from hcctl.pinning import open_pinner, pin_created

        pinner = open_pinner(db_url=self._db_url, django_cmd=self._django_cmd)
        if pinner is None:
            return None
        try:
            if created_now:
                checked: Check = pin_created(api, pinner, created_uuid=current, wanted_uuid=wanted)
                return checked.uuid or wanted
            return _pin_matched(pinner, current, wanted)
        finally:
            pinner.close()

    def _adopt(self, check: CheckSpec, uuid: str) -> None:
        """Write the server's UUID to the env file; a read-only file must not stop the ping."""
        if not self.env_file:
            return
        from hcctl.envfile import update_env

        try:
            update_env(Path(self.env_file), {check.env: uuid})
        except HcctlError as exc:
            import logging

            logging.getLogger("hcctl.ping").warning(
                "hcctl: created %r as %s but could not record it: %s", check.key, uuid, exc
            )


def _pin_matched(pinner: Pinner, current: str, wanted: str) -> str:
    # An existing check matched by slug: re-pin it (its history stays). If the wanted UUID is
    # taken, another process pinned a check meanwhile: ping that one, leave this one to prune.
    with contextlib.suppress(UuidTaken):
        pinner.pin(current, wanted)
    return wanted


def _uuid_target(target: Target, uuid: str) -> Target:
    return Target(target.label, key=target.key, uuid=uuid, slug=target.slug)


class machine_lock:
    """A lock shared by every process of this machine that provisions checks of this project
    (one server, one env file): so fifty workers starting at once create one check."""

    def __init__(self, api_url: str, env_file: str | None) -> None:
        where = os.path.abspath(env_file) if env_file else ""
        digest = hashlib.sha256(f"{api_url}\0{where}".encode()).hexdigest()[:24]
        path = os.path.join(tempfile.gettempdir(), f"hcctl-provision-{digest}.lock")
        self._lock = FileLock(path, timeout=LOCK_TIMEOUT)

    def __enter__(self) -> None:
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise HcctlError(f"another process held {self._lock.lock_file} too long") from exc

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
