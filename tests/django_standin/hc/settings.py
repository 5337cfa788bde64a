"""Settings of the Healthchecks stand-in: real Django apps over one SQLite database.

HCCTL_STANDIN_DB names the database, usually the local server's own. Its SECRET_KEY is the one
the local server hashes API keys with, so keys made here (`Project.set_api_key()`, as upstream
v3.11+ stores them) really work against that server's API.
"""

from __future__ import annotations

import os
import sqlite3


def _server_secret(path: str) -> str | None:
    """The local server's key-hashing secret, stored in its database; None when there is none."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT value FROM hcctl_server_setting WHERE name = 'secret_key'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


SECRET_KEY = _server_secret(os.environ["HCCTL_STANDIN_DB"]) or "stand-in, not secret"
DEBUG = False
USE_TZ = True
USE_PAYMENTS = False
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "hc.accounts", "hc.api"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Fast hashing: the stand-in's passwords protect nothing, and tests make many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["HCCTL_STANDIN_DB"],
        # The local server writes to the same file: take the write lock when a transaction
        # starts and wait for it, as the server's own writers do, instead of failing at once.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }
}
