"""The Django stand-in of a Healthchecks server (tests/django_standin) on a local server's DB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

STANDIN = Path(__file__).parent / "django_standin"


def manage_py(db_path: Path | str) -> list[str]:
    """The argv of the stand-in's manage.py on `db_path`, as a user's --django-cmd would run."""
    return ["env", f"HCCTL_STANDIN_DB={db_path}", sys.executable, str(STANDIN / "manage.py")]


def migrate(db_path: Path | str) -> None:
    """Make the tables the stand-in keeps itself (users, profiles); a real server has them."""
    argv = [*manage_py(db_path), "migrate", "--run-syncdb", "-v", "0"]
    subprocess.run(argv, check=True, capture_output=True)
