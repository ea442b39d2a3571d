"""What the status bar and the sync page both say about syncing, from one source so they never disagree: how many
records wait to be sent (the outbox's unsent count, now) and the last sync run that finished (the sync bookkeeping's
newest run, whichever screen or timer started it, with its tally), its time worded on the store's clock.

Both reads are single indexed SELECTs, cheap enough for the GUI thread, like a lookup. Thread: GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from localdb.models import SyncRun
from ui.context import AppContext


@dataclass(frozen=True, slots=True)
class SyncFigures:
    unsent: int  # records waiting to be sent, now
    last_run: SyncRun | None  # the newest finished run (None: the till never finished one)


def read_sync_figures(ctx: AppContext) -> SyncFigures:
    sync = ctx.till.sync
    return SyncFigures(unsent=sync.count_unsent(), last_run=sync.last_run())


def store_clock_text(ctx: AppContext, moment: datetime) -> str:
    """A stored UTC time as the store's clock shows it: the time today, the date too on another day."""
    local = moment.astimezone(ctx.till.settings.current().zone)
    if local.date() == ctx.till.today():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")
