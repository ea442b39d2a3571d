"""The (name, last visit) index: a name search lists the most recent visitors first, like a tail's, choosing them on
the index alone (a common surname matches tens of thousands of members at a million).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_member_name_visit", "member", ["name", "last_visit_at"])


def downgrade() -> None:
    op.drop_index("ix_member_name_visit", table_name="member")
