"""The audit log's hash chain shows an edited, deleted or reordered row."""

from __future__ import annotations

import pytest

from localdb.database import connect_raw
from localdb.till import Till
from tests.conftest import Staffing


@pytest.fixture
def audited(till: Till, staff: Staffing) -> Till:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    for amount in (1_000, 2_000, 3_000):
        till.ledger.award(staff.cashier, member.id, amount)
    return till


def _tamper(till: Till, *statements: str) -> None:
    conn = connect_raw(till.db.path)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


def test_untouched_chain_verifies(audited: Till) -> None:
    check = audited.verify_audit()
    assert check.ok and check.rows == 10  # 3 staff, 3 logins, enrol, 3 awards


def test_edited_row_is_found(audited: Till) -> None:
    _tamper(audited, "UPDATE audit SET staff_code = 'M001' WHERE seq = 8")
    check = audited.verify_audit()
    assert (check.first_bad_seq, check.problem) == (8, "edited")


def test_edited_detail_is_found(audited: Till) -> None:
    _tamper(audited, """UPDATE audit SET detail = json_set(detail, '$.points', 1000) WHERE seq = 9""")
    assert audited.verify_audit().first_bad_seq == 9


def test_deleted_row_is_found(audited: Till) -> None:
    _tamper(audited, "DELETE FROM audit WHERE seq = 5")
    check = audited.verify_audit()
    assert (check.first_bad_seq, check.problem) == (5, "missing")


def test_reordered_rows_are_found(audited: Till) -> None:
    # Swap two rows' positions, keeping each row's own hash: the chain no longer links.
    _tamper(
        audited,
        "UPDATE audit SET seq = -1 WHERE seq = 8",
        "UPDATE audit SET seq = 8 WHERE seq = 9",
        "UPDATE audit SET seq = 9 WHERE seq = -1",
    )
    check = audited.verify_audit()
    assert check.first_bad_seq == 8 and check.problem in {"relinked", "edited"}


def test_forged_row_with_recomputed_hash_breaks_the_next_link(audited: Till) -> None:
    """Rewriting a row and its own hash is not enough: the next row still points at the old hash."""
    from localdb import audit as audit_module

    conn = connect_raw(audited.db.path)
    seq, at, subject, prev = conn.execute("SELECT seq, at, subject, prev_hash FROM audit WHERE seq = 8").fetchone()
    conn.close()
    from datetime import UTC, datetime

    forged = audit_module._row_hash(
        seq, datetime.fromisoformat(at).replace(tzinfo=UTC), "M001", "earn", subject, {}, prev
    )
    _tamper(audited, f"UPDATE audit SET staff_code = 'M001', detail = '{{}}', hash = '{forged}' WHERE seq = 8")
    check = audited.verify_audit()
    assert (check.first_bad_seq, check.problem) == (9, "relinked")
