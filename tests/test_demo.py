from __future__ import annotations

import subprocess
import sys


def test_it_validates_and_shows_the_examples() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hcctl.demo"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "HC_CHECK_CELERY_BEAT" in done.stdout
    assert done.stdout.endswith("14 checks, 14 with UUIDs: the spec is valid.\n")
