"""The audit log's hash chain shows an edited, deleted or reordered row."""

from __future__ import annotations

import json

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


# -- keyed (HMAC-SHA256 with the till's audit key) --------------------------------------------------------------

KEY = "ab" * 32


def _recompute(till: Till, key: bytes | None, *, edit: str | None = None, keyed_from: int = 11) -> None:
    """What someone with the file does: edit a row (`edit`: SQL run first), then recompute every row's hash and
    link in order, from `keyed_from` on with `key` (they hold it) or plain SHA-256 (they do not)."""
    from datetime import UTC, datetime

    from localdb import audit as audit_module

    conn = connect_raw(till.db.path)
    with conn:
        if edit:
            conn.execute(edit)
        prev = audit_module.GENESIS_HASH
        rows = conn.execute("SELECT seq, at, staff_code, action, subject, detail FROM audit ORDER BY seq").fetchall()
        for seq, at, staff_code, action, subject, detail in rows:
            when = datetime.fromisoformat(at).replace(tzinfo=UTC)
            row_key = key if seq >= keyed_from else None
            digest = audit_module._row_hash(seq, when, staff_code, action, subject, json.loads(detail), prev, row_key)
            conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
            prev = digest
    conn.close()


@pytest.fixture
def keyed(audited: Till, staff: Staffing) -> Till:
    """The audited till's legacy rows (1-10), its key arriving (row 11), and keyed rows after it (12, 13)."""
    audited.sync.install_audit_key(KEY)
    member = audited.members.enrol(staff.cashier, phone="13900139000", name="李四").member
    audited.ledger.award(staff.cashier, member.id, 500)
    return audited


def test_a_legacy_chain_then_keyed_rows_verify(keyed: Till) -> None:
    check = keyed.verify_audit()
    assert check.ok and check.rows == 13 and check.keyed
    conn = connect_raw(keyed.db.path)
    action, detail = conn.execute("SELECT action, detail FROM audit WHERE seq = 11").fetchone()
    conn.close()
    assert (action, json.loads(detail)) == ("audit_keyed", {"reason": "fetched"})


def test_a_legacy_chain_without_a_key_still_verifies(audited: Till) -> None:
    check = audited.verify_audit()
    assert check.ok and not check.keyed


def test_keyed_rows_are_not_plain_sha256(keyed: Till) -> None:
    from datetime import UTC, datetime

    from localdb import audit as audit_module

    conn = connect_raw(keyed.db.path)
    seq, at, staff_code, action, subject, detail, prev, stored = conn.execute(
        "SELECT seq, at, staff_code, action, subject, detail, prev_hash, hash FROM audit WHERE seq = 12"
    ).fetchone()
    conn.close()
    when = datetime.fromisoformat(at).replace(tzinfo=UTC)
    plain = audit_module._row_hash(seq, when, staff_code, action, subject, json.loads(detail), prev)
    assert stored != plain


def test_an_edited_keyed_row_is_found(keyed: Till) -> None:
    _tamper(keyed, "UPDATE audit SET staff_code = 'M001' WHERE seq = 13")
    assert (keyed.verify_audit().first_bad_seq, keyed.verify_audit().problem) == (13, "edited")


def test_recomputing_the_chain_with_plain_sha256_is_found(keyed: Till) -> None:
    """Someone with the file but not the key rewrites a row and recomputes the whole chain: the keyed rows fail."""
    _recompute(keyed, None, edit="UPDATE audit SET staff_code = 'M001' WHERE seq = 13")
    check = keyed.verify_audit()
    assert (check.first_bad_seq, check.problem) == (11, "edited")


def test_deleting_the_key_and_recomputing_is_found(keyed: Till) -> None:
    _tamper(keyed, "DELETE FROM audit_key")
    _recompute(keyed, None, edit="UPDATE audit SET staff_code = 'M001' WHERE seq = 13")
    check = keyed.verify_audit()
    assert (check.first_bad_seq, check.problem) == (11, "key_missing")


def test_moving_the_keys_start_is_found(keyed: Till) -> None:
    """Moving the key's start past the keyed rows (to pass them off as plain SHA-256) is found."""
    _tamper(keyed, "UPDATE audit_key SET from_seq = 14")
    _recompute(keyed, None)
    check = keyed.verify_audit()
    assert check.first_bad_seq == 11 and not check.ok


def test_recomputing_with_the_key_passes_the_local_check(keyed: Till) -> None:
    """What the chain alone cannot show (the server's anchor does: tests/integration/test_audit_anchor.py)."""
    _recompute(keyed, bytes.fromhex(KEY), edit="UPDATE audit SET staff_code = 'M001' WHERE seq = 13")
    assert keyed.verify_audit().ok
