#!/usr/bin/env python
"""manage.py behind a talkative entrypoint: prints a banner and drops `-v 0`.

So Django 5.2+ prints "N objects imported automatically" before the code runs, as a server
whose wrapper ignores the verbosity would.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hc.settings")
    print("Starting Healthchecks (stand-in) ...")
    argv = list(sys.argv)
    if "-v" in argv:
        at = argv.index("-v")
        del argv[at : at + 2]
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
