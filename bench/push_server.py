"""The server's share of a push, alone: 500-item batches of award entries applied by `server.push.push` in this
process, on a copy of the demo database `bench/sync.py` built (no HTTP, no till beside it).

    .venv/bin/python bench/push_server.py --members 100000 [--batches 40] [--backend sqlite|postgres]

Each batch is decoded from its JSON bytes as the API does (`PushRequest.model_validate_json`) and applied; the first
4 batches (the members' purchase windows read from the ledger for the first time) are left out of the figures.
Prints the median, fastest and slowest batch and `entries/s` at the median. On PostgreSQL the database itself is used
(the entries stay in it). Results in docs/performance.md ("Push").
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from uuid6 import uuid7

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `sync` is the project's package, not bench/sync.py

from protocol.limits import MAX_PUSH_ITEMS
from protocol.wire import PushRequest
from server.auth import AuthenticatedDevice
from server.db import ServerDatabase
from server.push import push

DATA = Path(__file__).resolve().parent / "data"
WARM_UP = 4


def database_url(backend: str, members: int, work: Path) -> str:
    if backend == "postgres":
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/md_bench_{members}"
    source = DATA / f"server-{members}.sqlite3"
    if not source.exists():
        raise SystemExit(f"{source} is missing: run bench/sync.py --members {members} first")
    copy = work / "server.sqlite3"
    with sqlite3.connect(source) as original, sqlite3.connect(copy) as target:
        original.backup(target)
    return f"sqlite:///{copy}"


def batches(count: int, device: AuthenticatedDevice, members: list[str], seq: int) -> list[bytes]:
    """`count` push requests of award entries spread over `members`, as a till encodes them."""
    requests = []
    for k in range(count):
        items = []
        for i in range(MAX_PUSH_ITEMS):
            seq += 1
            entry_id, now = str(uuid7()), datetime.now(UTC).isoformat()
            body = {"id": entry_id, "member_id": members[(k * MAX_PUSH_ITEMS + i) % len(members)], "kind": "earn",
                    "points": 10, "amount_cents": 1_000 + i, "bill_cents": 1_000 + i, "receipt_no": None,
                    "rule_version": 1, "staff_code": "C001", "approved_by": None, "store_code": device.store_code,
                    "device_id": device.id, "created_at": now, "reverses": None, "offline": False, "bonuses": [],
                    "birthday_month": False}  # fmt: skip
            items.append({"id": entry_id, "till_seq": seq, "type": "point_entry", "created_at": now, "body": body})
        requests.append(json.dumps({"items": items}).encode())
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="md-push-bench-") as folder:
        db = ServerDatabase.open(database_url(args.backend, args.members, Path(folder)))
        try:
            with db.read() as session:
                row = session.execute(text("SELECT d.id, d.name, d.store_id, s.code, d.last_till_seq FROM device d "
                                           "JOIN store s ON s.id = d.store_id LIMIT 1")).one()  # fmt: skip
                members = list(session.scalars(text("SELECT id FROM member WHERE phone IS NOT NULL LIMIT 1000")))
            device = AuthenticatedDevice(id=row[0], name=row[1], store_id=row[2], store_code=row[3])
            seconds = []
            for raw in batches(args.batches, device, members, row[4]):
                started = time.perf_counter()
                answers = push(db, device, PushRequest.model_validate_json(raw))
                seconds.append(time.perf_counter() - started)
                if any(answer.status.value != "applied" for answer in answers):
                    raise SystemExit("a pushed entry was not applied")
        finally:
            db.close()
    timed = seconds[WARM_UP:]
    median = statistics.median(timed)
    print(f"batches of {MAX_PUSH_ITEMS}: median {median * 1000:.1f} ms, fastest {min(timed) * 1000:.1f} ms, "
          f"slowest {max(timed) * 1000:.1f} ms")  # fmt: skip
    print(f"entries/s: {MAX_PUSH_ITEMS / median:,.0f}")


if __name__ == "__main__":
    main()
