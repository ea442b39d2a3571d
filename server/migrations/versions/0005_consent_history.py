"""The members' consent history (`consent_event`): every change of a consent flag, by whom, from which till, when
the server received it — for a subject-access export (`server admin export-member`) and as the record of consent.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("value", sa.Boolean(), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consent_event_member_id", "consent_event", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_consent_event_member_id", table_name="consent_event")
    op.drop_table("consent_event")
