"""Birthdays by month and day: an index on the stored date's 'MM-DD' (and the last visit), so the lookup page finds
the members whose birthday is today without reading every member.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_member_birthday_md", "member", [sa.text("substr(birthday, 6, 5)"), "last_visit_at"])


def downgrade() -> None:
    op.drop_index("ix_member_birthday_md", table_name="member")
