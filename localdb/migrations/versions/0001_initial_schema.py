"""The initial till schema: members, preferences, the ledger, the outbox, sync state, staff, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:00:03.056002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("phone_tail", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("spend_12m_cents", sa.Integer(), nullable=False),
        sa.Column("balance_synced", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=32), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("consent_marketing", sa.Boolean(), nullable=False),
        sa.Column("consent_profile", sa.Boolean(), nullable=False),
        sa.Column("card_serial", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("home_store", sa.String(length=32), nullable=True),
        sa.Column("last_visit_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("gender IN ('F', 'M') OR gender IS NULL", name="ck_member_gender"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_serial"),
        sa.UniqueConstraint("phone"),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_name"), ["name"], unique=False)
        batch_op.create_index("ix_member_tail_visit", ["phone_tail", "last_visit_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("item_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unsent", ["seq"], unique=False, sqlite_where=sa.text("status IS NULL"))

    op.create_table(
        "staff",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("role IN ('cashier', 'guide', 'manager')", name="ck_staff_role"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("server_url", sa.String(length=300), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=True),
        sa.Column("member_code_public_key", sa.String(length=64), nullable=True),
        sa.Column("revoked_cards", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("last_pull_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_sync_state_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "point_entry",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("receipt_no", sa.String(length=64), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=False),
        sa.Column("approved_by", sa.String(length=32), nullable=True),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reverses", sa.String(length=36), nullable=True),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("sync_state", sa.String(length=8), nullable=False),
        sa.Column("sync_reason", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('earn', 'redeem', 'reverse', 'adjust')", name="ck_point_entry_kind"),
        sa.CheckConstraint("sync_state IN ('pending', 'applied', 'flagged', 'rejected')", name="ck_point_entry_sync"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reverses"],
            ["point_entry.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reverses"),
    )
    with op.batch_alter_table("point_entry", schema=None) as batch_op:
        batch_op.create_index("ix_point_entry_created", ["created_at"], unique=False)
        batch_op.create_index("ix_point_entry_member_state", ["member_id", "sync_state"], unique=False)
        batch_op.create_index(
            "ux_point_entry_receipt",
            ["store_code", "receipt_no"],
            unique=True,
            sqlite_where=sa.text("kind = 'earn' AND receipt_no IS NOT NULL"),
        )

    op.create_table(
        "preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("staff_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("preference", schema=None) as batch_op:
        batch_op.create_index("ix_preference_member", ["member_id", "kind"], unique=False)
        batch_op.create_index(
            "ux_preference_active",
            ["member_id", "kind", "value"],
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("preference", schema=None) as batch_op:
        batch_op.drop_index("ux_preference_active", sqlite_where=sa.text("removed_at IS NULL"))
        batch_op.drop_index("ix_preference_member")

    op.drop_table("preference")
    with op.batch_alter_table("point_entry", schema=None) as batch_op:
        batch_op.drop_index("ux_point_entry_receipt", sqlite_where=sa.text("kind = 'earn' AND receipt_no IS NOT NULL"))
        batch_op.drop_index("ix_point_entry_member_state")
        batch_op.drop_index("ix_point_entry_created")

    op.drop_table("point_entry")
    op.drop_table("sync_state")
    op.drop_table("staff")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unsent", sqlite_where=sa.text("status IS NULL"))

    op.drop_table("outbox")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_tail_visit")
        batch_op.drop_index(batch_op.f("ix_member_name"))

    op.drop_table("member")
    op.drop_table("audit")
