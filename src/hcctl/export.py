"""`hcctl export`: describe a server's checks as healthchecks.toml and .env.healthchecks.

For adopting an existing project (brownfield) and for copying checks from one instance or
project to another: export from one, apply with pinning to the other, and the checks arrive
with the same UUIDs. Applying an export to the server it came from changes nothing.

    text = render_export(api.list_checks(), api.list_channels())
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hcctl.api import Channel, Check, HealthchecksApi
from hcctl.durations import format_duration
from hcctl.errors import AuthError, HcctlError
from hcctl.settings import Settings
from hcctl.spec import default_env

__all__ = ["ExportResult", "ExportText", "export", "render_export"]

SPEC_FILE = "healthchecks.toml"
ENV_FILE = ".env.healthchecks"
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Fields that may go to [defaults] when every exported check has the same value.
_SHARED = (
    "desc",
    "grace",
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
_MISSING = "\x00missing"
_ORDER = ("name", "slug", "tags", "desc", "timeout", "schedule", "tz", "grace", *_SHARED[2:])


@dataclass(frozen=True)
class ExportResult:
    """The files written and how many checks they describe."""

    spec_path: Path
    env_path: Path
    count: int
    skipped: tuple[Check, ...] = ()


def _toml_string(value: str) -> str:
    # JSON strings are TOML basic strings, except that TOML wants DEL escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(field: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if field in ("timeout", "grace") and isinstance(value, int):
        return _toml_string(format_duration(value))
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_string(str(v)) for v in value) + "]"
    return _toml_string(str(value))


def _channels_value(check: Check, channels: Sequence[Channel]) -> str | tuple[str, ...]:
    ids = tuple(sorted(c.lower() for c in check.channels or ()))
    if not ids:
        return ""
    if channels and ids == tuple(sorted(c.id.lower() for c in channels)):
        return "*"
    names: dict[str, list[str]] = {}
    for channel in channels:
        names.setdefault(channel.name, []).append(channel.id.lower())
    by_id = {c.id.lower(): c.name for c in channels}

    def label(uuid: str) -> str:
        name = by_id.get(uuid, "")
        usable = name and len(names[name]) == 1 and name not in ("*",) and "," not in name
        return name if usable else uuid

    return tuple(label(i) for i in ids)


# What a new check gets when a field is left out: exported only when a check differs.
_DEFAULTS: dict[str, object] = {
    "tags": (),
    "desc": "",
    "methods": "",
    "manual_resume": False,
    "start_kw": "",
    "success_kw": "",
    "failure_kw": "",
    "filter_subject": False,
    "filter_body": False,
    "filter_http_body": False,
    "filter_default_fail": False,
    "channels": "",
}


def _fields(check: Check, channels: Sequence[Channel]) -> dict[str, object]:
    fields: dict[str, object] = {"name": check.name, "slug": check.slug}
    if check.schedule is not None:
        fields["schedule"] = check.schedule
        fields["tz"] = check.tz or "UTC"
    else:
        fields["timeout"] = check.timeout
    fields["grace"] = check.grace
    for name, default in _DEFAULTS.items():
        value = _channels_value(check, channels) if name == "channels" else getattr(check, name)
        if value != default:
            fields[name] = value
    return fields


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _keys(checks: Sequence[Check]) -> list[str]:
    """One key per check: its slug (or its name made a slug), made unique with -2, -3...

    Unique also as variables: "a-b" and "a_b" would both be HC_CHECK_A_B.
    """
    keys: list[str] = []
    taken: set[str] = set()
    for check in checks:
        base = check.slug if _KEY.match(check.slug) else _slugify(check.name)
        base = base if _KEY.match(base) else "check"
        key, n = base, 1
        while default_env(key) in taken:
            n += 1
            key = f"{base}-{n}"
        taken.add(default_env(key))
        keys.append(key)
    return keys


def _without_duplicates(checks: Sequence[Check]) -> tuple[list[Check], list[Check]]:
    """The checks a spec can hold (one per slug and per name), keeping the most pinged one."""
    kept: list[Check] = []
    skipped: list[Check] = []
    slugs: set[str] = set()
    names: set[str] = set()
    for check in sorted(checks, key=lambda c: (-c.n_pings, c.uuid or "")):
        if (check.slug and check.slug in slugs) or check.name in names:
            skipped.append(check)
            continue
        slugs.add(check.slug)
        names.add(check.name)
        kept.append(check)
    return kept, skipped


def _shared_defaults(all_fields: Sequence[dict[str, object]]) -> dict[str, object]:
    """Values every check has (present in each, equal): written once, in [defaults]."""
    if len(all_fields) < 2:
        return {}
    shared = {}
    for name in _SHARED:
        values = {json.dumps(f.get(name, _MISSING), sort_keys=True) for f in all_fields}
        if len(values) == 1 and name in all_fields[0]:
            shared[name] = all_fields[0][name]
    return shared


def _table(key: str, fields: dict[str, object], defaults: dict[str, object]) -> list[str]:
    lines = [f"[checks.{key}]"]
    for name in _ORDER:
        if name not in fields or (name in defaults and defaults[name] == fields[name]):
            continue
        if name in ("name", "slug") and fields[name] in (key, ""):
            continue  # the key gives them; a check without a slug gets the key as its slug
        lines.append(f"{name} = {_toml_value(name, fields[name])}")
    return lines


@dataclass(frozen=True)
class ExportText:
    """The two files' text, and the checks left out as duplicates of an exported one."""

    spec: str
    env: str
    skipped: tuple[Check, ...] = ()


def render_export(checks: Sequence[Check], channels: Sequence[Channel]) -> ExportText:
    """The text of healthchecks.toml and .env.healthchecks describing `checks` (read-write key).

    A spec holds one check per slug and per name: of checks sharing one, the most pinged is
    exported and the others are `skipped` (they show as duplicates in `hcctl plan`).
    """
    kept, skipped = _without_duplicates(checks)
    ordered = sorted(kept, key=lambda c: (c.slug or c.name, c.name, c.uuid or ""))
    keys = _keys(ordered)
    all_fields = [_fields(c, channels) for c in ordered]
    defaults = _shared_defaults(all_fields)
    spec = ["# Exported by hcctl export: the server's checks as code. UUIDs in .env.healthchecks."]
    if defaults:
        spec += ["", "[defaults]"]
        spec += [f"{name} = {_toml_value(name, value)}" for name, value in defaults.items()]
    for key, fields in zip(keys, all_fields, strict=True):
        spec += ["", *_table(key, fields, defaults)]
    env = ["# Check UUIDs (keep them the same on every machine), exported by hcctl export."]
    env += [f"{default_env(k)}={c.uuid}" for k, c in zip(keys, ordered, strict=True)]
    return ExportText("\n".join(spec) + "\n", "\n".join(env) + "\n", tuple(skipped))


def _refuse_overwrite(paths: Iterable[Path]) -> None:
    existing = [str(p) for p in paths if p.exists()]
    if existing:
        raise HcctlError(f"{' and '.join(existing)} already exist; use --force to overwrite")


def export(
    *,
    settings: Settings | None = None,
    output_dir: Path | str = ".",
    tags: Sequence[str] = (),
    force: bool = False,
    api: HealthchecksApi | None = None,
) -> ExportResult:
    """Write healthchecks.toml and .env.healthchecks for the server's checks (with all `tags`).

    Refuses to overwrite either file unless `force`. Needs a read-write key (UUIDs, channels).
    """
    settings = settings if settings is not None else Settings.load()
    folder = Path(output_dir)
    spec_path, env_path = folder / SPEC_FILE, folder / ENV_FILE
    if not force:
        _refuse_overwrite((spec_path, env_path))
    if api is None and not settings.api_key:
        raise AuthError("no API key: set HC_API_KEY or put it in .env.healthchecks.local")
    client = api or HealthchecksApi(settings.api_url, settings.api_key)
    try:
        checks = client.list_checks(tags=tags)
        if any(c.uuid is None for c in checks):
            raise AuthError("export needs a read-write API key", status=401)
        channels = client.list_channels()
    finally:
        if api is None:
            client.close()
    text = render_export(checks, channels)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        spec_path.write_text(text.spec, encoding="utf-8")
        env_path.write_text(text.env, encoding="utf-8")
    except OSError as exc:
        raise HcctlError(f"{folder}: cannot write the exported files: {exc.strerror}") from exc
    return ExportResult(spec_path, env_path, len(checks) - len(text.skipped), text.skipped)
