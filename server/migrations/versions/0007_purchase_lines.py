"""Purchase lines, refunds and sales without a member (issue 16: the sale comes from the POS): `purchase_line` for
the lines earns and refunds carry, `sale` for sales without a member, and on `ledger_entry` a redemption's bill, a
refund's original (`refund_of`), an offline return's original store and receipt and the entry it was reconciled
with, and an index to find a store's receipt.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ledger_entry", sa.Column("bill_cents", sa.BigInteger(), nullable=True))
    op.add_column("ledger_entry", sa.Column("refund_of", sa.String(length=36), nullable=True))
    op.add_column("ledger_entry", sa.Column("ref_store_code", sa.String(length=32), nullable=True))
    op.add_column("ledger_entry", sa.Column("ref_receipt_no", sa.String(length=64), nullable=True))
    op.add_column("ledger_entry", sa.Column("reconciled_with", sa.String(length=36), nullable=True))
    op.create_index("ix_ledger_entry_refund_of", "ledger_entry", ["refund_of"])
    op.create_index("ix_ledger_entry_reconciled_with", "ledger_entry", ["reconciled_with"])
    op.create_index("ix_ledger_store_receipt", "ledger_entry", ["store_code", "receipt_no"])
    op.create_index("ix_ledger_returned_receipt", "ledger_entry", ["ref_store_code", "ref_receipt_no"])
    op.create_table(
        "purchase_line",
        sa.Column("entry_id", sa.String(length=36), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_purchase_line_member_created", "purchase_line", ["member_id", "created_at"])
    op.create_table(
        "sale",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("receipt_no", sa.String(length=64), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sale_store_created", "sale", ["store_code", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_sale_store_created", table_name="sale")
    op.drop_table("sale")
    op.drop_index("ix_purchase_line_member_created", table_name="purchase_line")
    op.drop_table("purchase_line")
    op.drop_index("ix_ledger_returned_receipt", table_name="ledger_entry")
    op.drop_index("ix_ledger_store_receipt", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_reconciled_with", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_refund_of", table_name="ledger_entry")
    with op.batch_alter_table("ledger_entry") as batch:
        for name in ("reconciled_with", "ref_receipt_no", "ref_store_code", "refund_of", "bill_cents"):
            batch.drop_column(name)
