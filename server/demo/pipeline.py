"""The demo's generating pipeline: a run's batches made in order, either here or — with more than one chunk and more
than one CPU — in a forked worker process that generates (and, for SQLite, encodes) while this process writes, at
most `_QUEUED_BATCHES` ahead so memory does not grow with the number of members. The batches are the same either
way. Cyclic garbage collection is paused while generating (the rows make no cycles; collections walking the
growing batch cost a third of the time).

Thread: `batch_source` runs in the caller's thread (it starts the worker and receives its batches); `_produce` runs
in the worker process.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.queues
import random
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from queue import Empty
from typing import Final

from loyalty.rules import PointsRules
from server.demo.catalogue import DEMO_STORES
from server.demo.encoder import SqliteEncoder
from server.demo.shopping import Batch, Shoppers

_QUEUED_BATCHES: Final = 2  # generated batches waiting to be written (bounds the memory)


@dataclass(frozen=True, slots=True)
class Plan:
    """What one run generates: the worker process gets it whole."""

    rules: PointsRules
    stream: str
    now: datetime
    members: int
    chunk_size: int
    encoder: SqliteEncoder | None
    lines: bool = True  # purchase lines for the earn entries (off: a quicker build for the 1M benchmarks)


def _produce(
    out: multiprocessing.queues.Queue[Batch | str | None], plan: Plan
) -> None:  # pragma: no cover - runs in the worker process (its batches are checked by the tests)
    """The worker process: generate every batch in order and hand it over; a failure is sent as its traceback."""
    gc.disable()  # see paused_gc
    try:
        for batch in _batches(plan):
            out.put(batch)
        out.put(None)
    except BaseException:
        out.put(traceback.format_exc())


def _batches(plan: Plan) -> Iterator[Batch]:
    shoppers = Shoppers(plan.rules, random.Random(plan.stream), plan.now, lines=plan.lines)  # noqa: S311 - demo data
    stores = [code for code, _ in DEMO_STORES]
    done = 0
    while done < plan.members:
        count = min(plan.chunk_size, plan.members - done)
        batch = shoppers.batch(count, stores)
        yield batch if plan.encoder is None else plan.encoder.batch(batch)
        done += count


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while generating: the rows make no cycles, but the many young objects they are
    made of set off collections that walk every batch again (a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def batch_source(plan: Plan, parallel: bool) -> Iterator[Iterator[Batch]]:
    """The batches of one run, generated here or, when `parallel`, in a worker process while this one writes (the
    two cores then share the work). Either way the batches are the same."""
    if not parallel:
        yield _batches(plan)
        return
    # fork: the worker needs no import of the caller's main module, and it never touches the parent's database
    # connections (it only computes rows and sends them back through the queue).
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.queues.Queue[Batch | str | None] = context.Queue(maxsize=_QUEUED_BATCHES)
    worker = context.Process(
        target=_produce,
        args=(queue, plan),
        name="memberdesk-demo-generator",
        daemon=True,
    )
    worker.start()

    def received() -> Iterator[Batch]:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not worker.is_alive():
                    raise RuntimeError(f"the demo generator process died (exit code {worker.exitcode})") from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError(f"the demo generator process failed:\n{item}")
            yield item

    try:
        yield received()
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=10)
        queue.close()
