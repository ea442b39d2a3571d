"""Demo rows encoded for SQLite's driver: each table's columns in a fixed order, each value turned into what its column
stores by the server's own converters (`server.bulk.column_converters`, the same that bulk writes use, checked
against SQLAlchemy's), and the INSERT that takes them, so the writer only runs the driver's executemany (about twice
Core's insert rate: Core's per-row parameter processing was half the writer's time).

Thread: made in the caller's process before the generator starts; `batch` runs in the generator (the forked worker
process, or the caller's thread); the loader runs `sql` in the caller's thread.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Dialect, Table

from server.bulk import Converter, column_converters
from server.demo.shopping import Batch
from server.models import Base

MEMBER: Final = Base.metadata.tables["member"]
LEDGER: Final = Base.metadata.tables["ledger_entry"]
PREFERENCE: Final = Base.metadata.tables["preference"]
ENTRY_LINES: Final = Base.metadata.tables["entry_lines"]
COLUMNS: Final[dict[Table, tuple[str, ...]]] = {
    MEMBER: (
        "id", "phone", "name", "gender", "birthday", "tier", "spend_12m_cents", "balance", "segment", "tags",
        "consent_marketing", "consent_profile", "home_store", "last_visit_at", "visits_90d", "created_at",
        "updated_at", "deleted", "merged_into", "version", "card_serial", "top_categories",
    ),
    LEDGER: (
        "id", "member_id", "kind", "points", "amount_cents", "receipt_no", "rule_version", "staff_code", "approved_by",
        "store_code", "device_id", "created_at", "received_at", "reverses", "offline", "status", "reason",
    ),
    PREFERENCE: ("member_id", "kind", "value", "source", "staff_code", "created_at", "removed_at"),
    ENTRY_LINES: ("entry_id", "lines"),
}  # fmt: skip
#: Where an encoded member row holds what the loader reads or fills in.
PHONE: Final = COLUMNS[MEMBER].index("phone")
VERSION: Final = COLUMNS[MEMBER].index("version")
CARD_SERIAL: Final = COLUMNS[MEMBER].index("card_serial")


class SqliteEncoder:
    """Rows turned into what SQLAlchemy would hand the SQLite driver, done in the generator so the writing process
    only runs the driver's executemany."""

    def __init__(self, dialect: Dialect) -> None:
        self.columns: dict[str, tuple[str, ...]] = {}
        self.converters: dict[str, list[Converter | None]] = {}
        self.sql: dict[str, str] = {}
        quote = dialect.identifier_preparer.quote
        for table, columns in COLUMNS.items():
            self.columns[table.name] = columns
            self.converters[table.name] = column_converters(dialect, table, columns)
            names = ", ".join(quote(name) for name in columns)
            marks = ", ".join("?" * len(columns))
            # Identifiers from our own table definitions, quoted by the dialect; the values are bound parameters.
            self.sql[table.name] = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608

    def encode(self, table: str, rows: list[dict[str, Any]]) -> list[list[Any]]:
        pairs = list(zip(self.columns[table], self.converters[table], strict=True))
        return [[row[name] if convert is None else convert(row[name]) for name, convert in pairs] for row in rows]

    def batch(self, batch: Batch) -> Batch:
        return Batch(
            self.encode("member", batch.members),
            self.encode("ledger_entry", batch.ledger),
            self.encode("preference", batch.preferences),
            encoded=True,
            lines=self.encode("entry_lines", batch.lines),
            line_count=batch.line_count,
        )
