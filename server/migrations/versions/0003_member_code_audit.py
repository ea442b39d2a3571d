"""The audit of member codes handed out (`member_code_request`): one row per member asked of `POST /v1/member-codes`
and per card re-issued, with the device, store, staff, card serial and outcome; no phone numbers.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_code_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("store_code", sa.String(length=32), nullable=True),
        sa.Column("staff_code", sa.String(length=32), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("card_serial", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_code_request_device_id", "member_code_request", ["device_id"])
    op.create_index("ix_member_code_request_member_id", "member_code_request", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_member_code_request_member_id", table_name="member_code_request")
    op.drop_index("ix_member_code_request_device_id", table_name="member_code_request")
    op.drop_table("member_code_request")
