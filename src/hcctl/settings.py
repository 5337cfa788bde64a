"""Where hcctl finds its server, keys and files: one resolution order for every setting.

    command-line flag > environment > .env.healthchecks.local > .env.healthchecks > default

    settings = Settings.load(api_url="https://hc.example.org/api/v3/")

| setting | variable (seed alias) | default |
|---|---|---|
| api_url | HC_API_URL (HEALTHCHECKS_URL) | http://localhost:8000/api/v3/ |
| api_key | HC_API_KEY (HEALTHCHECKS_API_KEY) | none |
| ping_url | HC_PING_URL | <site>/ping/, or https://hc-ping.com/ for healthchecks.io |
| ping_key | HC_PING_KEY | none |
| spec_path | HC_SPEC | healthchecks.toml beside the env file, if it exists |
| env_file | HC_ENV_FILE (flag or environment only) | .env.healthchecks beside the spec |
| db_url | HC_DB_URL | none |
| django_cmd | HC_DJANGO_CMD | none |
| auto_provision | HC_AUTO_PROVISION (HEALTHCHECKS_AUTO_PROVISION) | true |

The local file is the env file's name plus `.local`. Secrets (api_key, ping_key, a database
URL with a password) belong there or in the environment: found in the committed env file they
still work, with a warning. No secret ever shows in a repr, a str or a message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from hcctl.envfile import EnvLine, read_env, read_lines
from hcctl.errors import SpecError, SpecProblem
from hcctl.spec import Spec, load_spec

__all__ = [
    "DEFAULT_API_URL",
    "Settings",
    "derive_ping_url",
    "normalize_api_url",
    "redact_url",
    "validate",
]

DEFAULT_API_URL = "http://localhost:8000/api/v3/"
HOSTED_PING_URL = "https://hc-ping.com/"
_HOSTED = {"healthchecks.io", "www.healthchecks.io"}
_API_PATH = re.compile(r"/api/v\d+/?$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

# Each setting read from variables: its names, the first one preferred.
_NAMES = {
    "api_url": ("HC_API_URL", "HEALTHCHECKS_URL"),
    "api_key": ("HC_API_KEY", "HEALTHCHECKS_API_KEY"),
    "ping_url": ("HC_PING_URL",),
    "ping_key": ("HC_PING_KEY",),
    "spec_path": ("HC_SPEC",),
    "db_url": ("HC_DB_URL",),
    "django_cmd": ("HC_DJANGO_CMD",),
    "auto_provision": ("HC_AUTO_PROVISION", "HEALTHCHECKS_AUTO_PROVISION"),
}
_FLAGS = {
    "api_url": "--api-url",
    "api_key": "--api-key",
    "ping_url": "--ping-url",
    "ping_key": "--ping-key",
    "spec_path": "--spec",
    "db_url": "--db-url",
    "django_cmd": "--django-cmd",
    "auto_provision": "--auto-provision",
}
_SECRETS = ("HC_API_KEY", "HEALTHCHECKS_API_KEY", "HC_PING_KEY")


def redact_url(url: str) -> str:
    """`url` with its password replaced by ***: postgresql://hc:***@db/hc."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def normalize_api_url(url: str) -> str:
    """The Management API base with a trailing slash; a bare site gets `api/v3/`.

    >>> normalize_api_url("http://localhost:8000")
    'http://localhost:8000/api/v3/'
    """
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") + "/"
    if not _API_PATH.search(path):
        path += "api/v3/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def derive_ping_url(api_url: str) -> str:
    """The ping base that goes with an API base: `<site>/ping/`, hc-ping.com for the service."""
    parts = urlsplit(api_url)
    if (parts.hostname or "") in _HOSTED:
        return HOSTED_PING_URL
    site = _API_PATH.sub("", parts.path.rstrip("/") + "/").rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, site + "/ping/", "", ""))


@dataclass(frozen=True)
class _Found:
    value: str
    source: str  # "command line", "environment" or a file's path
    name: str = ""  # the variable it was read from
    line: int | None = None


def _from_file(path: Path) -> dict[str, _Found]:
    """Variables of an env file, leniently: load_spec reports what is wrong with the file."""
    try:
        lines: list[EnvLine] = read_lines(path) or []
    except SpecError:
        return {}
    return {
        line.name: _Found(line.value, str(path), line.name, line.number)
        for line in lines
        if line.name and line.value
    }


def _is_secret(name: str, value: str) -> bool:
    if name in _SECRETS:
        return True
    return name == "HC_DB_URL" and urlsplit(value).password is not None


@dataclass(frozen=True, repr=False)
class Settings:
    """Resolved settings. Build them with `Settings.load()`; repr and str hide every secret."""

    api_url: str = DEFAULT_API_URL
    api_key: str | None = None
    ping_url: str = "http://localhost:8000/ping/"
    ping_key: str | None = None
    spec_path: Path | None = None
    env_file: Path = Path(".env.healthchecks")
    db_url: str | None = None
    django_cmd: str | None = None
    auto_provision: bool = True
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("api_key", "ping_key"):
            if shown[name] is not None:
                shown[name] = "***"
        if self.db_url is not None:
            shown["db_url"] = redact_url(self.db_url)
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    __str__ = __repr__

    def load_spec(self) -> Spec:
        """The checks of this spec and env file (`hcctl.load_spec`), with these warnings too."""
        spec = load_spec(self.spec_path, self.env_file)
        return replace(spec, warnings=self.warnings + spec.warnings)

    @property
    def local_file(self) -> Path:
        """The git-ignored file for secrets: the env file's name plus `.local`."""
        return self.env_file.with_name(self.env_file.name + ".local")

    @classmethod
    def load(
        cls,
        *,
        cwd: Path | None = None,
        environ: Mapping[str, str] | None = None,
        api_url: str | None = None,
        api_key: str | None = None,
        ping_url: str | None = None,
        ping_key: str | None = None,
        spec_path: Path | str | None = None,
        env_file: Path | str | None = None,
        db_url: str | None = None,
        django_cmd: str | None = None,
        auto_provision: bool | None = None,
    ) -> Settings:
        """Resolve every setting; a flag left as None is not given.

        `cwd` (default: the current folder) anchors relative paths and the default files;
        `environ` defaults to os.environ. Raises SpecError for a value that cannot be used.
        """
        flags = {
            "api_url": api_url,
            "api_key": api_key,
            "ping_url": ping_url,
            "ping_key": ping_key,
            "spec_path": None if spec_path is None else str(spec_path),
            "db_url": db_url,
            "django_cmd": django_cmd,
            "auto_provision": None if auto_provision is None else str(auto_provision).lower(),
        }
        resolver = _Resolver(cwd or Path(), os.environ if environ is None else environ)
        settings = resolver.resolve(flags, env_file)
        if resolver.problems:
            raise SpecError(resolver.problems)
        return settings


class _Resolver:
    def __init__(self, base: Path, environ: Mapping[str, str]) -> None:
        self.base = base
        self.environ = environ
        self.problems: list[SpecProblem] = []
        self.sources: list[dict[str, _Found]] = []
        self.env_file = base / ".env.healthchecks"

    def path(self, value: str) -> Path:
        return self.base / value

    def _env_file(self, flag: Path | str | None, spec_flag: str | None) -> Path:
        value = str(flag) if flag is not None else self.environ.get("HC_ENV_FILE")
        if value:
            return self.path(value)
        # The lock file of UUIDs lives beside the definitions it goes with.
        spec = spec_flag or self.environ.get("HC_SPEC")
        return (self.path(spec).parent if spec else self.base) / ".env.healthchecks"

    def find(self, setting: str, flag: str | None) -> _Found | None:
        if flag is not None:
            return _Found(flag, "command line", _FLAGS[setting])
        for source in self.sources:
            for name in _NAMES[setting]:
                if name in source:
                    return source[name]
        return None

    def resolve(self, flags: dict[str, str | None], env_flag: Path | str | None) -> Settings:
        env_file = self._env_file(env_flag, flags.get("spec_path"))
        self.env_file = env_file
        local = env_file.with_name(env_file.name + ".local")
        environment = {
            name: _Found(value, "environment", name)
            for name, value in self.environ.items()
            if value
        }
        committed = _from_file(env_file)
        self.sources = [environment, _from_file(local), committed]
        found = {name: self.find(name, flags.get(name)) for name in _NAMES}
        api_url = self._url(found["api_url"]) or DEFAULT_API_URL
        ping = self._url(found["ping_url"])
        return Settings(
            api_url=normalize_api_url(api_url),
            api_key=self._value(found["api_key"]),
            ping_url=_with_slash(ping) if ping else derive_ping_url(normalize_api_url(api_url)),
            ping_key=self._value(found["ping_key"]),
            spec_path=self._spec_path(found["spec_path"]),
            env_file=env_file,
            db_url=self._value(found["db_url"]),
            django_cmd=self._value(found["django_cmd"]),
            auto_provision=self._bool(found["auto_provision"]),
            warnings=_secret_warnings(committed, local),
        )

    @staticmethod
    def _value(found: _Found | None) -> str | None:
        return found.value if found is not None else None

    def _url(self, found: _Found | None) -> str | None:
        if found is None:
            return None
        parts = urlsplit(found.value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            message = f"{redact_url(found.value)!r} is not an http:// or https:// URL"
            self.problems.append(SpecProblem(found.source, found.name, message, found.line))
            return None
        return found.value.strip()

    def _bool(self, found: _Found | None) -> bool:
        if found is None:
            return True
        text = found.value.strip().lower()
        if text not in _TRUE | _FALSE:
            message = f"{found.value!r} is not true or false (also accepted: 1/0, yes/no, on/off)"
            self.problems.append(SpecProblem(found.source, found.name, message, found.line))
            return True
        return text in _TRUE

    def _spec_path(self, found: _Found | None) -> Path | None:
        if found is not None:
            return self.path(found.value)
        default = self.env_file.parent / "healthchecks.toml"
        return default if default.exists() or default.is_symlink() else None


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _secret_warnings(committed: dict[str, _Found], local: Path) -> tuple[str, ...]:
    return tuple(
        str(
            SpecProblem(
                found.source,
                name,
                f"is a secret in a committed file: move it to {local.name}",
                found.line,
            )
        )
        for name, found in committed.items()
        if _is_secret(name, found.value)
    )


def validate(
    *,
    spec_path: Path | str | None = None,
    env_file: Path | str | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Spec:
    """What `hcctl validate` does: settings and spec together, offline, writing nothing.

    Returns the Spec, its warnings joined by the settings' own; raises SpecError with every
    problem of the settings and of both files at once, in file order.
    """
    resolver = _Resolver(cwd or Path(), os.environ if environ is None else environ)
    settings = resolver.resolve(
        {"spec_path": None if spec_path is None else str(spec_path)}, env_file
    )
    problems = list(resolver.problems)
    try:
        read_env(settings.local_file)  # its settings were read leniently: report its flaws
    except SpecError as exc:
        problems += exc.problems
    try:
        spec = settings.load_spec()
    except SpecError as exc:
        problems += exc.problems
    if problems:
        rank = {str(settings.spec_path): 0, str(settings.env_file): 1}
        raise SpecError(sorted(problems, key=lambda p: (rank.get(p.file, 2), p.line or 0)))
    return spec
