"""hcctl: Healthchecks checks as code.

>>> import hcctl
>>> spec = hcctl.CheckSpec(key="backup", schedule="0 3 * * *")

Names are imported on first use (module `__getattr__`): `import hcctl` must stay cheap because
applications import it to ping, and a ping must not pay for the spec, the API client or the CLI.
To export a name: add it to `__all__`, to `_SOURCES` and to the TYPE_CHECKING imports.
"""

from __future__ import annotations

import sys
import types

from hcctl.__about__ import __version__

TYPE_CHECKING = False  # `typing` costs an import; mypy treats this name as typing's
if TYPE_CHECKING:
    from hcctl.api import Channel, Check, HealthchecksApi
    from hcctl.apply import ApplyResult, Outcome
    from hcctl.bootstrap import BootstrapResult, bootstrap
    from hcctl.durations import format_duration, parse_duration
    from hcctl.envfile import read_env, update_env
    from hcctl.errors import (
        ApiError,
        AuthError,
        BootstrapError,
        Conflict,
        HcctlError,
        NotFound,
        PinError,
        RateLimited,
        ServerError,
        SpecError,
        SpecProblem,
        TransportError,
        UuidTaken,
    )
    from hcctl.export import ExportResult, export
    from hcctl.ping import AsyncPingClient, Job, PingClient
    from hcctl.pinning import open_pinner
    from hcctl.plan import Plan, PlanConflict
    from hcctl.settings import Settings
    from hcctl.spec import CheckSpec, Spec, load_spec
    from hcctl.sync import (
        PruneResult,
        StatusRow,
        VerifyProblem,
        VerifyResult,
        apply,
        plan,
        prune,
        status,
        verify,
    )

__all__ = [
    "ApiError",
    "ApplyResult",
    "AsyncPingClient",
    "AuthError",
    "BootstrapError",
    "BootstrapResult",
    "Channel",
    "Check",
    "CheckSpec",
    "Conflict",
    "ExportResult",
    "HcctlError",
    "HealthchecksApi",
    "Job",
    "NotFound",
    "Outcome",
    "PinError",
    "PingClient",
    "Plan",
    "PlanConflict",
    "PruneResult",
    "RateLimited",
    "ServerError",
    "Settings",
    "Spec",
    "SpecError",
    "SpecProblem",
    "StatusRow",
    "TransportError",
    "UuidTaken",
    "VerifyProblem",
    "VerifyResult",
    "__version__",
    "apply",
    "bootstrap",
    "export",
    "format_duration",
    "load_spec",
    "open_pinner",
    "parse_duration",
    "plan",
    "prune",
    "read_env",
    "status",
    "update_env",
    "verify",
]

# Where each public name lives.
_SOURCES = {
    "ApiError": "hcctl.errors",
    "ApplyResult": "hcctl.apply",
    "AsyncPingClient": "hcctl.ping",
    "AuthError": "hcctl.errors",
    "BootstrapError": "hcctl.errors",
    "BootstrapResult": "hcctl.bootstrap",
    "Channel": "hcctl.api",
    "Check": "hcctl.api",
    "CheckSpec": "hcctl.spec",
    "Conflict": "hcctl.errors",
    "ExportResult": "hcctl.export",
    "HcctlError": "hcctl.errors",
    "HealthchecksApi": "hcctl.api",
    "Job": "hcctl.ping",
    "NotFound": "hcctl.errors",
    "Outcome": "hcctl.apply",
    "PinError": "hcctl.errors",
    "PingClient": "hcctl.ping",
    "Plan": "hcctl.plan",
    "PlanConflict": "hcctl.plan",
    "PruneResult": "hcctl.sync",
    "RateLimited": "hcctl.errors",
    "ServerError": "hcctl.errors",
    "Settings": "hcctl.settings",
    "Spec": "hcctl.spec",
    "SpecError": "hcctl.errors",
    "SpecProblem": "hcctl.errors",
    "StatusRow": "hcctl.sync",
    "TransportError": "hcctl.errors",
    "UuidTaken": "hcctl.errors",
    "VerifyProblem": "hcctl.sync",
    "VerifyResult": "hcctl.sync",
    "apply": "hcctl.sync",
    "bootstrap": "hcctl.bootstrap",
    "export": "hcctl.export",
    "format_duration": "hcctl.durations",
    "load_spec": "hcctl.spec",
    "open_pinner": "hcctl.pinning",
    "parse_duration": "hcctl.durations",
    "plan": "hcctl.sync",
    "prune": "hcctl.sync",
    "read_env": "hcctl.envfile",
    "status": "hcctl.sync",
    "update_env": "hcctl.envfile",
    "verify": "hcctl.sync",
}


def __getattr__(name: str) -> object:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'hcctl' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """This package's module type: a public name beats a submodule of the same name.

    Importing the submodule hcctl.apply sets the package attribute `apply` to that module,
    which would hide the function `hcctl.apply` (from hcctl.sync) once loaded, or not,
    depending on what was imported first. Eager imports used to settle it; lazily, this does.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _SOURCES and isinstance(value, types.ModuleType):
            return  # `__getattr__` resolves the public name when it is asked for
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
