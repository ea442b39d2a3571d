"""The ledger's entry kinds are the shared vocabulary's (`protocol.vocabulary.EntryKind`), checked by the typed
outbox body written in the same transaction as the entry: the table no longer lists them in a CHECK, so a new kind
needs no table rebuild on every till.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("point_entry", recreate="always") as batch:
        batch.drop_constraint("ck_point_entry_kind", type_="check")


def downgrade() -> None:
    with op.batch_alter_table("point_entry", recreate="always") as batch:
        batch.create_check_constraint("ck_point_entry_kind", "kind IN ('earn', 'redeem', 'reverse', 'adjust')")
