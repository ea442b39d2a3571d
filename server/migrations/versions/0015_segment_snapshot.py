"""`segment_snapshot`: each store's segment mix, a row per day and segment, written by the nightly refresh (and
worked out for earlier days by `admin segment-history --backfill`), so the health board can show the mix over time
(docs/insight.md, "Segment mix over time").

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "segment_snapshot",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("store_code", sa.String(32), primary_key=True),
        sa.Column("segment", sa.String(32), primary_key=True),
        sa.Column("members", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("segment_snapshot")
