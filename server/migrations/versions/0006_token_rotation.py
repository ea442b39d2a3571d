"""Device tokens are rotated at the end of each sync (`POST /v1/devices/token`): the device keeps the hash of the
token before the last rotation, valid until the new one is first used, so a lost answer does not lock a till out.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("device", sa.Column("previous_token_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_device_previous_token_hash", "device", ["previous_token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_device_previous_token_hash", table_name="device")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("previous_token_hash")
