"""Time zone names as the real server accepts them: IANA names, legacy aliases canonicalised."""

from __future__ import annotations

import zoneinfo
from functools import cache

__all__ = ["canonical_tz"]

# Legacy IANA aliases the real server rewrites to their current canonical zone
# (tzdata's "backward" links), as "alias=canonical" pairs.
_LEGACY = """
Africa/Asmera=Africa/Nairobi America/Argentina/ComodRivadavia=America/Argentina/Catamarca
America/Buenos_Aires=America/Argentina/Buenos_Aires America/Catamarca=America/Argentina/Catamarca
America/Cordoba=America/Argentina/Cordoba America/Fort_Wayne=America/Indiana/Indianapolis
America/Godthab=America/Nuuk America/Indianapolis=America/Indiana/Indianapolis
America/Jujuy=America/Argentina/Jujuy America/Knox_IN=America/Indiana/Knox
America/Louisville=America/Kentucky/Louisville America/Mendoza=America/Argentina/Mendoza
America/Rosario=America/Argentina/Cordoba Antarctica/South_Pole=Pacific/Auckland
Asia/Ashkhabad=Asia/Ashgabat Asia/Calcutta=Asia/Kolkata Asia/Choibalsan=Asia/Ulaanbaatar
Asia/Chungking=Asia/Shanghai Asia/Dacca=Asia/Dhaka Asia/Katmandu=Asia/Kathmandu
Asia/Macao=Asia/Macau Asia/Rangoon=Asia/Yangon Asia/Saigon=Asia/Ho_Chi_Minh
Asia/Thimbu=Asia/Thimphu Asia/Ujung_Pandang=Asia/Makassar Asia/Ulan_Bator=Asia/Ulaanbaatar
Atlantic/Faeroe=Atlantic/Faroe Australia/ACT=Australia/Sydney Australia/LHI=Australia/Lord_Howe
Australia/North=Australia/Darwin Australia/NSW=Australia/Sydney
Australia/Queensland=Australia/Brisbane Australia/South=Australia/Adelaide
Australia/Tasmania=Australia/Hobart Australia/Victoria=Australia/Melbourne
Australia/West=Australia/Perth Brazil/Acre=America/Rio_Branco Brazil/DeNoronha=America/Noronha
Brazil/East=America/Sao_Paulo Brazil/West=America/Manaus Canada/Atlantic=America/Halifax
Canada/Central=America/Winnipeg Canada/Eastern=America/Toronto Canada/Mountain=America/Edmonton
Canada/Newfoundland=America/St_Johns Canada/Pacific=America/Vancouver
Canada/Saskatchewan=America/Regina Canada/Yukon=America/Whitehorse CET=Europe/Brussels
Chile/Continental=America/Santiago Chile/EasterIsland=Pacific/Easter CST6CDT=America/Chicago
Cuba=America/Havana EET=Europe/Athens Egypt=Africa/Cairo Eire=Europe/Dublin EST=America/Panama
EST5EDT=America/New_York Europe/Kiev=Europe/Kyiv Europe/Uzhgorod=Europe/Kyiv
Europe/Zaporozhye=Europe/Kyiv GB=Europe/London GB-Eire=Europe/London GMT+0=Etc/GMT
GMT-0=Etc/GMT GMT0=Etc/GMT Greenwich=Etc/GMT Hongkong=Asia/Hong_Kong HST=Pacific/Honolulu
Iceland=Africa/Abidjan Iran=Asia/Tehran Israel=Asia/Jerusalem Jamaica=America/Jamaica
Japan=Asia/Tokyo Kwajalein=Pacific/Kwajalein Libya=Africa/Tripoli MET=Europe/Brussels
Mexico/BajaNorte=America/Tijuana Mexico/BajaSur=America/Mazatlan
Mexico/General=America/Mexico_City MST=America/Phoenix MST7MDT=America/Denver
Navajo=America/Denver NZ=Pacific/Auckland NZ-CHAT=Pacific/Chatham
Pacific/Enderbury=Pacific/Kanton Pacific/Ponape=Pacific/Guadalcanal
Pacific/Truk=Pacific/Port_Moresby Poland=Europe/Warsaw Portugal=Europe/Lisbon PRC=Asia/Shanghai
PST8PDT=America/Los_Angeles ROC=Asia/Taipei ROK=Asia/Seoul Singapore=Asia/Singapore
Turkey=Europe/Istanbul UCT=Etc/UTC Universal=Etc/UTC US/Alaska=America/Anchorage
US/Aleutian=America/Adak US/Arizona=America/Phoenix US/Central=America/Chicago
US/East-Indiana=America/Indiana/Indianapolis US/Eastern=America/New_York
US/Hawaii=Pacific/Honolulu US/Indiana-Starke=America/Indiana/Knox US/Michigan=America/Detroit
US/Mountain=America/Denver US/Pacific=America/Los_Angeles US/Samoa=Pacific/Pago_Pago
W-SU=Europe/Moscow WET=Europe/Lisbon Zulu=Etc/UTC
"""
LEGACY_TIMEZONES: dict[str, str] = dict(pair.split("=", 1) for pair in _LEGACY.split())

# Names in the tz database that are not zones a user picks.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@cache
def _valid_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES - LEGACY_TIMEZONES.keys())


def canonical_tz(name: str) -> str | None:
    """The canonical name for `name` (Europe/Kiev -> Europe/Kyiv), or None if not a zone."""
    name = LEGACY_TIMEZONES.get(name, name)
    return name if name in _valid_names() else None
