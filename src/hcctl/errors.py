"""The one exception tree of hcctl.

    HcctlError
    ├── SpecError          a spec or env file is invalid (carries every problem found)
    ├── ApiError           the Management API or a ping endpoint answered with an error
    │   ├── AuthError      401: missing, wrong or read-only key where a read-write one is needed
    │   ├── NotFound       404
    │   ├── Conflict       409 (ambiguous slug, check not paused)
    │   ├── RateLimited    429
    │   └── ServerError    5xx
    ├── TransportError     the server could not be reached (refused, reset, timeout, TLS)
    ├── PinError           a UUID could not be pinned (DB unreachable, not Healthchecks, taken)
    │   └── UuidTaken      the wanted UUID already belongs to another check
    └── BootstrapError     a self-hosted server could not be started, reached or provisioned

Catch `HcctlError` for everything, or a leaf for one case. Messages are one plain sentence and
never contain a secret (API key, ping key, database password).
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "AuthError",
    "BootstrapError",
    "Conflict",
    "HcctlError",
    "NotFound",
    "PinError",
    "RateLimited",
    "ServerError",
    "SpecError",
    "SpecProblem",
    "TransportError",
    "UuidTaken",
]


class HcctlError(Exception):
    """Root of every error hcctl raises on purpose."""


class SpecProblem:
    """One problem in a spec or env file, with where it is. Immutable.

    A plain class rather than a dataclass: this module is imported by every ping, and importing
    dataclasses (with inspect) would be most of the cost of `import hcctl` in an application.
    """

    __slots__ = ("file", "line", "message", "path")

    file: str
    path: str  # dotted key path, e.g. "checks.backup.timeout"; "" for the whole file
    message: str
    line: int | None

    def __init__(self, file: str, path: str, message: str, line: int | None = None) -> None:
        for name, value in (("file", file), ("path", path), ("message", message), ("line", line)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SpecProblem is immutable: cannot set {name!r}")

    def _fields(self) -> tuple[str, str, str, int | None]:
        return (self.file, self.path, self.message, self.line)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpecProblem):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"SpecProblem(file={self.file!r}, path={self.path!r}, message={self.message!r}, "
            f"line={self.line!r})"
        )

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f": {self.path}"
        return f"{where}: {self.message}"


class SpecError(HcctlError):
    """The spec or env file is invalid; `problems` lists every problem found, in file order."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ApiError(HcctlError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, status: int | None = None, check: str | None = None):
        self.status = status
        self.check = check
        super().__init__(message)


class AuthError(ApiError):
    """401 (or 403 for another project's check): the key is missing, wrong or read-only."""


class NotFound(ApiError):
    """404: no such check (or ping key / slug)."""


class Conflict(ApiError):
    """409: an ambiguous slug, or resuming a check that is not paused."""


class RateLimited(ApiError):
    """429: too many requests; `retry_after` is the server's hint in seconds, when given."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        check: str | None = None,
        retry_after: float | None = None,
    ):
        self.retry_after = retry_after
        super().__init__(message, status=status, check=check)


class ServerError(ApiError):
    """5xx: the server failed."""


class TransportError(HcctlError):
    """The server could not be reached or the connection broke."""


class PinError(HcctlError):
    """A check's UUID could not be made exact in the server's database."""


class UuidTaken(PinError):
    """The wanted UUID already belongs to another check; `uuid` is that UUID.

    Often another machine pinned the same check first: delete the duplicate just created.
    """

    def __init__(self, message: str, *, uuid: str) -> None:
        self.uuid = uuid
        super().__init__(message)


class BootstrapError(HcctlError):
    """`hcctl bootstrap` could not start, reach or provision the server (docker, manage.py)."""
