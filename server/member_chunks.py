"""Going over the chain's live members a chunk at a time, each chunk in its own write transaction (the nightly
refresh's passes: `server.member_figures`, `server.top_categories`): by id, so a chunk's query starts where the last
ended, and a push waits at most one chunk's time for the write lock.

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
    after = ""
    while True:
        with db.write() as session:
            bulk = Bulk(session.connection())
            sql = (
                f"SELECT id, {columns} FROM member WHERE id > {bulk.mark} AND NOT deleted AND merged_into IS NULL "  # noqa: S608
                f"AND {where} ORDER BY id LIMIT {int(chunk)}"
            )
            rows = bulk.rows(sql, (after,))
            if not rows:
                return
            yield session, bulk, rows
            after = rows[-1][0]
