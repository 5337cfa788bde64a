"""`.env.healthchecks.local`: where bootstrap keeps what the server shows only once.

New API keys can be read only when they are made, and the admin's password only when it is
chosen, so they are written here (mode 600, through `update_env`: atomic and locked) and kept
out of git when the folder is a git repository.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hcctl.envfile import read_env, update_env
from hcctl.errors import BootstrapError, HcctlError, SpecError

__all__ = ["ensure_writable", "ignore_in_git", "read_stored", "write_stored"]


def read_stored(path: Path) -> dict[str, str]:
    """The variables the file holds ({} when it does not exist); BootstrapError if unreadable."""
    try:
        return read_env(path)
    except SpecError as exc:
        raise BootstrapError(f"cannot use {path}: {exc.problems[0]}") from exc


def ensure_writable(path: Path) -> None:
    """Raise BootstrapError unless `path` can be (re)written the way update_env writes it.

    Checked before anything is made in the server, so a key is never made that cannot be kept.
    """
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise BootstrapError(f"{path}: cannot be written: it is a directory")
    try:
        fd, probe = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BootstrapError(f"{path}: cannot be written: {reason}") from exc
    os.close(fd)
    os.unlink(probe)


def write_stored(path: Path, values: Mapping[str, str]) -> None:
    """Set `values` in the file (created with mode 600 when missing); BootstrapError if not."""
    try:
        update_env(path, values)
    except HcctlError as exc:
        raise BootstrapError(str(exc)) from exc


def ignore_in_git(path: Path) -> Path | None:
    """Add the file to its folder's .gitignore when the folder is in a git repository and git
    would not ignore it yet; returns the .gitignore changed, or None."""
    folder = Path(os.path.realpath(path.parent))
    if not any((parent / ".git").exists() for parent in (folder, *folder.parents)):
        return None
    if _ignored(folder, path.name):
        return None
    gitignore = folder / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    try:
        gitignore.write_text(text + f"/{path.name}\n", encoding="utf-8")
    except OSError as exc:
        raise BootstrapError(f"{gitignore}: cannot be written: {exc.strerror or exc}") from exc
    return gitignore


def _ignored(folder: Path, name: str) -> bool:
    """Whether git ignores `name` in `folder`; without git, whether .gitignore names it."""
    git = shutil.which("git")
    if git is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [git, "check-ignore", "-q", "--", name],
                cwd=folder,
                capture_output=True,
                timeout=30,
                check=False,
            )
            if done.returncode in (0, 1):
                return done.returncode == 0
    gitignore = folder / ".gitignore"
    lines = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.exists() else []
    return name in {line.strip().lstrip("/") for line in lines}
