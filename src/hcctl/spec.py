"""The desired checks: `CheckSpec` and `Spec`, loaded from healthchecks.toml and .env.healthchecks.

A field left as None is not managed: hcctl neither sends it nor compares it, so a new check gets
the server's default and an existing check keeps what it has. `key`, `name`, `slug` and `env`
always have a value (name, slug default to the key; env to HC_CHECK_<KEY>).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CheckSpec", "Spec"]

# The API's field names that a CheckSpec manages, in the order they are shown to users.
MANAGED_FIELDS = (
    "name",
    "slug",
    "tags",
    "desc",
    "timeout",
    "grace",
    "schedule",
    "tz",
    "methods",
    "manual_resume",
    "start_kw",
    "success_kw",
    "failure_kw",
    "filter_subject",
    "filter_body",
    "filter_http_body",
    "filter_default_fail",
    "channels",
)


@dataclass(frozen=True)
class CheckSpec:
    """One desired check.

    >>> CheckSpec(key="backup", schedule="0 3 * * *", tz="Europe/Paris").env
    'HC_CHECK_BACKUP'
    """

    key: str
    name: str = ""
    slug: str = ""
    env: str = ""
    uuid: str | None = None  # canonical: lowercase with dashes
    tags: tuple[str, ...] | None = None
    desc: str | None = None
    timeout: int | None = None  # seconds; only for simple checks
    grace: int | None = None  # seconds
    schedule: str | None = None  # cron (5 fields) or OnCalendar (lines joined by "\n")
    tz: str | None = None
    methods: str | None = None  # "" or "POST"
    manual_resume: bool | None = None
    start_kw: str | None = None
    success_kw: str | None = None
    failure_kw: str | None = None
    filter_subject: bool | None = None
    filter_body: bool | None = None
    filter_http_body: bool | None = None
    filter_default_fail: bool | None = None
    channels: str | tuple[str, ...] | None = None  # "*", "" or integration names/UUIDs

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.key)
        if not self.slug:
            object.__setattr__(self, "slug", self.key)
        if not self.env:
            object.__setattr__(self, "env", "HC_CHECK_" + self.key.upper().replace("-", "_"))

    @property
    def kind(self) -> str:
        """ "simple", "cron" or "oncalendar", decided as the server decides."""
        if self.schedule is None:
            return "simple"
        lines = self.schedule.strip().split("\n")
        return "cron" if len(lines) == 1 and len(lines[0].split()) == 5 else "oncalendar"

    def api_body(self) -> dict[str, object]:
        """The JSON body that creates this check: every managed field, in the API's encoding."""
        body: dict[str, object] = {}
        for name in MANAGED_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "tags":
                value = " ".join(value)
            elif name == "channels" and isinstance(value, tuple):
                value = ",".join(value)
            body[name] = value
        return body


@dataclass(frozen=True)
class Spec:
    """The desired checks of a project, in file order, and where they came from."""

    checks: tuple[CheckSpec, ...] = ()
    spec_path: Path | None = None
    env_path: Path | None = None
    _by_key: dict[str, CheckSpec] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update((c.key, c) for c in self.checks)

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def get(self, key: str) -> CheckSpec | None:
        return self._by_key.get(key)
