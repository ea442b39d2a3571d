"""`member.expiring_points` / `expiring_on`: the points that expire soonest within 30 days and their last day, worked
out by the nightly refresh (`server.points_expiry`, issue 18) and pulled by the tills for the card and the slip;
`member.next_expiry_on`, the earliest day any of the member's points can expire, so the refresh reads the ledger
only of members whose day is near; `member.referred_by`, who brought the member in (the enrolment's referrer), until
the referral coupons are given after the member's first purchase.

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
        batch.add_column(sa.Column("referred_by", sa.String(36), nullable=True))
    where = sa.text("referred_by IS NOT NULL")
    op.create_index("ix_member_referred_by", "member", ["referred_by"], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index("ix_member_referred_by", table_name="member")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("referred_by")
        batch.drop_column("next_expiry_on")
        batch.drop_column("expiring_on")
        batch.drop_column("expiring_points")
