"""The demo's entry point, `generate_demo`: the demo stores and staff added through the admin actions when missing,
then the members batch by batch, each chunk one `ServerDatabase.write()` — phones already on the server replaced,
versions and card serials reserved as a block, the rows inserted with the driver's executemany (SQLite, rows
encoded by the generator) or Core executemany (PostgreSQL) — and the planner's statistics refreshed at the end.

Thread: the caller's (the writer); the batches come from `server.demo.pipeline`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from server import admin, chain
from server.db import ServerDatabase
from server.demo.catalogue import DEMO_STAFF, DEMO_STORES
from server.demo.encoder import (
    CARD_SERIAL,
    ENTRY_LINES,
    LEDGER,
    MEMBER,
    PHONE,
    PREFERENCE,
    VERSION,
    SqliteEncoder,
)
from server.demo.pipeline import Plan, batch_source, paused_gc
from server.demo.shopping import Batch
from server.fakes import MobileStream
from server.members import taken_phones
from server.models import AdminLog, Member, Staff, Store

logger = logging.getLogger(__name__)

CHUNK: Final = 10_000
_SQLITE_CACHE_KIB: Final = 64 * 1024  # page cache of the writing connection while loading: random keys of big indexes


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What one run added (stores and staff only when they were missing)."""

    members: int
    ledger_entries: int
    preferences: int
    purchase_lines: int
    stores_created: tuple[str, ...]
    staff_created: tuple[str, ...]
    first_version: int | None
    last_version: int | None


def _ensure_stores_and_staff(db: ServerDatabase) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The demo stores and staff that are missing, through the admin actions (so they are logged like any other)."""
    with db.read() as session:
        stores = set(session.scalars(select(Store.code)))
        staff = set(session.scalars(select(Staff.code)))
    new_stores = [(code, name) for code, name in DEMO_STORES if code not in stores]
    for code, name in new_stores:
        admin.create_store(db, code, name)
    new_staff = [person for person in DEMO_STAFF if person.code not in staff]
    for person in new_staff:
        admin.add_staff(db, person.code, person.name, person.role, person.pin, person.store)
    place_demo_staff(db)
    return tuple(code for code, _ in new_stores), tuple(person.code for person in new_staff)


def place_demo_staff(db: ServerDatabase) -> tuple[str, ...]:
    """Demo cashiers and guides made chain-wide by an older demo (when a chain-wide cashier still reached every
    till; now only managers are chain-wide, `server.staff_scope`) moved to their demo store, PIN kept, so an existing
    demo's staff still log in at its till. Returns the codes moved."""
    moved: list[str] = []
    with db.write() as session:
        stores = {code: store_id for code, store_id in session.execute(select(Store.code, Store.id))}
        for person in DEMO_STAFF:
            staff = session.get(Staff, person.code)
            if person.store is None or person.store not in stores or staff is None or staff.store_id is not None:
                continue
            if staff.role == "manager":
                continue  # a manager may be chain-wide
            staff.store_id, staff.updated_at = stores[person.store], db.clock()
            moved.append(person.code)
        if moved:
            chain.bump_config_version(session)
            session.add(AdminLog(at=db.clock(), action="place_demo_staff", detail=" ".join(moved)))
    return tuple(moved)


def _replace_taken(session: Session, spare: MobileStream, batch: Batch) -> int:
    """Give a fresh number to every member whose phone is already on the server (an earlier demo run or an import),
    so that phones stay unique; returns how many were replaced."""
    key: Any = PHONE if batch.encoded else "phone"
    members = batch.members
    in_batch = {member[key] for member in members}
    check = list(range(len(members)))
    replaced = 0
    while check:
        taken = taken_phones(session, [members[i][key] for i in check])
        check = [i for i in check if members[i][key] in taken]
        for i in check:
            phone = spare.next()
            while phone in in_batch:  # the spare stream may meet a number of this very batch
                phone = spare.next()
            in_batch.add(phone)
            members[i][key] = phone
            replaced += 1
    return replaced


def _write(session: Session, batch: Batch, encoder: SqliteEncoder | None, version: int, serial: int) -> None:
    """Insert one chunk's rows: the driver's executemany for encoded rows, Core executemany otherwise."""
    if batch.encoded:
        assert encoder is not None
        for offset, row in enumerate(batch.members):
            row[VERSION] = version + offset
            row[CARD_SERIAL] = serial + offset
        connection = session.connection()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
        for table, rows in (
            ("member", batch.members),
            ("ledger_entry", batch.ledger),
            ("preference", batch.preferences),
            ("entry_lines", batch.lines),
        ):
            if rows:
                connection.exec_driver_sql(encoder.sql[table], [tuple(row) for row in rows])
        return
    for offset, member in enumerate(batch.members):
        member["version"] = version + offset
        member["card_serial"] = serial + offset
    core = ((MEMBER, batch.members), (LEDGER, batch.ledger), (PREFERENCE, batch.preferences),
            (ENTRY_LINES, batch.lines))  # fmt: skip
    for core_table, core_rows in core:
        if core_rows:
            session.execute(insert(core_table), core_rows)


def generate_demo(
    db: ServerDatabase,
    members: int,
    seed: int = 7,
    *,
    now: datetime | None = None,
    chunk_size: int = CHUNK,
    parallel: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    lines: bool = True,
) -> DemoReport:
    """Add the demo stores and staff (when missing) and `members` generated members; see `server.demo`'s docstring.

    `parallel` generates in a worker process (default: when there is more than one chunk and more than one CPU);
    the data are the same either way. `progress(done, total)` is called after each committed chunk. `lines`: the
    earn entries get their purchase lines and the members their top categories (off: a quicker build, for the
    1,000,000-member benchmarks; docs/performance.md).
    """
    if members < 0:
        raise ValueError("the number of demo members must not be negative")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    now = (now or db.clock()).astimezone(UTC)
    stores_created, staff_created = _ensure_stores_and_staff(db)
    with db.read() as session:
        rules = chain.rules(session)
        existing = int(session.scalar(select(func.count()).select_from(Member)) or 0)
    # The seed and the members already there pick the stream: a second run draws other people.
    stream = f"memberdesk-demo:{seed}:{existing}"
    spare = MobileStream(random.Random(f"{stream}:spare"))  # noqa: S311 - demo data
    if parallel is None:
        parallel = members > chunk_size and (os.cpu_count() or 1) > 1
    parallel = parallel and "fork" in multiprocessing.get_all_start_methods()
    encoder = SqliteEncoder(db.engine.dialect) if db.engine.dialect.name == "sqlite" else None
    plan = Plan(rules, stream, now, members, chunk_size, encoder, lines)
    done = entries = prefs = line_count = 0
    first_version: int | None = None
    last_version: int | None = None
    with paused_gc(), batch_source(plan, parallel) as batches:
        for batch in batches:
            count = len(batch.members)
            with db.write() as session:
                _replace_taken(session, spare, batch)
                version = db.reserve_versions(session, count)
                serial = db.reserve_card_serials(session, count)
                _write(session, batch, encoder, version, serial)
            first_version = version if first_version is None else first_version
            last_version = version + count - 1
            done += count
            entries += len(batch.ledger)
            prefs += len(batch.preferences)
            line_count += batch.line_count
            logger.info("demo: %d of %d members written", done, members)
            if progress is not None:
                progress(done, members)
    if done:
        db.refresh_statistics()
    return DemoReport(
        members=done,
        ledger_entries=entries,
        preferences=prefs,
        purchase_lines=line_count,
        stores_created=stores_created,
        staff_created=staff_created,
        first_version=first_version,
        last_version=last_version,
    )
