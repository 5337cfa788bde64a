"""Properties of the URL handling that keeps the API client on v3 and secrets out of messages."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hcctl.api import api_base_url
from hcctl.errors import ApiError
from hcctl.pinning._common import redact_url

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,15}(\.[a-z]{2,6}){0,2}", fullmatch=True)
paths = st.from_regex(r"(/[a-z0-9_-]{1,8}){0,3}(/api/v[1-3])?/?", fullmatch=True)
secrets = st.text(min_size=6, max_size=20).filter(lambda s: s.strip() == s and "***" not in s)


@given(scheme=st.sampled_from(["http", "https"]), host=hosts, path=paths)
def test_it_always_lands_on_one_v3_base(scheme: str, host: str, path: str) -> None:
    base = api_base_url(f"{scheme}://{host}{path}")
    assert base.startswith(f"{scheme}://{host}/")
    assert base.endswith("/api/v3/")
    assert "/api/v1" not in base
    assert "/api/v2" not in base
    assert api_base_url(base) == base


@given(host=hosts, password=secrets, scheme=st.sampled_from(["postgresql", "mysql"]))
def test_it_never_shows_a_database_password(host: str, password: str, scheme: str) -> None:
    url = f"{scheme}://hc:{quote(password, safe='')}@{host}:5432/hc"
    shown = redact_url(url)
    assert quote(password, safe="") not in shown
    assert shown == f"{scheme}://hc:***@{host}:5432/hc"


not_http = st.text(max_size=40).filter(
    lambda text: not text.strip().lower().startswith(("http://", "https://"))
)


@given(text=not_http)
def test_it_refuses_any_url_without_http_in_a_sentence(text: str) -> None:
    with pytest.raises(ApiError) as info:
        api_base_url(text)
    assert "\n" not in str(info.value)
