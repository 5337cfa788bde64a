"""The client-side rate limit: on by default for healthchecks.io only, a token bucket."""

from __future__ import annotations

import pytest

from hcctl.api import DEFAULT, HOSTED_RATE, HealthchecksApi, RateLimiter

KEY = "hcw_0123456789abcdef0123456789ab"


class FakeClock:
    """Time that passes only when the limiter sleeps, so the test is exact and instant."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(rate: float, burst: int) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(rate, burst=burst, clock=clock, sleep=clock.sleep), clock


def test_it_lets_a_burst_through_then_spaces_requests() -> None:
    bucket, clock = limiter(2.0, burst=3)
    waits = [bucket.acquire() for _ in range(6)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 0.5, 0.5]
    assert clock.now == 1001.5


def test_it_refills_while_idle_but_never_above_the_burst() -> None:
    bucket, clock = limiter(1.0, burst=2)
    bucket.acquire()
    bucket.acquire()
    clock.now += 60
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 1.0]


def test_it_keeps_under_100_requests_in_any_minute_at_the_hosted_rate() -> None:
    bucket, clock = limiter(HOSTED_RATE, burst=5)
    times = []
    for _ in range(300):
        bucket.acquire()
        times.append(clock.now)
    busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
    assert busiest < 100


@pytest.mark.parametrize(
    ("url", "rate"),
    [
        ("https://healthchecks.io/api/v3/", HOSTED_RATE),
        ("https://eu.healthchecks.io", HOSTED_RATE),
        ("https://hc.example.org/api/v3/", None),
        ("http://localhost:8000/", None),
    ],
)
def test_it_limits_healthchecks_io_by_default_only(url: str, rate: float | None) -> None:
    with HealthchecksApi(url, KEY) as api:
        assert api.rate_limit == rate


def test_it_takes_a_rate_or_none() -> None:
    with HealthchecksApi("https://healthchecks.io/", KEY, rate_limit=None) as api:
        assert api.rate_limit is None
    with HealthchecksApi("http://localhost:8000/", KEY, rate_limit=10.0) as api:
        assert api.rate_limit == 10.0
    assert repr(DEFAULT) == "DEFAULT"


def test_it_rejects_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        RateLimiter(0)
