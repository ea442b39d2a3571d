"""Benefits at the till (issue 18): `member.expiring_points` / `expiring_on`, the points that expire soonest within
30 days and their day (pulled: the server's nightly refresh works them out); `member.coupons`, the coupons the member
holds as the server last sent them (with their terms and days; pulled); and `coupon_use`, each coupon this till
applied to a bill, queued for the server in the same transaction: a coupon used here is not offered here again,
whatever an older pull says; `sync_state.gifts`, the gift catalogue with this store's stock (from the config), and
`point_entry.gift_sku`, a gift entry's item; `sync_state.manager_coupons` / `manager_daily_limit`, the templates a
manager may give at the till and how many a day (from the config).

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
    op.add_column("member", sa.Column("coupons", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.add_column("member", sa.Column("expiring_points", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("member", sa.Column("expiring_on", sa.Date(), nullable=True))
    op.add_column("sync_state", sa.Column("gifts", sa.JSON(), nullable=True))
    op.add_column("sync_state", sa.Column("manager_coupons", sa.JSON(), nullable=True))
    op.add_column("sync_state", sa.Column("manager_daily_limit", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("point_entry", sa.Column("gift_sku", sa.String(32), nullable=True))
    op.create_table(
        "coupon_use",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("coupon_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("template_code", sa.String(32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("receipt_no", sa.String(64), nullable=False),
        sa.Column("bill_cents", sa.Integer(), nullable=False),
        sa.Column("discount_cents", sa.Integer(), nullable=False),
        sa.Column("staff_code", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_coupon_use_coupon_id", "coupon_use", ["coupon_id"])
    op.create_index("ix_coupon_use_receipt_no", "coupon_use", ["receipt_no"])
    op.create_index("ix_coupon_use_created_at", "coupon_use", ["created_at"])


def downgrade() -> None:
    op.drop_table("coupon_use")
    with op.batch_alter_table("point_entry") as batch:
        batch.drop_column("gift_sku")
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("manager_daily_limit")
        batch.drop_column("manager_coupons")
        batch.drop_column("gifts")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("expiring_on")
        batch.drop_column("expiring_points")
        batch.drop_column("coupons")
