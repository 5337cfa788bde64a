import hcctl


def test_all_is_sorted_and_complete() -> None:
    assert hcctl.__all__ == sorted(hcctl.__all__)
    for name in hcctl.__all__:
        assert hasattr(hcctl, name), name


def test_public_names() -> None:
    assert hcctl.__all__ == [
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
