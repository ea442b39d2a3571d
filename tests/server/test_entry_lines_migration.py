"""Migration 0010 moves purchase lines from one row per line (`purchase_line`) to one JSON array per sale
(`entry_lines`) without losing or reordering a line, a refund's lines stored as given back, and its downgrade puts
every line back with its member, store, time and sign (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alembic import command
from sqlalchemy import JSON, Boolean, DateTime, Integer, MetaData, Numeric, String, create_engine, insert, select

from server.db import alembic_config

NOW = datetime(2026, 11, 30, 8, 0, 0)


def _row(table: Any, **given: Any) -> dict[str, Any]:
    """`given`, and a plain value for every other NOT NULL column without a default."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        kind = column.type
        if isinstance(kind, DateTime):
            row[column.name] = NOW
        elif isinstance(kind, Boolean):
            row[column.name] = False
        elif isinstance(kind, Integer | Numeric):
            row[column.name] = 0
        elif isinstance(kind, JSON):
            row[column.name] = []
        elif isinstance(kind, String):
            row[column.name] = "x"
    return row


def _line(entry_id: str, number: int, cents: int, member: str | None, store: str = "S001") -> dict[str, Any]:
    return {"entry_id": entry_id, "line_no": number, "member_id": member, "store_code": store, "created_at": NOW,
            "sku": f"SKU{number}", "name": f"商品{number}", "category": "母婴" if number % 2 else "生鲜",
            "quantity_milli": 1000 * number, "amount_cents": cents}  # fmt: skip


def test_lines_move_to_one_row_per_sale_and_back(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        config = alembic_config(engine)
        command.upgrade(config, "0009")  # a new SQLite file
        command.downgrade(config, "0009")  # PostgreSQL's test database, emptied but at the newest schema
        meta = MetaData()
        meta.reflect(engine)
        member, ledger, sale, lines = (meta.tables[n] for n in ("member", "ledger_entry", "sale", "purchase_line"))
        earn_lines = [_line("E1", 3, 700, "M1"), _line("E1", 1, 1_000, "M1"), _line("E1", 2, 300, "M1")]
        before = [*earn_lines, _line("R1", 2, -300, "M1"), _line("S1", 1, 450, None, "S002")]
        with engine.begin() as connection:
            connection.execute(insert(member), [_row(member, id="M1", phone="+8613900139000", version=1)])
            connection.execute(
                insert(ledger),
                [_row(ledger, id="E1", member_id="M1", kind="earn", points=20, amount_cents=2_000,
                      store_code="S001", created_at=NOW),
                 _row(ledger, id="R1", member_id="M1", kind="refund", points=-3, amount_cents=300,
                      store_code="S001", created_at=NOW, refund_of="E1")],
            )  # fmt: skip
            connection.execute(insert(sale), [_row(sale, id="S1", store_code="S002", created_at=NOW)])
            connection.execute(insert(lines), before)  # out of line order, as rows may be stored

        command.upgrade(config, "head")
        with engine.connect() as connection:
            kept = {row.entry_id: row.lines for row in connection.execute(select(_table(engine, "entry_lines")))}
        assert [line["line_no"] for line in kept["E1"]] == [1, 2, 3]
        assert kept["E1"][0] == {"line_no": 1, "sku": "SKU1", "name": "商品1", "category": "母婴",
                                 "quantity_milli": 1000, "amount_cents": 1_000}  # fmt: skip
        assert [(line["line_no"], line["amount_cents"]) for line in kept["R1"]] == [(2, 300)]  # as given back
        assert [(line["line_no"], line["amount_cents"]) for line in kept["S1"]] == [(1, 450)]

        command.downgrade(config, "0009")
        restored = MetaData()
        restored.reflect(engine)
        columns = ("entry_id", "line_no", "member_id", "store_code", "created_at", "sku", "name", "category",
                   "quantity_milli", "amount_cents")  # fmt: skip
        with engine.connect() as connection:
            table = restored.tables["purchase_line"]
            back = [row._asdict() for row in connection.execute(select(*(table.c[name] for name in columns)))]
        assert sorted(back, key=lambda r: (r["entry_id"], r["line_no"])) == sorted(
            before, key=lambda r: (r["entry_id"], r["line_no"])
        )
    finally:
        command.upgrade(alembic_config(engine), "head")  # as the next test expects the shared database
        engine.dispose()


def _table(engine: Any, name: str) -> Any:
    meta = MetaData()
    meta.reflect(engine, only=[name])
    return meta.tables[name]
