"""The gift catalogue (积分兑换礼品, issue 18): `gift` (the items, by SKU), `gift_stock` (how many each store has) and
`ledger_entry.gift_sku` (a gift entry's item).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gift",
        sa.Column("sku", sa.String(32), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "gift_stock",
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("sku", sa.String(32), sa.ForeignKey("gift.sku"), primary_key=True),
        sa.Column("stock", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(sa.Column("gift_sku", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry") as batch:
        batch.drop_column("gift_sku")
    op.drop_table("gift_stock")
    op.drop_table("gift")
