"""The till's POS interface served for real on 127.0.0.1 (a free port) over a fresh till, with real httpx."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from localdb.member_view import MemberView
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
