"""Member aliases (`member_alias`): the id and phone of a member the server merged into another, so the till finds
the member kept by the merged one's phone or card (docs/operations.md, "Data rights").

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_alias",
        sa.Column("alias_id", sa.String(length=36), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("alias_id"),
    )
    op.create_index("ix_member_alias_phone", "member_alias", ["phone"])
    op.create_index("ix_member_alias_member_id", "member_alias", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_member_alias_member_id", table_name="member_alias")
    op.drop_index("ix_member_alias_phone", table_name="member_alias")
    op.drop_table("member_alias")
