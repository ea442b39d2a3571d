"""What purchase lines cost a push: 500-item batches of award entries carrying `--lines` lines each (5 categories),
applied by `server.push.push` in this process on a copy of a demo database made with
`python -m server --db URL admin demo --members N`, then the same number of batches of entries without lines, and
the CPU time of each batch (the server's own work: decoding, checking, hashing, writing; no HTTP, no till).

    .venv/bin/python bench/push_lines.py --db server.sqlite3 [--batches 24] [--lines 12]

The first 4 batches of each run are left out of the figures (the members' windows read for the first time). Prints
the median batch (wall and CPU) and entries/s of each run. Results in docs/performance.md ("Purchase lines stored per
sale").
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from uuid6 import uuid7

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protocol.limits import MAX_PUSH_ITEMS
from server import admin
from server import push as push_module
from server.auth import AuthenticatedDevice
from server.db import ServerDatabase
from server.push_decode import decode_push

WARM_UP = 4
CATEGORIES = ("生鲜", "冷冻", "母婴", "美妆", "零食饮料")


def requests(count: int, device: AuthenticatedDevice, members: list[str], lines: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        items = []
        for i in range(MAX_PUSH_ITEMS):
            entry_id, now = str(uuid7()), datetime.now(UTC).isoformat()
            amounts = [rng.randint(100, 5_000) for _ in range(lines)]
            body = {"id": entry_id, "member_id": rng.choice(members), "kind": "earn", "points": 10,
                    "amount_cents": sum(amounts), "receipt_no": None, "rule_version": 1, "staff_code": "C001",
                    "approved_by": None, "store_code": device.store_code, "device_id": device.id, "created_at": now,
                    "reverses": None, "offline": False, "bonuses": [], "birthday_month": False,
                    "lines": [{"line_no": n + 1, "sku": f"SKU{n}", "name": f"商品{n}",
                               "category": rng.choice(CATEGORIES), "quantity_milli": 1000, "amount_cents": cents}
                              for n, cents in enumerate(amounts)]}  # fmt: skip
            if not lines:  # a till from before lines
                del body["lines"]
                body["amount_cents"] = 1_000
            items.append({"id": entry_id, "till_seq": i + 1, "type": "point_entry", "created_at": now, "body": body})
        out.append(json.dumps({"items": items}, ensure_ascii=False).encode())
    return out


def run(db: ServerDatabase, device: AuthenticatedDevice, raws: list[bytes]) -> tuple[float, float]:
    """The median wall and CPU seconds of a batch, decoded from its bytes as the API does and applied."""
    seconds, cpu = [], []
    for raw in raws:
        started, started_cpu = time.perf_counter(), time.process_time()
        answers = push_module.push(db, device, decode_push(raw))
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if any(answer.status.value not in ("applied", "flagged") for answer in answers):
            raise SystemExit("a pushed entry was not applied")
    return statistics.median(seconds[WARM_UP:]), statistics.median(cpu[WARM_UP:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a demo server database (SQLite file)")
    parser.add_argument("--batches", type=int, default=24)
    parser.add_argument("--lines", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="md-push-lines-") as folder:
        copy = Path(folder) / "server.sqlite3"
        with sqlite3.connect(args.db) as original, sqlite3.connect(copy) as target:
            original.backup(target)
        db = ServerDatabase.open(f"sqlite:///{copy}")
        try:
            device_id, _token, _store = admin.register_device(
                db, "S001", "bench", admin.make_enrolment_code(db, "S001")
            )
            device = AuthenticatedDevice(id=device_id, name="bench", store_id=1, store_code="S001")
            with db.read() as session:
                members = list(session.scalars(text("SELECT id FROM member WHERE phone IS NOT NULL LIMIT 20000")))
            with_lines = run(db, device, requests(args.batches, device, members, args.lines, 1))
            without = run(db, device, requests(args.batches, device, members, 0, 2))
        finally:
            db.close()
    for name, (median, cpu) in ((f"{args.lines} lines a sale", with_lines), ("no lines", without)):
        print(
            f"{name}: median batch {median * 1000:.1f} ms ({MAX_PUSH_ITEMS / median:,.0f} entries/s), "
            f"CPU {cpu * 1000:.1f} ms ({cpu / MAX_PUSH_ITEMS * 1e6:.0f} µs an entry)"
        )


if __name__ == "__main__":
    main()
