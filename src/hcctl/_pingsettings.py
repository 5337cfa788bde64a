"""hcctl's settings for pings, resolved without importing `hcctl.settings`.

`hcctl.settings.Settings.load` is the reference; this module gives the same values for the
settings a ping needs, by the same order (flag > environment > <env file>.local > env file >
default). It exists because importing hcctl.settings (the spec loader, filelock, dataclasses)
costs more than a whole ping, and `hcctl ping` and `PingClient.from_env()` must start in a few
milliseconds. tests/test_ping_settings.py checks that both agree.
"""

from __future__ import annotations

import os

from hcctl.errors import SpecError, SpecProblem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["parse_env_value_lines", "ping_settings"]

DEFAULT_API_URL = "http://localhost:8000/api/v3/"
HOSTED_PING_URL = "https://hc-ping.com/"
_HOSTED = ("healthchecks.io", "www.healthchecks.io")
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
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789.-")
_UNESCAPE = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}

# (value, where it came from, line) of one variable
_Found = tuple[str, str, "int | None"]


def ping_settings(
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | None = None,
    **flags: object,
) -> dict[str, object]:
    """The keyword arguments of a ping client, from flags, environment and env files."""
    env = os.environ if environ is None else environ
    base = cwd or ""
    spec_flag = _text(flags.get("spec_path"))
    env_file = _env_file(base, env, _text(flags.get("env_file")), spec_flag)
    sources: list[dict[str, _Found]] = [
        {k: (v, "environment", None) for k, v in env.items() if v},
        _read(env_file + ".local"),
        _read(env_file),
    ]
    problems: list[SpecProblem] = []

    def find(setting: str) -> _Found | None:
        flag = flags.get(setting)
        if flag is not None:
            return str(flag), "command line", None
        for source in sources:
            for name in _NAMES[setting]:
                if name in source:
                    return source[name]
        return None

    api_url = _url(find("api_url"), "HC_API_URL", problems) or DEFAULT_API_URL
    api_url = normalize_api_url(api_url)
    ping_url = _url(find("ping_url"), "HC_PING_URL", problems)
    auto = _bool(find("auto_provision"), problems)
    spec = find("spec_path")
    default_spec = os.path.join(os.path.dirname(env_file), "healthchecks.toml")
    result: dict[str, object] = {
        "ping_url": _with_slash(ping_url) if ping_url else derive_ping_url(api_url),
        "ping_key": _value(find("ping_key")),
        "api_url": api_url,
        "api_key": _value(find("api_key")),
        "spec_path": os.path.join(base, spec[0])
        if spec
        else (default_spec if os.path.exists(default_spec) else None),
        "env_file": env_file,
        "db_url": _value(find("db_url")),
        "django_cmd": _value(find("django_cmd")),
        "auto_provision": auto,
    }
    if problems:
        raise SpecError(problems)
    return result


def normalize_api_url(url: str) -> str:
    """As hcctl.settings.normalize_api_url: a trailing slash, and `api/v3/` for a bare site."""
    scheme, _, rest = url.strip().partition("://")
    netloc, slash, path = rest.partition("/")
    path = (slash + path).split("?", 1)[0].split("#", 1)[0].rstrip("/") + "/"
    if not _is_api_path(path):
        path += "api/v3/"
    return f"{scheme}://{netloc}{path}"


def derive_ping_url(api_url: str) -> str:
    """As hcctl.settings.derive_ping_url: `<site>/ping/`, or hc-ping.com for healthchecks.io."""
    scheme, _, rest = api_url.partition("://")
    netloc, slash, path = rest.partition("/")
    host = netloc.rpartition("@")[2].rpartition(":")[0] or netloc.rpartition("@")[2]
    if host.lower() in _HOSTED:
        return HOSTED_PING_URL
    path = (slash + path).rstrip("/") + "/"
    if _is_api_path(path):
        path = path[: path.rstrip("/").rfind("/api/") + 1]
    return f"{scheme}://{netloc}{path.rstrip('/')}/ping/"


def parse_env_value_lines(text: str) -> dict[str, tuple[str, int]]:
    """NAME -> (value, line) for each well-formed assignment with a value; the last one wins.

    The same reading as hcctl.envfile.parse_env; malformed lines are skipped.
    """
    found: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.split("\n"), 1):
        parsed = _parse_line(raw.removesuffix("\r"))
        if parsed is not None and parsed[1]:
            found[parsed[0]] = (parsed[1], number)
    return found


def _parse_line(content: str) -> tuple[str, str] | None:
    stripped = content.strip(" \t")
    if not stripped or stripped.startswith("#"):
        return None
    i = len(content) - len(content.lstrip(" \t"))
    rest = content[i:]
    if rest.startswith("export") and rest[6:7] in (" ", "\t"):
        i += 6
        i += len(content[i:]) - len(content[i:].lstrip(" \t"))
    start = i
    if i >= len(content) or content[i] not in _NAME_START:
        return None
    while i < len(content) and content[i] in _NAME_CHARS:
        i += 1
    name = content[start:i]
    after = content[i:].lstrip(" \t")
    if not after.startswith("="):
        return None
    value = _parse_value(after[1:].lstrip(" \t"))
    return None if value is None else (name, value)


def _parse_value(rest: str) -> str | None:
    if rest.startswith("'"):
        close = rest.find("'", 1)
        if close < 0:
            return None
        value, tail = rest[1:close], rest[close + 1 :]
    elif rest.startswith('"'):
        scanned = _scan_double(rest)
        if scanned is None:
            return None
        value, tail = scanned
    else:
        for i, char in enumerate(rest):
            if char == "#" and (i == 0 or rest[i - 1] in " \t"):
                rest = rest[:i]
                break
        return rest.rstrip(" \t")
    tail = tail.lstrip(" \t")
    return value if not tail or tail.startswith("#") else None


def _scan_double(rest: str) -> tuple[str, str] | None:
    out: list[str] = []
    i = 1
    while i < len(rest):
        char = rest[i]
        if char == '"':
            return "".join(out), rest[i + 1 :]
        if char == "\\" and i + 1 < len(rest):
            out.append(_UNESCAPE.get(rest[i + 1], "\\" + rest[i + 1]))
            i += 2
            continue
        out.append(char)
        i += 1
    return None


def _read(path: str) -> dict[str, _Found]:
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}  # hcctl validate reports what is wrong with the file
    return {k: (v, path, line) for k, (v, line) in parse_env_value_lines(text).items()}


def _env_file(base: str, env: Mapping[str, str], flag: str | None, spec_flag: str | None) -> str:
    value = flag if flag is not None else env.get("HC_ENV_FILE")
    if value:
        return os.path.join(base, value)
    spec = spec_flag or env.get("HC_SPEC")
    folder = os.path.dirname(os.path.join(base, spec)) if spec else base
    return os.path.join(folder, ".env.healthchecks")


def _is_api_path(path: str) -> bool:
    # The path ends with /api/v<digits>/
    head, _, version = path.rstrip("/").rpartition("/")
    return head.endswith("/api") and version[:1] == "v" and version[1:].isdigit()


def _text(value: object) -> str | None:
    return None if value is None else os.fspath(value)  # type: ignore[call-overload]


def _value(found: _Found | None) -> str | None:
    return found[0] if found is not None else None


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _url(found: _Found | None, name: str, problems: list[SpecProblem]) -> str | None:
    if found is None:
        return None
    value = found[0].strip()
    scheme, sep, rest = value.partition("://")
    if scheme not in ("http", "https") or not sep or not rest.split("/", 1)[0]:
        shown = value.split("@")[-1] if "@" in value else value
        message = f"{shown!r} is not an http:// or https:// URL"
        problems.append(SpecProblem(found[1], name, message, found[2]))
        return None
    return value


def _bool(found: _Found | None, problems: list[SpecProblem]) -> bool:
    if found is None:
        return True
    text = found[0].strip().lower()
    if text not in _TRUE + _FALSE:
        message = f"{found[0]!r} is not true or false (also accepted: 1/0, yes/no, on/off)"
        problems.append(SpecProblem(found[1], "HC_AUTO_PROVISION", message, found[2]))
        return True
    return text in _TRUE
