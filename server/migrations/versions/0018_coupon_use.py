"""`coupon_use`: every use of a coupon a till pushed (issue 18; docs/benefits.md) — the first, and any later one of
the same coupon (another till's, offline), which is recorded and flagged. `coupon.use_id` names the use that
spent the coupon.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon_use",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("coupon_id", sa.String(36), sa.ForeignKey("coupon.id"), nullable=False),
        sa.Column("member_id", sa.String(36), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("store_code", sa.String(32), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("staff_code", sa.String(32), nullable=False),
        sa.Column("receipt_no", sa.String(64), nullable=False),
        sa.Column("bill_cents", sa.BigInteger(), nullable=False),
        sa.Column("discount_cents", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
    )
    op.create_index("ix_coupon_use_coupon", "coupon_use", ["coupon_id"])
    op.create_index("ix_coupon_use_receipt", "coupon_use", ["store_code", "receipt_no"])
    op.create_index("ix_coupon_use_received", "coupon_use", ["received_at"])
    with op.batch_alter_table("coupon") as batch:
        batch.add_column(sa.Column("use_id", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coupon") as batch:
        batch.drop_column("use_id")
    op.drop_table("coupon_use")
