"""Sync bookkeeping: which server version includes an entry, outbox results, pulled preferences, device token,
and a row per sync run for the manager's report.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("point_entry") as batch:
        batch.add_column(sa.Column("server_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("member", sa.String(length=36), nullable=True))
    with op.batch_alter_table("preference") as batch:
        batch.add_column(sa.Column("synced", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("device_token", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("store_name", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("sync_blocked", sa.String(length=32), nullable=True))
    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("pulled", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("sync_run")
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("sync_blocked")
        batch.drop_column("store_name")
        batch.drop_column("device_token")
    with op.batch_alter_table("preference") as batch:
        batch.drop_column("synced")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("member")
    with op.batch_alter_table("point_entry") as batch:
        batch.drop_column("server_version")
