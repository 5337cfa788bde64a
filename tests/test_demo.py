from __future__ import annotations

import subprocess
import sys


def test_it_applies_the_examples_with_their_uuids_on_a_local_server() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hcctl.demo"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "14 checks, 14 with UUIDs: the spec is valid.\n" in out
    assert "Plan: 14 to create. 0 unchanged.\n" in out
    assert "Apply complete: 14 created.\n" in out
    assert "14 of 14 UUIDs on the server are the env file's.\n" in out
    assert "(again)\nNo changes. 14 checks match the spec.\n" in out
    assert "$ hcctl ping api\n(exit status 0)\n" in out
    assert "removed 42 expired tokens\n(exit status 0)\n" in out
    status = out.split("$ hcctl status")[1]
    assert " api " in status
    assert " up " in status
    assert status.count(" just now ") == 3  # api, postgres and token-cleanup reported in
    assert "*/5 * * * * (Europe/Paris)" in status
