"""The server's time as the till last heard it, with this computer's monotonic clock at that moment: what the
offline cap and the PIN lockout count by (`localdb.trusted_clock`), so setting the computer's date does not move them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("server_time_seen", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("server_seen_monotonic", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("server_seen_monotonic")
        batch.drop_column("server_time_seen")
