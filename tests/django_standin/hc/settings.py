"""Settings of the Healthchecks stand-in: one app, one SQLite database named by the environment."""

from __future__ import annotations

import os

SECRET_KEY = "stand-in, not secret"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = ["hc.api"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["HCCTL_STANDIN_DB"],
    }
}
