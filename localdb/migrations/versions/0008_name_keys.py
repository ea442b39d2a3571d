"""Names found by pinyin and initials: `member.name_pinyin` and `member.name_initials` (loyalty.name_keys), indexed,
filled for the members the till already holds.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from loyalty.name_keys import name_keys

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("name_pinyin", sa.String(length=160), nullable=False, server_default=""))
        batch.add_column(sa.Column("name_initials", sa.String(length=64), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM member")).fetchall()
    if rows:
        conn.execute(
            sa.text("UPDATE member SET name_pinyin = :pinyin, name_initials = :initials WHERE id = :id"),
            [dict(zip(("pinyin", "initials"), name_keys(name or ""), strict=True), id=member_id)
             for member_id, name in rows],
        )  # fmt: skip
    op.create_index("ix_member_name_pinyin", "member", ["name_pinyin"])
    op.create_index("ix_member_name_initials", "member", ["name_initials"])


def downgrade() -> None:
    op.drop_index("ix_member_name_initials", table_name="member")
    op.drop_index("ix_member_name_pinyin", table_name="member")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("name_initials")
        batch.drop_column("name_pinyin")
