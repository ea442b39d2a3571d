"""The gift catalogue on the server (积分兑换礼品, issue 18), on both databases: head office adds items and sets a
store's stock from the command line (a bad document or an unknown store or SKU refused in words); the config carries
the catalogue with the device's store's stock; a gift entry a till pushes is applied at the catalogue's price
(flagged when the till took another), lowers the store's stock, and is flagged `out_of_stock` when there was none
(the stock goes below 0: handed out offline all the same); an item not in the catalogue is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server import cli
from server.db import ServerDatabase
from server.models import GiftStock, LedgerEntry, Member
from tests.server.conftest import STORE, Till

BAG: dict[str, Any] = {"sku": "GIFT-BAG", "name": {"zh_CN": "环保购物袋", "en": "Tote bag"}, "points": 500}


def _admin(db: ServerDatabase, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["admin", "--db", str(db.engine.url.render_as_string(hide_password=False)), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _gift_entry(till: Till, member_id: str, points: int, sku: str = "GIFT-BAG") -> dict[str, Any]:
    item = till.entry(member_id, -points, "redeem")
    item["body"] |= {"kind": "gift", "gift_sku": sku, "bill_cents": None}
    return item


def _stock(db: ServerDatabase) -> int:
    with db.read() as session:
        row = session.get(GiftStock, (STORE, "GIFT-BAG"))
        return -999 if row is None else row.stock


def test_head_office_keeps_the_catalogue_and_the_stock_and_refuses_in_words(
    db: ServerDatabase, till: Till, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "bag.json"
    document.write_text(json.dumps(BAG, ensure_ascii=False), encoding="utf-8")
    assert _admin(db, capsys, "gift", str(document))[:2] == (0, "gift GIFT-BAG added\n")
    assert _admin(db, capsys, "gift-stock", STORE, "GIFT-BAG", "3")[0] == 0
    code, out, _ = _admin(db, capsys, "gifts", STORE)
    assert code == 0 and json.loads(out) == BAG | {"stock": 3}

    document.write_text(json.dumps(BAG | {"points": 0}), encoding="utf-8")
    code, _, err = _admin(db, capsys, "gift", str(document))
    assert code == 1 and "invalid gift: points" in err and "Traceback" not in err
    assert "no gift NOPE" in _admin(db, capsys, "gift-stock", STORE, "NOPE", "1")[2]
    assert "no store S999" in _admin(db, capsys, "gift-stock", "S999", "GIFT-BAG", "1")[2]

    config = till.get("/v1/config").json()
    assert config["gifts"] == [BAG | {"stock": 3}]


def test_a_pushed_gift_lowers_the_stock_at_its_price_and_an_empty_shelf_is_flagged(
    db: ServerDatabase, till: Till, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "bag.json"
    document.write_text(json.dumps(BAG, ensure_ascii=False), encoding="utf-8")
    _admin(db, capsys, "gift", str(document))
    _admin(db, capsys, "gift-stock", STORE, "GIFT-BAG", "1")
    member = till.enrolled()
    till.push_ok(till.entry(member, 2_000))
    answers = till.push_ok(
        _gift_entry(till, member, 500),  # the last bag on the shelf
        _gift_entry(till, member, 300),  # a till that took too few points: the price applies
        _gift_entry(till, member, 500, sku="GIFT-CUP"),  # not in the catalogue
    )
    assert [(a["status"], a["reason"]) for a in answers] == [
        ("applied", None), ("flagged", "points_over_rule"), ("rejected", "unknown_gift")]  # fmt: skip
    assert _stock(db) == -1  # two handed out, one there
    with db.read() as session:
        kept = session.get(Member, member)
        assert kept is not None and kept.balance == 2_000 - 500 - 500
        skus = [e.gift_sku for e in session.query(LedgerEntry).filter(LedgerEntry.kind == "gift")]
        assert skus == ["GIFT-BAG", "GIFT-BAG"]
    [third] = till.push_ok(_gift_entry(till, member, 500))
    assert (third["status"], third["reason"]) == ("flagged", "out_of_stock")
