"""The POS interface's answered requests (`pos_request`): each sale or refund the POS sent, by its receipt or
refund number, with a hash of what it asked and the exact answer given, written in the same transaction as the
ledger rows, so a POS that retries gets the first answer back and nothing is awarded twice.

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
        "pos_request",
        sa.Column("op", sa.String(length=16), primary_key=True),
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pos_request")
