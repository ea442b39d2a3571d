"""`member.tier_kept_until`: the last day the member surely keeps their tier if they buy nothing more, pulled from
the server (its nightly refresh works it out), for the card's tier line. NULL until pulled.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("tier_kept_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("tier_kept_until")
