import hcctl


def test_all_is_sorted_and_complete() -> None:
    assert hcctl.__all__ == sorted(hcctl.__all__)
    for name in hcctl.__all__:
        assert hasattr(hcctl, name), name


def test_public_names() -> None:
    assert hcctl.__all__ == [
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
