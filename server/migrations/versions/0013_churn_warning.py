"""`churn_warning`: the members each store should call (需关注会员), raised by the nightly refresh when a
高价值忠诚型 member drifts down or gains a tag the insight rules mark `warn`, with what a guide did about it
(docs/insight.md, "Churn warnings").

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "churn_warning",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.String(36), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("store_code", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("tag", sa.String(32), nullable=True),
        sa.Column("from_segment", sa.String(32), nullable=True),
        sa.Column("to_segment", sa.String(32), nullable=True),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("handled_by", sa.String(32), nullable=True),
    )
    op.create_index("ix_churn_warning_member", "churn_warning", ["member_id"])
    op.create_index("ix_churn_warning_store_raised", "churn_warning", ["store_code", "raised_at"])


def downgrade() -> None:
    op.drop_table("churn_warning")
