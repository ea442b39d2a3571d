"""A member's top categories (issue 16, purchase history): `member.top_categories`, a JSON list of up to 3 category
names by 12-month spend on purchase lines, recomputed by the push for the members whose entries carried lines
(`server.top_categories`). Existing members start with an empty list. And `history_access`, the audit of the
purchase histories tills read (`server.purchase_history`).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("member", sa.Column("top_categories", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "history_access",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
    )
    op.create_index("ix_history_access_device_id", "history_access", ["device_id"])
    op.create_index("ix_history_access_member_id", "history_access", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_history_access_member_id", table_name="history_access")
    op.drop_index("ix_history_access_device_id", table_name="history_access")
    op.drop_table("history_access")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("top_categories")
