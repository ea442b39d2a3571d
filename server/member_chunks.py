"""Going over the chain's live members a chunk at a time, each chunk in its own write transaction (the nightly
refresh's passes: `server.member_figures`, `server.member_insight`, the birthday coupons of `server.coupons`): in
key order (SQLite's rowid, PostgreSQL's id), so a chunk's query starts where the last ended, and a push waits at
most one chunk's time for the write lock.

Thread: the admin command line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from sqlalchemy.orm import Session

from server.bulk import Bulk
from server.db import ServerDatabase

CHUNK: Final = 5_000  # members a write transaction


def live_member_chunks(
    db: ServerDatabase, columns: str, *, where: str = "TRUE", chunk: int = CHUNK
) -> Iterator[tuple[Session, Bulk, list[tuple[Any, ...]]]]:
    """Each chunk of live members as rows of `id, columns` (our own column names; `where`, our own condition, picks
    among them), inside its write transaction: what the caller writes before asking for the next chunk commits with
    it (an exception rolls that chunk back and ends the pass)."""
    # SQLite pages by rowid: the table's own b-tree in order, where paging by `id` walked its index and looked each
    # row up (1.1 s against 3.5 s for 1,000,000 members). PostgreSQL has no rowid and pages by the primary key.
    sqlite = db.is_sqlite
    key = "rowid" if sqlite else "id"
    after: object = -1 if sqlite else ""
    while True:
        with db.write() as session:
            bulk = Bulk(session.connection())
            sql = (
                f"SELECT id, {columns} FROM member WHERE {key} > {bulk.mark} "  # noqa: S608
                f"AND NOT deleted AND merged_into IS NULL AND {where} ORDER BY {key} LIMIT {int(chunk)}"
            )
            rows = bulk.rows(sql, (after,))
            if not rows:
                return
            if sqlite:  # the last row's rowid by its key, rather than a column on every row to take off again
                [(after,)] = bulk.rows("SELECT rowid FROM member WHERE id = ?", (rows[-1][0],))
            else:
                after = rows[-1][0]
            yield session, bulk, rows
