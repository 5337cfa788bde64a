"""The router's prefix test skips only routes that could not have matched."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from hcctl.server.http import INT, SHA1, SLUG, UUID, _prefix

PATTERNS = [
    rf"/ping/{UUID}",
    rf"/ping/{UUID}/(?P<exitstatus>{INT})",
    rf"/ping/(?P<ping_key>{SLUG})/(?P<slug>{SLUG})/start",
    rf"/api/v3/checks/{SHA1}",
    r"/api/v3/checks/",
    r"/api/v3/checks/?",  # what a prefix must not take whole
    r"/api/v[12]/status/",
    r"/badge/x*",
    r"/b/a{0,2}",
    r"/api/v1/|/api/v2/",
]


@given(data=st.data())
def test_every_path_a_route_matches_starts_with_its_prefix(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(PATTERNS))
    path = data.draw(st.from_regex(re.compile(pattern), fullmatch=True))
    assert path.startswith(_prefix(pattern))


def test_a_prefix_is_what_is_literal_in_front() -> None:
    assert _prefix(r"/api/v3/checks/") == "/api/v3/checks/"
    assert _prefix(rf"/api/v3/checks/{UUID}/pause") == "/api/v3/checks/"
    assert _prefix(r"/api/v3/checks/?") == "/api/v3/checks"
    assert _prefix(r"/a|/b") == ""
