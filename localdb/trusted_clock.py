"""The time the till's own limits count by: the offline redemption cap's store day and the PIN lockout.

A till's wall clock is whatever its computer says, and anyone at the counter can set it: moved a day forward, the
cap's "today" would begin again (another 2,000 points) and a locked staff code would unlock. So the limits count by
the last time the till heard from the server plus how long this computer has been running since, read from its
monotonic clock (which setting the date does not move): `TrustedClock`. A restart of the computer resets the
monotonic clock; the till then counts only the time since boot, so its day turns late rather than early until the
next sync or health check tells it the server's time again. A till that has never heard from its server (the demo
before its first sync) has nothing better than the wall clock.

What the till writes is stamped `stamp()`: the wall clock, or the trusted time when the wall clock is behind it —
a date set back would otherwise stamp today's redemptions yesterday, where today's cap does not count them. (A wall
clock ahead stamps ahead; the cap counts those too, and the server takes what arrives ahead of it at arrival,
`server.entry_checks`.)
Thread: any; an observation is one assignment and the reading is a pure function of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from loyalty.clock import Clock, require_aware

Monotonic = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ServerTimeSeen:
    """The server's time as the till last heard it, and this computer's monotonic reading (seconds) at that moment."""

    server_time: datetime
    monotonic: float


class TrustedClock:
    """`trusted()` is now as the server would have it, as far as the till can know without asking."""

    def __init__(self, wall: Clock, *, monotonic: Monotonic = time.monotonic, seen: ServerTimeSeen | None = None):
        self._wall = wall
        self._monotonic = monotonic
        self._seen = seen

    @property
    def seen(self) -> ServerTimeSeen | None:
        return self._seen

    def saw(self, server_time: datetime) -> ServerTimeSeen:
        """The server just said what time it is (a sync or a health check)."""
        self._seen = ServerTimeSeen(require_aware(server_time), self._monotonic())
        return self._seen

    def stamp(self) -> datetime:
        """The time to write on what the till records: the wall clock, never earlier than the trusted time."""
        return max(self._wall(), self())

    def saw_before(self, seen: ServerTimeSeen) -> None:
        """What an earlier run of the app kept (`SyncStore.server_time_seen`): the clock goes on from it."""
        self._seen = seen

    def __call__(self) -> datetime:
        seen = self._seen
        if seen is None:
            return self._wall()
        running = self._monotonic()
        elapsed = running - seen.monotonic
        if elapsed < 0:  # the computer restarted since: only the time since it started is known
            elapsed = running
        return seen.server_time + timedelta(seconds=elapsed)
