from __future__ import annotations

import re
from pathlib import Path

from hcctl._rules import CHECK_FIELDS
from hcctl.settings import _NAMES

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_it_documents_every_check_field() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", README))
    assert set(CHECK_FIELDS) - documented == set()


def test_it_documents_every_setting_variable() -> None:
    for names in _NAMES.values():
        for name in names:
            assert f"`{name}`" in README, name
    assert "`HC_ENV_FILE`" in README


def test_it_tells_users_to_ignore_the_lock_file() -> None:
    assert ".env.healthchecks.lock" in README
