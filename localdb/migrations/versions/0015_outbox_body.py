"""What a push's answers rewrite at the till, made small (docs/performance.md, "Purchase lines stored per sale"):

- an outbox item's body goes to a table of its own (`outbox_body`, written once), out of the `outbox` row that is
  updated as the item is sent and answered. With a sale's purchase lines a body is ~2 KB: in the row, each of those
  updates rewrote — and, the file being encrypted, re-encrypted — about a page per item;
- the ledger's member index no longer holds `sync_state` (`ix_point_entry_member_state` becomes
  `ix_point_entry_member_created`): each answer changed it, a delete and an insert at a random leaf of the index per
  entry. The member's pending points read the member's entries by `member_id` either way; their recent entries now
  come in time order from the index.

`ALTER TABLE … DROP COLUMN` rewrites the outbox once (SQLite 3.35+, as SQLCipher 4 bundles).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_body",
        sa.Column("seq", sa.Integer(), sa.ForeignKey("outbox.seq"), primary_key=True),
        sa.Column("body", sa.JSON(), nullable=False),
    )
    op.execute("INSERT INTO outbox_body (seq, body) SELECT seq, body FROM outbox ORDER BY seq")
    op.execute("ALTER TABLE outbox DROP COLUMN body")
    op.drop_index("ix_point_entry_member_state", table_name="point_entry")
    op.create_index("ix_point_entry_member_created", "point_entry", ["member_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_point_entry_member_created", table_name="point_entry")
    op.create_index("ix_point_entry_member_state", "point_entry", ["member_id", "sync_state"])
    op.execute("ALTER TABLE outbox ADD COLUMN body JSON NOT NULL DEFAULT '{}'")
    op.execute("UPDATE outbox SET body = (SELECT body FROM outbox_body WHERE outbox_body.seq = outbox.seq)")
    op.drop_table("outbox_body")
