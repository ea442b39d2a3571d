"""`member.figures_valid_until`: until when a member's stored 12-month spend and 90-day visits stay exact without new
purchases, so a push adds a sale to them instead of reading the member's year of ledger entries
(docs/performance.md, "Member figures kept exact"). Existing members get NULL (not known: the next push or the
nightly refresh reads their ledger once).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("figures_valid_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("figures_valid_until")
