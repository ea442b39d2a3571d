"""`member.tier_below_since`: since when a member's 12-month spend has been below the tier they hold. The nightly
refresh moves them down once the chain's grace (`tier_grace_days` in the insight rules) has passed; a push never
moves a tier down (docs/insight.md, "Tiers"). Existing members get NULL (not below, or not yet seen below).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("tier_below_since", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("tier_below_since")
