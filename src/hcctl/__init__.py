"""hcctl: Healthchecks checks as code.

>>> import hcctl
>>> spec = hcctl.CheckSpec(key="backup", schedule="0 3 * * *")
"""

from __future__ import annotations

from hcctl.__about__ import __version__
from hcctl.api import Channel, Check, HealthchecksApi
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
from hcctl.pinning import open_pinner
from hcctl.settings import Settings
from hcctl.spec import CheckSpec, Spec, load_spec

__all__ = [
    "ApiError",
    "AuthError",
    "BootstrapError",
    "BootstrapResult",
    "Channel",
    "Check",
    "CheckSpec",
    "Conflict",
    "HcctlError",
    "HealthchecksApi",
    "NotFound",
    "PinError",
    "RateLimited",
    "ServerError",
    "Settings",
    "Spec",
    "SpecError",
    "SpecProblem",
    "TransportError",
    "UuidTaken",
    "__version__",
    "bootstrap",
    "format_duration",
    "load_spec",
    "open_pinner",
    "parse_duration",
    "read_env",
    "update_env",
]
