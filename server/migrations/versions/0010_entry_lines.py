"""Purchase lines kept one row per sale (`entry_lines`: the sale's lines as one JSON array, as the POS sent them)
instead of one row per line (`purchase_line`, dropped). A push of sales with 5-20 lines wrote ~12 rows a sale, each
with its primary key and a (member, time) index entry at one random leaf per member: the largest cost of a push
(docs/performance.md, "Purchase lines stored per sale"). The member and time of a sale's lines are its ledger
entry's (or its `sale` row's); a refund's lines, stored negative before, are stored as given back (positive): the
refund entry's kind says they count against their categories.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_LINE_SQLITE = (
    "json_object('line_no', line_no, 'sku', sku, 'name', name, 'category', category, "
    "'quantity_milli', quantity_milli, 'amount_cents', abs(amount_cents))"
)
_LINE_POSTGRES = (
    "json_build_object('line_no', line_no, 'sku', sku, 'name', name, 'category', category, "
    "'quantity_milli', quantity_milli, 'amount_cents', abs(amount_cents))"
)


def upgrade() -> None:
    op.create_table(
        "entry_lines",
        sa.Column("entry_id", sa.String(length=36), primary_key=True),
        sa.Column("lines", sa.JSON(), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # The subquery's order is the order json_group_array receives its rows in (SQLite 3.40 has no ORDER BY
        # inside an aggregate); tests/server/test_entry_lines_migration.py checks the lines come out in line order.
        op.execute(
            f"INSERT INTO entry_lines (entry_id, lines) SELECT entry_id, json_group_array(json(line)) FROM "  # noqa: S608
            f"(SELECT entry_id, {_LINE_SQLITE} AS line FROM purchase_line ORDER BY entry_id, line_no) GROUP BY entry_id"
        )
    else:
        op.execute(
            f"INSERT INTO entry_lines (entry_id, lines) SELECT entry_id, json_agg({_LINE_POSTGRES} ORDER BY line_no) "  # noqa: S608
            "FROM purchase_line GROUP BY entry_id"
        )
    op.drop_index("ix_purchase_line_member_created", table_name="purchase_line")
    op.drop_table("purchase_line")


def downgrade() -> None:
    op.create_table(
        "purchase_line",
        sa.Column("entry_id", sa.String(length=36), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("store_code", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_purchase_line_member_created", "purchase_line", ["member_id", "created_at"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    each = "json_each(e.lines) AS j" if sqlite else "json_array_elements(e.lines) AS j(value)"

    def field(name: str, cast: str) -> str:
        return f"json_extract(j.value, '$.{name}')" if sqlite else f"(j.value->>'{name}')::{cast}"

    line = (
        f"{field('line_no', 'integer')}, {{member}}, {{owner}}.store_code, {{owner}}.created_at, "
        f"{field('sku', 'varchar')}, {field('name', 'varchar')}, {field('category', 'varchar')}, "
        f"{field('quantity_milli', 'bigint')}, {{sign}} * {field('amount_cents', 'bigint')}"
    )
    names = "entry_id, line_no, member_id, store_code, created_at, sku, name, category, quantity_milli, amount_cents"
    refund_sign = "CASE WHEN l.kind = 'refund' THEN -1 ELSE 1 END"
    of_entries = line.format(member="l.member_id", owner="l", sign=refund_sign)
    of_sales = line.format(member="NULL", owner="s", sign="1")
    op.execute(
        f"INSERT INTO purchase_line ({names}) SELECT e.entry_id, {of_entries} "  # noqa: S608
        f"FROM entry_lines e JOIN ledger_entry l ON l.id = e.entry_id, {each}"
    )
    op.execute(
        f"INSERT INTO purchase_line ({names}) SELECT e.entry_id, {of_sales} "  # noqa: S608
        f"FROM entry_lines e JOIN sale s ON s.id = e.entry_id, {each}"
    )
    op.drop_table("entry_lines")
