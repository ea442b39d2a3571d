"""`coupon_template` and `coupon`: the chain's coupon templates with what was issued from each (its budget), and the
coupons members hold (issue 18; docs/benefits.md).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon_template",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("issued_count", sa.Integer(), nullable=False),
        sa.Column("issued_cents", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "coupon",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("template_code", sa.String(32), sa.ForeignKey("coupon_template.code"), nullable=False),
        sa.Column("member_id", sa.String(36), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("campaign", sa.String(64), nullable=True),
        sa.Column("staff_code", sa.String(32), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_store", sa.String(32), nullable=True),
    )
    op.create_index("ix_coupon_member", "coupon", ["member_id"])
    op.create_index("ix_coupon_template_member", "coupon", ["template_code", "member_id"])


def downgrade() -> None:
    op.drop_table("coupon")
    op.drop_table("coupon_template")
