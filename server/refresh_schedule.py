"""The nightly refresh run by `serve` itself: `NightlyRefresh` starts `server.refresh.refresh` once a day at a
wall-clock time in the chain's zone (`serve --refresh-at 02:30 --refresh-zone Asia/Shanghai`, the defaults;
`--refresh-at off` leaves it to cron or a systemd timer calling `server admin refresh`).

Why in `serve` rather than only cron: a chain running one server (or the demo) gets fresh tiers, segments and tags
with nothing else to set up, on Windows too, which has no cron; the refresh's lock (`server.refresh`) keeps it to
one run when several servers on one PostgreSQL schedule it, or when an admin runs it by hand at the same time. It
is a single daily job with no persistence or missed-run catch-up to manage, so a thread and an event are enough: a
scheduler library (APScheduler) would add a dependency for nothing here. A run missed while the server was down is
not made up at start (the next night's covers it; run `server admin refresh` for one now).

With `--workers N` the scheduler runs in the supervising process, not in each worker. A run's failure is logged
(its exception type only: no member data) and the schedule goes on.

Thread: its own daemon thread; `start`/`stop` from the thread that runs `serve`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo

from loyalty.clock import utc_now
from server.db import ServerDatabase
from server.refresh import RefreshBusy, refresh

logger = logging.getLogger(__name__)


def parse_refresh_at(text: str) -> time | None:
    """`HH:MM` (24-hour) as a time, or None for `off`; raises ValueError otherwise."""
    if text.strip().lower() == "off":
        return None
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(f"not a time of day (HH:MM) or off: {text!r}")
    return time(int(hours), int(minutes))


def next_run(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The first moment after `now` whose wall-clock time in `zone` is `at` (UTC)."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(now.tzinfo)


class NightlyRefresh:
    """Runs the refresh at `at` in `zone` every day until `stop()`."""

    def __init__(
        self,
        db: ServerDatabase,
        at: time,
        zone: tzinfo,
        *,
        clock: Callable[[], datetime] = utc_now,
        run: Callable[[ServerDatabase], object] = refresh,
    ) -> None:
        self._db, self._at, self._zone, self._clock, self._run = db, at, zone, clock, run
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nightly-refresh", daemon=True)
        self.runs = 0  # refreshes completed (for the logs and tests)

    def start(self) -> NightlyRefresh:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """No new run starts; a run under way finishes its chunk (the thread is a daemon)."""
        self._stopping.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            now = self._clock()
            due = next_run(now, self._at, self._zone)
            logger.info("nightly refresh: next run at %s", due.isoformat())
            if self._stopping.wait(max(0.0, (due - now).total_seconds())):
                return
            self.run_once()

    def run_once(self) -> None:
        try:
            self._run(self._db)
        except RefreshBusy:
            logger.info("nightly refresh: another run of this database is under way; skipped")
        except Exception as error:  # a failed night is logged; the server keeps serving and tries tomorrow
            logger.error("nightly refresh failed: %s", type(error).__name__)
        else:
            self.runs += 1
            logger.info("nightly refresh: done")
