import subprocess
import sys

import hcctl


def test_all_is_sorted_and_complete() -> None:
    assert hcctl.__all__ == sorted(hcctl.__all__)
    for name in hcctl.__all__:
        assert hasattr(hcctl, name), name


def test_public_names() -> None:
    assert hcctl.__all__ == [
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


def test_it_imports_nothing_heavy_eagerly() -> None:
    code = (
        "import sys, hcctl; "
        "print(sorted(m for m in ('click', 'httpx', 'rich', 'hcctl.spec', 'hcctl.ping') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_has_a_lazy_source() -> None:
    assert sorted([*hcctl._SOURCES, "__version__"]) == hcctl.__all__


def test_it_raises_attribute_error_for_unknown_names() -> None:
    assert not hasattr(hcctl, "no_such_name")


def test_public_names_win_over_submodules_of_the_same_name() -> None:
    code = (
        "import hcctl.apply, hcctl.export, hcctl.plan, hcctl\n"
        "import types\n"
        "print([isinstance(getattr(hcctl, n), types.ModuleType) "
        "for n in ('apply', 'export', 'plan')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[False, False, False]"
