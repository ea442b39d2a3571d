"""The ledger's indexes on columns most entries leave empty hold only the entries that fill them: a refund's
original (`refund_of`), the entry an offline return was reconciled with, an offline return's original receipt, and
an entry's own receipt. Every query that uses them compares the column with a value (which no NULL matches), so they
find the same rows; a pushed entry without those no longer adds an index entry to each (four of the seven index
insertions of a typical earn on PostgreSQL; docs/performance.md, "The PostgreSQL push").

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: index -> (its columns, the column whose entries it keeps)
_PARTIAL = {
    "ix_ledger_entry_refund_of": (["refund_of"], "refund_of"),
    "ix_ledger_entry_reconciled_with": (["reconciled_with"], "reconciled_with"),
    "ix_ledger_returned_receipt": (["ref_store_code", "ref_receipt_no"], "ref_receipt_no"),
    "ix_ledger_store_receipt": (["store_code", "receipt_no"], "receipt_no"),
}


def upgrade() -> None:
    for name, (columns, kept) in _PARTIAL.items():
        where = sa.text(f"{kept} IS NOT NULL")
        op.drop_index(name, table_name="ledger_entry")
        op.create_index(name, "ledger_entry", columns, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name, (columns, _kept) in _PARTIAL.items():
        op.drop_index(name, table_name="ledger_entry")
        op.create_index(name, "ledger_entry", columns)
