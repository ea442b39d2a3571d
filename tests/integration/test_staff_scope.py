"""Which staff PIN hashes a till receives, through a real server and real httpx: its own store's staff and the
chain-wide managers only; a chain-wide cashier reaches no till; a staff member moved to another store disappears
(PIN hash and all) from the old store's till at its next sync and can log in at the new one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from localdb.errors import Problem, StoreError
from localdb.models import Staff
from loyalty.roles import Role
from server import admin
from tests.integration.conftest import OTHER_STORE, LiveServer, TillFactory, TillHandle


def _hashes(handle: TillHandle) -> dict[str, str]:
    """The staff this till can check a PIN for: code -> stored hash (active rows with a hash)."""
    with handle.till.db.read() as session:
        rows = session.execute(select(Staff.code, Staff.pin_hash, Staff.active)).all()
    return {code: pin_hash for code, pin_hash, active in rows if active and pin_hash}


def test_a_till_gets_its_own_store_and_the_chain_wide_managers_only(make_till: TillFactory, server: LiveServer) -> None:
    admin.add_staff(server.db, "A001", "区域经理", "manager", "2580")  # chain-wide manager
    admin.add_staff(server.db, "W001", "全店收银", "cashier", "1111")  # chain-wide cashier: no till gets it
    admin.add_staff(server.db, "X001", "二店收银", "cashier", "2222", store_code=OTHER_STORE)
    here, there = make_till("here"), make_till("there", store=OTHER_STORE)

    assert set(_hashes(here)) == {"M001", "A001", "C001", "G001"}
    assert set(_hashes(there)) == {"M001", "A001", "X001"}
    with here.till.db.read() as session:
        assert session.scalar(select(Staff.code).where(Staff.code.in_(["W001", "X001"]))) is None
    for handle, code in ((here, "W001"), (here, "X001"), (there, "C001")):
        with pytest.raises(StoreError) as refused:
            handle.till.staff.login(code, "1111" if code == "W001" else "2222")
        assert refused.value.problem is Problem.BAD_CREDENTIALS
    assert there.till.staff.login("A001", "2580").role is Role.MANAGER


def test_staff_moved_to_another_store_leave_the_old_till_at_its_next_sync(
    make_till: TillFactory, server: LiveServer
) -> None:
    here, there = make_till("here"), make_till("there", store=OTHER_STORE)
    assert here.login("C001").role is Role.CASHIER
    admin.add_staff(server.db, "C001", "李收银", "cashier", "1357", store_code=OTHER_STORE)

    assert here.sync().error is None and there.sync().error is None
    assert "C001" not in _hashes(here)
    with here.till.db.read() as session:
        assert session.scalar(select(Staff.pin_hash).where(Staff.code == "C001")) == ""  # no hash left behind
    with pytest.raises(StoreError) as refused:
        here.login("C001")
    assert refused.value.problem is Problem.BAD_CREDENTIALS
    assert there.login("C001").role is Role.CASHIER
