"""Each till's audit-chain key (`device.audit_key`) and the audit anchors tills send on every sync
(`audit_anchor`: accepted ones, and refused ones as the record of tampering).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("audit_key", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_anchor_device_seq", "audit_anchor", ["device_id", "seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_anchor_device_seq", table_name="audit_anchor")
    op.drop_table("audit_anchor")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("audit_key")
