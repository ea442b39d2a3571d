"""Purchase history across the chain (issue 16): the member's top categories as the server computes them
(`member.top_categories`, pulled) and the cache of the server's purchase history for recently seen members
(`chain_history`, bounded), so a guide sees both offline.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (a constant default): SQLite writes no row, so a till of a million members migrates at once.
    op.add_column("member", sa.Column("top_categories", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "chain_history",
        sa.Column("member_id", sa.String(length=36), primary_key=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
    )
    op.create_index("ix_chain_history_fetched_at", "chain_history", ["fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_chain_history_fetched_at", table_name="chain_history")
    op.drop_table("chain_history")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("top_categories")
