"""Functions the crash and concurrency tests run in forked processes (see tests/zygote.py)."""

from __future__ import annotations

from pathlib import Path

from hcctl.envfile import update_env


def versions(count: int = 24) -> tuple[dict[str, str], dict[str, str]]:
    """Two full sets of check variables: every write switches the file from one to the other."""
    old = {f"HC_CHECK_JOB_{n}": f"00000000-0000-4000-8000-{n:012d}" for n in range(count)}
    new = {name: value.replace("-8000-", "-9000-") for name, value in old.items()}
    return old, new


def write_env_forever(path: str) -> None:
    """Rewrite the env file back and forth between the two versions until killed."""
    old, new = versions()
    while True:
        update_env(Path(path), new)
        update_env(Path(path), old)


def pin_all(db_url: str, pairs: list[list[str]], start_at: float) -> None:
    """From `start_at` on, pin each (current, wanted) pair; print one outcome per line."""
    import time

    from hcctl.errors import UuidTaken
    from hcctl.pinning.sql import open_sql_pinner

    pinner = open_sql_pinner(db_url)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        for current, wanted in pairs:
            try:
                pinner.pin(current, wanted)
                print("pinned", flush=True)
            except UuidTaken:
                print("taken", flush=True)
    finally:
        pinner.close()
