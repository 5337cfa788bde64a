#!/usr/bin/env python
"""A stand-in for a Healthchecks server's manage.py: real Django, its database from the environment.

HCCTL_STANDIN_DB names the SQLite file, e.g. the local server's own database. Only what hcctl
touches exists here, with upstream's names: `hc.api.models.Check` on the table `api_check`,
`hc.accounts.models` (Profile, Project on `accounts_project`, Member) and Django's User. Before
bootstrap runs against it, `manage.py migrate --run-syncdb` makes the tables that are its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hc.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
