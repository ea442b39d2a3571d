"""`member.expiring_points` / `expiring_on`: the points that expire soonest within 30 days and their last day, worked
out by the nightly refresh (`server.points_expiry`, issue 18) and pulled by the tills for the card and the slip;
`member.next_expiry_on`, the earliest day any of the member's points can expire, so the refresh reads the ledger
only of members whose day is near.

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
        batch.add_column(sa.Column("expiring_points", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("expiring_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("next_expiry_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("next_expiry_on")
        batch.drop_column("expiring_on")
        batch.drop_column("expiring_points")
