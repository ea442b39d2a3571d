"""Every rule set the chain put in force, by version (`rules_version`), so entries made offline under an older
version are checked against the rules their till applied. The rules in force when this runs are its first row.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "rules_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    connection = op.get_bind()
    setting = sa.table("setting", sa.column("key", sa.String()), sa.column("value", sa.JSON()))
    current = connection.execute(sa.select(setting.c.value).where(setting.c.key == "rules")).scalar()
    if current is not None:  # a fresh database gets its first rules when the server seeds its settings
        now = datetime.now(UTC).replace(tzinfo=None)
        op.bulk_insert(table, [{"version": int(current["version"]), "rules": current, "set_at": now}])


def downgrade() -> None:
    op.drop_table("rules_version")
