"""`member.tier_kept_until`: the last day a member surely keeps their tier if they buy nothing more, worked out by
the nightly refresh from the purchases in their 12 months and the chain's downgrade grace, shown on the till's card
(docs/insight.md, "Tiers and the downgrade grace"). Empty until the first refresh after this migration.

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
    op.add_column("member", sa.Column("tier_kept_until", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("member", "tier_kept_until")
