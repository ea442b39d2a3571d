"""The audit chain's per-device keys (HMAC-SHA256 from the row each key's arrival wrote) and the last row the server
accepted as the chain's anchor (`localdb.audit`, `localdb.audit_anchor`).

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_key",
        sa.Column("from_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("anchored_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("from_seq"),
    )


def downgrade() -> None:
    op.drop_table("audit_key")
