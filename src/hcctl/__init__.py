"""hcctl: Healthchecks checks as code.

>>> import hcctl
>>> spec = hcctl.CheckSpec(key="backup", schedule="0 3 * * *")
"""

from __future__ import annotations

from hcctl.__about__ import __version__
from hcctl.api import Channel, Check, HealthchecksApi
from hcctl.apply import ApplyResult, Outcome
from hcctl.durations import format_duration, parse_duration
from hcctl.envfile import read_env, update_env
from hcctl.errors import (
    ApiError,
    AuthError,
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
    "AuthError",
    "Channel",
    "Check",
    "CheckSpec",
    "Conflict",
    "ExportResult",
    "HcctlError",
    "HealthchecksApi",
    "NotFound",
    "Outcome",
    "PinError",
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
