"""Purchase lines and refunds: the lines an earn carries from the POS (`sale_line`), a redemption's bill, and the
fields of a refund (`refund_of`) and of an offline return of another store's sale (`ref_store_code`,
`ref_receipt_no`).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("point_entry") as batch:
        batch.add_column(sa.Column("bill_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("refund_of", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("ref_store_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("ref_receipt_no", sa.String(length=64), nullable=True))
    op.create_index("ix_point_entry_refund_of", "point_entry", ["refund_of"])
    op.create_table(
        "sale_line",
        sa.Column("entry_id", sa.String(length=36), sa.ForeignKey("point_entry.id"), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("quantity_milli", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sale_line")
    op.drop_index("ix_point_entry_refund_of", table_name="point_entry")
    with op.batch_alter_table("point_entry") as batch:
        for name in ("ref_receipt_no", "ref_store_code", "refund_of", "bill_cents"):
            batch.drop_column(name)
