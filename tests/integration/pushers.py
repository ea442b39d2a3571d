"""A till process for the concurrency test: open a copy of a till's store and sync it when told to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localdb.till import Till
from sync.engine import SyncEngine


def sync_copy(path: str, start: Any, batch_size: int, answers: Any) -> None:
    """Put (applied, duplicates, error) of one sync of the till at `path`, begun when `start` (a Barrier) opens,
    on the `answers` queue."""
    till = Till.open(Path(path))
    try:
        engine = SyncEngine(till.sync, batch_size=batch_size)
        start.wait()
        report = engine.run()
        answers.put((report.tally.applied, report.tally.duplicates, report.error))
    finally:
        till.close()
