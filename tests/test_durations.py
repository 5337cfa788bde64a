import pytest
from hypothesis import given
from hypothesis import strategies as st

from hcctl.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(90, 90), ("90", 90), ("90s", 90), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1w", 604800)],
)
def test_it_parses_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5x", "-5m", "1.5h", True, None, [1], -1, "5 m m"])
def test_it_rejects_what_is_not_a_duration(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@given(st.integers(min_value=0, max_value=10**9))
def test_format_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
