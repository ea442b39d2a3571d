"""The till's POS interface served for real on 127.0.0.1 (a free port) over a fresh till, with real httpx."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from localdb.member_view import MemberView
from localdb.models import Member
from localdb.staff import StaffSession
from localdb.till import Till
from posapi.app import create_pos_app
from posapi.pending import PendingSales
from posapi.schemas import SaleResponse
from posapi.secret import pos_secret
from posapi.service import PosService
from posapi.serving import PosApiServer
from tests.conftest import Staffing


@dataclass
class PosHandle:
    till: Till
    url: str
    secret: str
    http: httpx.Client  # authenticated
    pending: PendingSales
    committed: list[SaleResponse]  # what on_commit saw


def serve_pos(till: Till, actor: StaffSession | None, database: Path) -> tuple[PosApiServer, PosHandle]:
    committed: list[SaleResponse] = []
    service = PosService(till, lambda: actor, on_commit=committed.append)
    pending = PendingSales(service.confirm_pending)
    secret = pos_secret(database)
    server = PosApiServer(create_pos_app(service, secret, pending), port=0)
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    return server, PosHandle(till, server.url, secret, http, pending, committed)


@pytest.fixture
def pos(till: Till, staff: Staffing) -> Iterator[PosHandle]:
    server, handle = serve_pos(till, staff.cashier, till.db.path)
    try:
        yield handle
    finally:
        handle.http.close()
        server.stop()


@pytest.fixture
def member(till: Till, staff: Staffing) -> MemberView:
    return till.members.enrol(staff.cashier, phone="13800138000", name="张三", birthday=date(1990, 1, 9)).member


def line(no: int, cents: int, quantity: int | str = 1, category: str = "生鲜") -> dict[str, object]:
    return {"line_no": no, "sku": f"SKU{no}", "name": f"商品{no}", "category": category, "quantity": quantity,
            "amount_cents": cents}  # fmt: skip


TEN_OFF: dict[str, Any] = {
    "code": "ten", "name": {"zh_CN": "满 100 减 10", "en": "10 yuan off 100"}, "kind": "amount_off",
    "amount_off_cents": 1_000, "min_spend_cents": 10_000, "valid_days": 30,
}  # fmt: skip
TWENTY_PCT: dict[str, Any] = {
    "code": "pct", "name": {"zh_CN": "8 折券", "en": "20 % off"}, "kind": "percent_off", "percent_off": 20,
    "cap_cents": 3_000, "valid_days": 30, "stackable": True,
}  # fmt: skip


def hold(till: Till, member_id: str, *coupons: tuple[str, dict[str, Any]]) -> None:
    """The member holds these coupons (id, template), as a pull would have written them."""
    today = till.today()
    pulled = [{"id": coupon_id, "template": template, "first_day": (today - timedelta(days=1)).isoformat(),
               "last_day": (today + timedelta(days=29)).isoformat()} for coupon_id, template in coupons]  # fmt: skip
    with till.db.write() as session:
        session.execute(update(Member).where(Member.id == member_id).values(coupons=pulled))
