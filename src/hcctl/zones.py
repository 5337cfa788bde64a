"""Whether two time zone names mean the same zone, as the server's canonical names require.

The server answers with canonical names (Europe/Kiev comes back as Europe/Kyiv). Two names are
the same zone when they are equal, when the tz database holds the very same data for both (one
is a link to the other, as legacy names are), or when the server's own table of legacy names
maps them to one zone (for a tz database older than the server's: CET became a link to
Europe/Brussels only in 2024b). Zones that merely agree today, such as Europe/Paris and
Europe/Berlin, stay different: a user who switches between them means it.
"""

from __future__ import annotations

import importlib.resources
import re
import zoneinfo
from functools import cache
from pathlib import Path

__all__ = ["same_zone"]

_NAME = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$")


def same_zone(a: str, b: str) -> bool:
    """True when the zone names `a` and `b` describe the same zone (Europe/Kiev, Europe/Kyiv)."""
    if a == b:
        return True
    data_a = _zone_data(a)
    if data_a is not None and data_a == _zone_data(b):
        return True
    # Imported here: the table lives with the local server, which plain use need not load.
    from hcctl.server.timezones import LEGACY_TIMEZONES

    return LEGACY_TIMEZONES.get(a, a) == LEGACY_TIMEZONES.get(b, b)


@cache
def _zone_data(name: str) -> bytes | None:
    """The zone's TZif bytes from the system database or the tzdata package, if found."""
    if not _NAME.match(name):
        return None
    for base in zoneinfo.TZPATH:
        path = Path(base, name)
        if path.is_file():
            return path.read_bytes()
    try:
        package = importlib.resources.files("tzdata.zoneinfo")
        return package.joinpath(*name.split("/")).read_bytes()
    except (ModuleNotFoundError, OSError):
        return None
