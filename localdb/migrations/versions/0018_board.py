"""`sync_state.board`: the last health-board document the server gave (`GET /v1/board`: this store's and the
chain's figures, with its `as_of` time), so the 会员看板 page reads offline. NULL: none yet.

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
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("board", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("board")
