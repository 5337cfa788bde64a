"""The desired checks: `CheckSpec` and `Spec`, loaded from healthchecks.toml and .env.healthchecks.

A field left as None is not managed: hcctl neither sends it nor compares it, so a new check gets
the server's default and an existing check keeps what it has. `key`, `name`, `slug` and `env`
always have a value (name, slug default to the key; env to HC_CHECK_<KEY>).
"""

from __future__ import annotations

import ast
import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from hcctl import _rules
from hcctl._rules import (
    ALIASES,
    CHECK_FIELDS,
    IDENTITY_FIELDS,
    Invalid,
    check_key,
    normalize_uuid,
    show,
)
from hcctl._tomllines import TomlLines, format_path
from hcctl.envfile import parse_env, read_text
from hcctl.errors import SpecError, SpecProblem

__all__ = ["CheckSpec", "Spec", "default_env", "key_of_env", "load_spec", "normalize_uuid"]

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
    warnings: tuple[str, ...] = ()  # what is allowed but likely a mistake, with where it is
    _by_key: dict[str, CheckSpec] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update((c.key, c) for c in self.checks)

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def get(self, key: str) -> CheckSpec | None:
        return self._by_key.get(key)

    def resolve(self, ref: str) -> CheckSpec | None:
        """The check that `ref` names: a key first, then a UUID (any spelling), then a slug."""
        found = self._by_key.get(ref)
        if found is not None:
            return found
        uuid = normalize_uuid(ref)
        for check in self.checks:
            if (uuid is not None and check.uuid == uuid) or check.slug == ref:
                return check
        return None


# --- loading and validation -------------------------------------------------------------------

SPEC_FILE = "healthchecks.toml"
ENV_FILE = ".env.healthchecks"
ENV_PREFIX = "HC_CHECK_"
_TOP_LEVEL = ("defaults", "checks")
_TOML_WHERE = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")

# tomllib's messages for the usual mistakes, in plainer words.
_PLAIN_TOML_ERRORS = {
    "Illegal character '\\n'": "a string is not closed on its line",
    "Expected newline or end of document after a statement": (
        'unexpected text after a value (text values need quotes, like "5m")'
    ),
    "Invalid value": "a value is missing or malformed",
    "Unterminated string": "a string is never closed",
}

Loc = tuple[str, str, "int | None"]  # file, dotted path, line


def default_env(key: str) -> str:
    """The variable that holds a check's UUID unless `env` says otherwise: HC_CHECK_<KEY>."""
    return ENV_PREFIX + key.upper().replace("-", "_")


def key_of_env(name: str) -> str:
    """The check key an env-only variable gives: HC_CHECK_CELERY_BEAT -> "celery-beat"."""
    return name[len(ENV_PREFIX) :].lower().replace("_", "-")


@dataclass(frozen=True)
class _EnvVar:
    name: str
    value: str
    line: int


@dataclass
class _EnvFile:
    file: str
    vars: dict[str, _EnvVar]  # the last assignment of each name, in file order
    repeats: dict[str, list[int]]  # names assigned more than once -> every line


@dataclass
class _Draft:
    """A check being built: its fields and where each one was written."""

    key: str
    fields: dict[str, object]
    loc: Loc  # the check itself: its table header or its env line
    label: str  # how a message names it: "checks.api" or "HC_CHECK_API"
    places: dict[str, Loc] = field(default_factory=dict)

    def value(self, name: str) -> object:
        if name == "key":
            return self.key
        if name in ("name", "slug"):
            return self.fields.get(name) or self.key
        if name == "env":
            return self.fields.get("env") or default_env(self.key)
        return self.fields.get(name)

    def loc_of(self, name: str) -> Loc:
        return self.places.get(name, self.loc)


def _merge(defaults: dict[str, object], own: dict[str, object]) -> dict[str, object]:
    """A check's fields: its own, then the defaults, keeping it either simple or scheduled."""
    merged = dict(defaults)
    if "timeout" in own:
        merged.pop("schedule", None)
        merged.pop("tz", None)
    if "schedule" in own:
        merged.pop("timeout", None)
    merged.update(own)
    if merged.get("schedule") is None:
        merged.pop("tz", None)
    return merged


def _hint(name: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(allowed), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


class _Loader:
    """Reads both files, collecting every problem instead of stopping at the first."""

    def __init__(self, spec_path: Path | None, env_path: Path) -> None:
        self.spec_path = spec_path
        self.env_path = env_path
        self.spec_file = str(spec_path) if spec_path else ""
        self.problems: list[SpecProblem] = []
        self.warnings: list[SpecProblem] = []
        self.lines = TomlLines("")

    # -- reporting

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append(SpecProblem(loc[0], loc[1], message, loc[2]))

    def warn(self, loc: Loc, message: str) -> None:
        self.warnings.append(SpecProblem(loc[0], loc[1], message, loc[2]))

    def at(self, path: tuple[str, ...]) -> Loc:
        return (self.spec_file, format_path(path), self.lines.line_of(path))

    def where(self, loc: Loc, seen_from: Loc) -> str:
        line = f"line {loc[2]}" if loc[2] is not None else "no line"
        return line if loc[0] == seen_from[0] else f"{loc[0]}, {line}"

    def _ordered(self, problems: list[SpecProblem]) -> list[SpecProblem]:
        rank = {self.spec_file: 0, str(self.env_path): 1}
        return sorted(problems, key=lambda p: (rank.get(p.file, 2), p.line or 0))

    # -- reading

    def _read(self, path: Path) -> str | None:
        try:
            return read_text(path)
        except SpecError as exc:
            self.problems.extend(exc.problems)
            return None

    def read_toml(self, path: Path) -> dict[str, object] | None:
        problems = len(self.problems)
        text = self._read(path)
        if text is None:
            if len(self.problems) == problems:  # missing, or a link to nothing
                self.add((str(path), "", None), "does not exist")
            return None
        text = text.removeprefix("\ufeff")
        self.lines = TomlLines(text)
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self._syntax_error(text, str(exc))
            return None

    def _syntax_error(self, text: str, error: str) -> None:
        match = _TOML_WHERE.search(error)
        reason = error[: match.start()] if match else error
        line = int(match.group(1)) if match and match.group(1) else len(text.splitlines()) or 1
        column = match.group(2) if match else None
        declared = re.match(r"Cannot declare (\(.*\)) twice", reason)
        if reason == "Cannot overwrite a value" and self.lines.repeated:
            path, line = self.lines.repeated[0]
            self.add((self.spec_file, format_path(path), line), "is set twice")
        elif declared:
            path = tuple(str(part) for part in ast.literal_eval(declared.group(1)))
            self.add((self.spec_file, format_path(path), line), "is declared twice")
        else:
            plain = _PLAIN_TOML_ERRORS.get(reason, _first_lower(reason))
            at_column = f" (column {column})" if column else ""
            self.add((self.spec_file, "", line), f"is not valid TOML: {plain}{at_column}")

    def read_env(self, path: Path) -> _EnvFile | None:
        text = self._read(path)
        if text is None:
            return None
        env = _EnvFile(str(path), {}, {})
        for line in parse_env(text):
            if line.error is not None:
                self.add((env.file, line.name or "", line.number), line.error)
            elif line.name is not None and line.value is not None:
                env.repeats.setdefault(line.name, []).append(line.number)
                env.vars.pop(line.name, None)  # keep file order of the last assignment
                env.vars[line.name] = _EnvVar(line.name, line.value, line.number)
        env.repeats = {name: lines for name, lines in env.repeats.items() if len(lines) > 1}
        return env

    # -- the TOML tables

    def table(self, path: tuple[str, ...], value: object) -> dict[str, object] | None:
        if isinstance(value, dict):
            return value
        self.add(self.at(path), f"must be a table, like [{format_path(path)}], got {show(value)}")
        return None

    def fields(
        self, path: tuple[str, ...], table: dict[str, object], allowed: Iterable[str]
    ) -> dict[str, object]:
        """The valid fields of one table, in CheckSpec's encoding; problems for the others."""
        allowed = tuple(allowed)
        out: dict[str, object] = {}
        for name, raw in table.items():
            if name not in allowed:
                self._unknown((*path, name), name, allowed)
                continue
            try:
                out[name] = CHECK_FIELDS[name](raw)
            except Invalid as exc:
                self.add(self.at((*path, name)), exc.message)
        self._aliases(path, table, out)
        if "timeout" in table and "schedule" in table:
            message = (
                "cannot be set together with timeout: a check is either simple (timeout) "
                "or scheduled (schedule and tz)"
            )
            self.add(self.at((*path, "schedule")), message)
        return out

    def _unknown(self, path: tuple[str, ...], name: str, allowed: tuple[str, ...]) -> None:
        if path[0] == "defaults" and name in IDENTITY_FIELDS:
            self.add(self.at(path), "cannot be set in [defaults]: it identifies a single check")
        else:
            self.add(self.at(path), "unknown key" + _hint(name, allowed))

    def _aliases(
        self, path: tuple[str, ...], table: dict[str, object], out: dict[str, object]
    ) -> None:
        # subject/subject_fail are the API's deprecated spellings; the API also turns
        # filter_subject on when they are set, and so do we.
        for alias, target in ALIASES.items():
            if alias not in table:
                continue
            if target in table:
                message = f"is a deprecated alias of {target}; set only {target}"
                self.add(self.at((*path, alias)), message)
                out.pop(alias, None)
                continue
            self.warn(self.at((*path, alias)), f"is deprecated: write {target} instead")
            if alias in out:
                out[target] = out.pop(alias)
                if out[target] and "filter_subject" not in table:
                    out["filter_subject"] = True

    def defaults(self, data: dict[str, object]) -> dict[str, object]:
        if "defaults" not in data:
            return {}
        table = self.table(("defaults",), data["defaults"])
        if table is None:
            return {}
        allowed = [name for name in CHECK_FIELDS if name not in IDENTITY_FIELDS]
        return self.fields(("defaults",), table, allowed)

    def toml_check(self, key: str, value: object) -> _Draft | None:
        path = ("checks", key)
        reason = check_key(key)
        if reason:
            self.add(self.at(path), reason)
        table = self.table(path, value)
        if table is None:
            return None
        own = self.fields(path, table, CHECK_FIELDS)
        if "tz" in table and "schedule" not in table:
            message = "needs a schedule in the same table: only scheduled checks have a time zone"
            self.add(self.at((*path, "tz")), message)
        if reason:
            return None
        places = {name: self.at((*path, name)) for name in table}
        places["success_kw"] = places.get("success_kw") or self.at((*path, "subject"))
        places["failure_kw"] = places.get("failure_kw") or self.at((*path, "subject_fail"))
        return _Draft(key, own, self.at(path), format_path(path), places)

    # -- checks

    def toml_drafts(self, data: dict[str, object], env: _EnvFile | None) -> list[_Draft]:
        for name in data:
            if name not in _TOP_LEVEL:
                message = "unknown key: a spec file holds [defaults] and [checks.<key>] tables"
                self.add(self.at((name,)), message + _hint(name, _TOP_LEVEL))
        defaults = self.defaults(data)
        if "checks" not in data:
            return self.env_drafts(env, defaults)
        checks = self.table(("checks",), data["checks"]) or {}
        drafts = []
        for key, value in checks.items():
            draft = self.toml_check(key, value)
            if draft is not None:
                draft.fields = _merge(defaults, draft.fields)
                drafts.append(draft)
        if env is not None:
            self._join_env(drafts, env)
        return drafts

    def _join_env(self, drafts: list[_Draft], env: _EnvFile) -> None:
        claimed = set()
        for draft in drafts:
            name = str(draft.value("env"))
            claimed.add(name)
            var = env.vars.get(name)
            if var is not None and var.value:
                self._join_uuid(draft, var, (env.file, name, var.line))
        for var in env.vars.values():
            if var.name.startswith(ENV_PREFIX) and var.name not in claimed:
                where = (env.file, var.name, var.line)
                self.warn(where, f"matches no check in {self.spec_file}: hcctl does not manage it")

    def _join_uuid(self, draft: _Draft, var: _EnvVar, loc: Loc) -> None:
        try:
            found = _rules.uuid(var.value)
        except Invalid as exc:
            self.add(loc, exc.message)
            return
        own = draft.fields.get("uuid")
        if own is None:
            draft.fields["uuid"] = found
            draft.places["uuid"] = loc
        elif own != found:
            message = (
                f"is {own} but {loc[0]}, line {loc[2]}, has {var.name}={found}; "
                "they must agree: keep one"
            )
            self.add(draft.loc_of("uuid"), message)

    def env_drafts(self, env: _EnvFile | None, defaults: dict[str, object]) -> list[_Draft]:
        """One check per HC_CHECK_ variable, when no TOML lists the checks."""
        drafts = []
        for var in env.vars.values() if env else ():
            if not var.name.startswith(ENV_PREFIX):
                continue
            loc: Loc = (env.file if env else "", var.name, var.line)
            key = key_of_env(var.name)
            reason = check_key(key)
            if not key:
                self.add(loc, f"names no check: write the check's key after {ENV_PREFIX}")
                continue
            if reason:
                self.add(loc, f"gives the check key {show(key)}, which {reason}")
                continue
            fields = {**_merge(defaults, {}), "env": var.name}
            draft = _Draft(key, fields, loc, var.name)
            if var.value:
                self._join_uuid(draft, var, loc)
            drafts.append(draft)
        return drafts

    def repeated_vars(self, env: _EnvFile | None, drafts: list[_Draft]) -> None:
        if env is None:
            return
        used = {str(draft.value("env")) for draft in drafts}
        for name, numbers in env.repeats.items():
            if name.startswith(ENV_PREFIX) or name in used:
                listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
                self.add((env.file, name, numbers[-1]), f"is set more than once (lines {listed})")

    def unique(self, drafts: list[_Draft]) -> None:
        """Keys, variables, slugs, names and UUIDs must each belong to one check."""
        # A check whose key is taken is reported once: its slug and name come from that key.
        taken = self._duplicates(drafts, "key", "key")
        drafts = [draft for draft in drafts if draft not in taken]
        for name, label in (("env", "variable"), ("slug", "slug"), ("name", "name")):
            self._duplicates(drafts, name, label)
        self._duplicates(drafts, "uuid", "UUID")

    def _duplicates(self, drafts: list[_Draft], name: str, label: str) -> list[_Draft]:
        seen: dict[object, _Draft] = {}
        repeated = []
        for draft in drafts:
            value = draft.value(name)
            if value is None:
                continue
            first = seen.setdefault(value, draft)
            if first is not draft:
                loc = draft.loc_of(name)
                where = self.where(first.loc_of(name), loc)
                self.add(
                    loc, f"the {label} {show(value)} is already used by {first.label} ({where})"
                )
                repeated.append(draft)
        return repeated

    def run(self) -> Spec:
        data = self.read_toml(self.spec_path) if self.spec_path else None
        env = self.read_env(self.env_path)
        if self.spec_path is None and env is None and not self.problems:
            message = f"does not exist, and there is no {SPEC_FILE} next to it"
            self.add((str(self.env_path), "", None), message)
        if data is not None:
            drafts = self.toml_drafts(data, env)
        else:
            drafts = [] if self.spec_path else self.env_drafts(env, {})
        self.repeated_vars(env, drafts)
        self.unique(drafts)
        if self.problems:
            raise SpecError(self._ordered(self.problems))
        checks = tuple(CheckSpec(d.key, **cast("dict[str, Any]", d.fields)) for d in drafts)
        warnings = tuple(str(w) for w in self._ordered(self.warnings))
        return Spec(checks, self.spec_path, self.env_path, warnings)


def _locate(spec_path: Path | None, env_path: Path | None) -> tuple[Path | None, Path]:
    """Fill in a path left out: the file of that name next to the other one, or here."""
    if spec_path is None:
        candidate = (env_path.parent if env_path else Path()) / SPEC_FILE
        spec_path = candidate if candidate.exists() or candidate.is_symlink() else None
    if env_path is None:
        env_path = (spec_path.parent if spec_path else Path()) / ENV_FILE
    return spec_path, env_path


def load_spec(spec_path: Path | None = None, env_path: Path | None = None) -> Spec:
    """Load and validate the checks of healthchecks.toml and/or .env.healthchecks.

        spec = load_spec(Path("healthchecks.toml"), Path(".env.healthchecks"))

    A path left out is looked for next to the other one (or in the current folder). The TOML
    is optional; the env file may be missing when the TOML exists (`apply` creates it). Raises
    SpecError with every problem of both files, in file order. Never writes anything.
    """
    spec_path, env_path = _locate(spec_path, env_path)
    return _Loader(spec_path, env_path).run()
