"""The user's study day: a local calendar date that starts at a chosen hour (4 am by default, as in Anki).

Pure: takes aware datetimes and a ``ZoneInfo``, returns dates and aware datetimes. Wall-clock
arithmetic is done on local times so that a study day is always "from H:00 to H:00" on the
user's clock, 23 or 25 hours long across a daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAY_START_HOUR = 4


def study_day(moment: datetime, zone: ZoneInfo, start_hour: int) -> date:
    """The study day that ``moment`` (aware) falls in."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    return (local - timedelta(hours=start_hour)).date()


def day_start(day: date, zone: ZoneInfo, start_hour: int) -> datetime:
    """The aware UTC instant at which study day ``day`` begins.

    An hour skipped by a daylight-saving change resolves to the first instant after the gap.
    """
    local = datetime.combine(day, time(start_hour), tzinfo=zone)
    return local.astimezone(UTC)
