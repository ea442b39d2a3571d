"""The one clock helper: aware UTC "now", and the type services take so tests can set the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
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
