"""`ix_ledger_created`: the ledger by time, so the health board's windows (`server.health_board`: today, 7 and 30
days) read only their own entries instead of the whole ledger (1.4 s a board at 100,000 demo members without it).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_created", "ledger_entry", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_created", "ledger_entry")
