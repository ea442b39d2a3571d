"""The one clock helper: aware UTC "now", the type services take so tests can set the time, and the store's
calendar day (`store_day`, `day_bounds`): daily limits, the birthday month and the day report all count days on the
store's clock, never on UTC's or the till computer's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

#: The chain's stores run on China Standard Time unless the server's config says otherwise.
DEFAULT_STORE_TIMEZONE = "Asia/Shanghai"


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC (what every table stores)."""
    return datetime.now(UTC)


def store_zone(name: str = DEFAULT_STORE_TIMEZONE) -> tzinfo:
    """The store's local zone, used for "today" (daily limits, birthday month) and for display."""
    return ZoneInfo(name)


def require_aware(moment: datetime) -> datetime:
    """Refuse naive datetimes: a naive time at a till is a bug waiting for a daylight or zone change."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: every time in MemberDesk carries its zone")
    return moment


def store_day(moment: datetime, zone: tzinfo) -> date:
    """The store's calendar day at `moment` (an aware time)."""
    return require_aware(moment).astimezone(zone).date()


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The store day as aware datetimes [local midnight, next local midnight) (compare them with stored UTC)."""
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )
