"""What a ping's `check` argument names, and the URL that pings it.

A check is named by a spec key ("celery-beat", whose UUID is HC_CHECK_CELERY_BEAT in the process
environment or the env file, unless healthchecks.toml says otherwise), by a UUID, or by a slug
(pinged with the ping key). Resolution is deliberately cheap: it reads the raw TOML and the env
file without validating the spec (that costs imports `hcctl ping` must not pay); the full spec is
loaded only when a check has to be created.
"""

from __future__ import annotations

import os

from hcctl.errors import HcctlError, SpecError, SpecProblem

__all__ = [
    "Target",
    "TargetResolver",
    "canonical_uuid",
    "env_name",
    "is_slug",
    "kind_suffix",
    "new_rid",
]

# Plain character sets instead of `re`: re and enum would add ~10 ms to every `hcctl ping`.
_HEX = frozenset("0123456789abcdef")
_SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
_DASHES = (8, 13, 18, 23)
_KINDS = {"success": "", "start": "/start", "fail": "/fail", "log": "/log"}


def canonical_uuid(value: str) -> str | None:
    """`value` as lowercase with dashes if it is a UUID (also uppercase or dash-less), else None."""
    lower = value.strip().lower()
    if len(lower) == 36 and all(lower[i] == "-" for i in _DASHES):
        digits = lower.replace("-", "")
    elif len(lower) == 32:
        digits = lower
    else:
        return None
    if len(digits) != 32 or not _HEX.issuperset(digits):
        return None
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _looks_like_uuid(value: str) -> bool:
    """Meant as a UUID: reported as malformed rather than tried as a slug."""
    lower = value.lower()
    if len(lower) == 36 and all(lower[i] == "-" for i in _DASHES):
        return True
    return len(lower) >= 30 and _HEX.union("-").issuperset(lower)


def is_slug(value: str) -> bool:
    return 0 < len(value) <= 100 and _SLUG_CHARS.issuperset(value)


def new_rid() -> str:
    """A fresh random UUID (version 4) without importing the uuid module."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def env_name(key: str) -> str:
    """The env var of a spec key unless the spec names another: HC_CHECK_<KEY>."""
    return "HC_CHECK_" + key.upper().replace("-", "_")


def kind_suffix(kind: str | int) -> str:
    """The URL suffix of a ping kind: success, start, fail, log or an exit status 0-255."""
    if isinstance(kind, bool):
        raise HcctlError(f"not a ping kind: {kind!r}")
    if isinstance(kind, str) and kind.isdigit():
        kind = int(kind)
    if isinstance(kind, int):
        if not 0 <= kind <= 255:
            raise HcctlError(f"exit status {kind} is outside 0-255")
        return f"/{kind}"
    if kind not in _KINDS:
        raise HcctlError(f"not a ping kind: {kind!r} (success, start, fail, log or 0-255)")
    return _KINDS[kind]


class Target:
    """A resolved check: its spec key if any, and the UUID or slug that pings it."""

    __slots__ = ("create", "key", "label", "slug", "uuid")

    def __init__(
        self,
        label: str,
        *,
        key: str | None = None,
        uuid: str | None = None,
        slug: str | None = None,
        create: bool = False,
    ) -> None:
        self.label = label  # what the caller wrote; safe to show
        self.key = key
        self.uuid = uuid
        self.slug = slug
        self.create = create  # ping the slug URL with ?create=1

    def __repr__(self) -> str:
        return f"Target({self.label!r}, key={self.key!r}, uuid={self.uuid!r}, slug={self.slug!r})"

    def url(self, base: str, ping_key: str | None, suffix: str, rid: str | None) -> str | None:
        """The ping URL, or None when neither a UUID nor (a slug and a ping key) is known."""
        if self.uuid and not self.create:
            url, create = f"{base}{self.uuid}{suffix}", False
        elif self.slug and ping_key:
            url, create = f"{base}{ping_key}/{self.slug}{suffix}", self.create
        else:
            return None
        query = [f"rid={rid}"] if rid else []
        if create:
            query.append("create=1")
        return url + ("?" + "&".join(query) if query else "")


class TargetResolver:
    """Turns `check` arguments into Targets; thread-safe enough (results are immutable)."""

    def __init__(self, *, spec_path: str | None, env_file: str | None, ping_key: bool) -> None:
        self.spec_path = spec_path
        self.env_file = env_file
        self._ping_key = ping_key
        self._toml: dict[str, object] | None = None
        self._env: dict[str, str] | None = None

    def resolve(self, check: str) -> Target:
        if not isinstance(check, str) or not check:
            raise HcctlError(f"a check is a spec key, a UUID or a slug, not {check!r}")
        uuid = canonical_uuid(check)
        if uuid is not None:
            return Target(check, uuid=uuid)
        if _looks_like_uuid(check):
            raise HcctlError(f"malformed UUID: {check!r}")
        target = self._by_key(check)
        if target is not None:
            return target
        if not self._ping_key:
            raise self._unknown(check)
        if not is_slug(check):
            raise HcctlError(f"not a valid slug: {check!r} (lowercase letters, digits, - and _)")
        return Target(check, slug=check)

    def env_values(self) -> dict[str, str]:
        """The env file's variables (cached), overridden by the process environment."""
        if self._env is None:
            self._env = _read_env(self.env_file) if self.env_file else {}
        return self._env

    def refreshed(self, target: Target) -> list[Target]:
        """`target`, then what it names now that the files may have changed (another process
        may have written a new UUID for it), without repeats."""
        names = [n for n, v in self.env_values().items() if _uuid_value(v) == target.uuid]
        self.forget_files()
        fresh = [target]
        if target.key is not None:
            found = self._by_key(target.key)
            if found is not None:
                fresh.append(found)
        values = self.env_values()
        for name in names:
            uuid = _uuid_value(os.environ.get(name) or values.get(name))
            if uuid:
                fresh.append(Target(target.label, key=target.key, uuid=uuid, slug=target.slug))
        unique: dict[tuple[str | None, str | None, bool], Target] = {}
        for t in fresh:
            unique.setdefault((t.uuid, t.slug, t.create), t)
        return [t for t in unique.values() if t.uuid or t.slug]

    def forget_files(self) -> None:
        """Read the spec and env file again next time (after another process changed them)."""
        self._toml = None
        self._env = None

    def _by_key(self, key: str) -> Target | None:
        entry = self._toml_checks().get(key)
        if isinstance(entry, dict):
            name = str(entry.get("env") or env_name(key))
            uuid = _uuid_value(entry.get("uuid")) or self._uuid_of(name)
            return Target(key, key=key, uuid=uuid, slug=str(entry.get("slug") or key))
        name = env_name(key)
        uuid = self._uuid_of(name)
        if uuid is None:
            return None
        return Target(key, key=key, uuid=uuid, slug=key)

    def _uuid_of(self, name: str) -> str | None:
        value = os.environ.get(name) or self.env_values().get(name)
        return _uuid_value(value)

    def _toml_checks(self) -> dict[str, object]:
        if self._toml is None:
            self._toml = _read_toml(self.spec_path) if self.spec_path else {}
        checks = self._toml.get("checks")
        return checks if isinstance(checks, dict) else {}

    def _unknown(self, check: str) -> SpecError:
        files = [f for f in (self.spec_path, self.env_file) if f]
        where = " or ".join(files) if files else "no spec file"
        problem = f"no check with key {check!r} (and no ping key is set to ping it as a slug)"
        return SpecError([SpecProblem(file=where, path="", message=problem)])


def _uuid_value(value: object) -> str | None:
    return canonical_uuid(value) if isinstance(value, str) and value else None


def _read_toml(path: str) -> dict[str, object]:
    if not os.path.exists(path):
        return {}
    import tomllib

    try:
        with open(path, "rb") as f:
            data: dict[str, object] = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problem = SpecProblem(file=path, path="", message=f"cannot be read: {exc}")
        raise SpecError([problem]) from exc
    return data


def _read_env(path: str) -> dict[str, str]:
    """The env file's variables, read as hcctl.envfile reads them (malformed lines skipped)."""
    if not os.path.exists(path):
        return {}
    from hcctl._pingsettings import parse_env_value_lines

    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = SpecProblem(file=path, path="", message=f"cannot be read: {exc}")
        raise SpecError([problem]) from exc
    return {name: value for name, (value, _) in parse_env_value_lines(text).items()}
