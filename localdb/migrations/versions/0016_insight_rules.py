"""`sync_state.insight_rules`: the chain's insight rules as the server's config gave them (`loyalty.insight`), so the
member card names each tag in the screen's language, by layer, and shows the suggested action offline. NULL: the
defaults, until the first config from a server that sends them.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("insight_rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("insight_rules")
