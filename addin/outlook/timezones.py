"""Time-zone names for Microsoft Graph: Windows names, mapped from IANA with CLDR's table.

Graph's ``dateTimeTimeZone.timeZone`` takes "any of the time zones supported by Windows"
and only a short fixed list of IANA names
(https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone); ``Europe/Madrid``
is not on that list. So everything sent to Graph carries the Windows name CLDR maps the
team's IANA zone to (``Romance Standard Time``); the .ics files keep the IANA name.
The mapping is CLDR's windowsZones.xml as maintained in ``tzlocal`` (not a table of ours).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

from addin.errors import InputError


def windows_zone(iana: str) -> str:
    """The Windows time-zone name CLDR maps ``iana`` to; InputError when it has none."""
    name = tz_win.get(iana)
    if name is None:
        canonical = _canonical(iana)
        name = tz_win.get(canonical) if canonical else None
    if name is None:
        raise InputError(
            f"Time zone {iana!r} has no Windows equivalent, so Outlook cannot be given it; "
            "use a city zone such as Europe/Madrid.",
            code="bad_timezone",
            field="timezone",
        )
    return name


def iana_zone(name: str) -> str:
    """The IANA zone of a Windows name (or ``name`` itself when it is an IANA name)."""
    return win_tz.get(name, name)


def _canonical(iana: str) -> str | None:
    """The zone ``iana`` links to, when the system's tz database knows it under another key."""
    try:
        zone = ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    key = getattr(zone, "key", None)
    return key if key and key != iana else None


__all__ = ["windows_zone", "iana_zone"]
