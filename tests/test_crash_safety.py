"""A till killed mid-award (kill -9, as a power cut or a crash would) leaves a sound database: integrity check
passes, every ledger row has its outbox row and every point-entry outbox row its ledger row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from localdb.database import connect_raw
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.roles import Role

ROOT = Path(__file__).resolve().parents[1]

AWARD_LOOP = """
import sys
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.roles import Role
till = Till.open(__import__("pathlib").Path(sys.argv[1]))
actor = StaffSession("C001", "收银", Role.CASHIER)
print("ready", flush=True)
n = 0
while True:
    n += 1
    till.ledger.award(actor, sys.argv[2], 1000 + n % 5000)
"""


@pytest.mark.slow
def test_kill_9_in_a_loop_of_awards_leaves_a_sound_database(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    till = Till.open(path)
    member = till.members.enrol(StaffSession("M001", "店长", Role.MANAGER), phone="13800138000", name="张三").member.id
    till.close()

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_no in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", AWARD_LOOP, str(path), member], stdout=subprocess.PIPE, env=env, cwd=ROOT
        )
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        time.sleep(0.15 + 0.07 * round_no)  # kill at a different point of the loop each round
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)

    conn = connect_raw(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        entries = conn.execute("SELECT count(*) FROM point_entry").fetchone()[0]
        assert entries > 0
        orphans = conn.execute(
            "SELECT count(*) FROM point_entry WHERE id NOT IN (SELECT item_id FROM outbox WHERE type='point_entry')"
        ).fetchone()[0]
        unbacked = conn.execute(
            "SELECT count(*) FROM outbox WHERE type='point_entry' AND item_id NOT IN (SELECT id FROM point_entry)"
        ).fetchone()[0]
        assert (orphans, unbacked) == (0, 0)
        audited = conn.execute("SELECT count(*) FROM audit WHERE action = 'earn'").fetchone()[0]
        assert audited == entries
        seqs = [row[0] for row in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        conn.close()

    reopened = Till.open(path)
    try:
        assert reopened.verify_audit().ok
        view = reopened.members.get(StaffSession("M001", "店长", Role.MANAGER), member)
        assert view.available_points > 0
    finally:
        reopened.close()
