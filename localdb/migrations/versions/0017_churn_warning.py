"""`churn_warning`: the store's 需关注会员 list as the server last gave it, with this till's outcomes since
(docs/insight.md, "Churn warnings").

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
        "churn_warning",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("tag", sa.String(32), nullable=True),
        sa.Column("from_segment", sa.String(32), nullable=True),
        sa.Column("to_segment", sa.String(32), nullable=True),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("handled_by", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("churn_warning")
