"""A POS committing sales through the till's local POS interface (real HTTP on 127.0.0.1), and the award's write
path against a raw SQLCipher transaction writing the same rows.

    .venv/bin/python bench/pos.py [--members 100000] [--sales 500] [--db PATH] [--ratio-samples 300] [--seed 7]

Builds (or reuses) a till store of M synthetic members with `bench.lookup.open_store` (bench/lookup.py builds the
1,000,000-member store the same way: `--members 1000000`; 100,000 is the default so a run takes a minute or two),
serves `posapi` on a free loopback port, and for N sales to random members, each of 5 to 20 lines, times quote →
commit (`POST /pos/v1/quotes` then `POST /pos/v1/sales`, one client, one after the other) and prints its median and
p99 and the commits per second.

Then `ratio:` — the median of an award through the service (`LedgerService.award` with its lines: ledger row, the
member's last visit, sale lines, outbox row, audit row, in one `BEGIN IMMEDIATE`) over the median of a raw
SQLCipher transaction (`connect_raw`, the same file and key, synchronous=FULL) writing the same rows by hand,
interleaved sample by sample. Goals (issue 16): median ≤ 30 ms, p99 ≤ 100 ms, ratio ≤ 3. Results are recorded in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.lookup import open_store, pick_samples
from localdb.database import connect_raw
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.roles import Role
from posapi.app import create_pos_app
from posapi.pending import PendingSales
from posapi.secret import pos_secret
from posapi.service import PosService
from posapi.serving import PosApiServer
from protocol.wire import SaleLine

CATEGORIES = ("生鲜", "乳品", "日化", "冷冻", "粮油", "饮料", "零食", "烟酒")


def _lines(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"line_no": no, "sku": f"69{rng.getrandbits(40):012d}"[:13], "name": f"商品{no}",
         "category": rng.choice(CATEGORIES), "quantity": rng.choice([1, 2, 3, "0.350", "1.250"]),
         "amount_cents": rng.randint(100, 20_000)}
        for no in range(1, rng.randint(5, 20) + 1)
    ]  # fmt: skip


def _p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_api(till: Till, member_ids: list[str], rng: random.Random) -> tuple[list[float], float]:
    actor = StaffSession("C001", "bench", Role.CASHIER)
    service = PosService(till, lambda: actor)
    secret = pos_secret(till.db.path)
    server = PosApiServer(create_pos_app(service, secret, PendingSales(service.confirm_pending)), port=0)
    run = uuid.uuid4().hex[:8]
    latencies: list[float] = []
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"}) as pos:
            for i, member_id in enumerate(member_ids, start=-20):  # the first 20: warm-up, not counted
                lines = _lines(rng)
                total = sum(int(line["amount_cents"]) for line in lines)
                sale = {"receipt_no": f"B{run}-{i}", "total_cents": total - total // 20, "lines": lines,
                        "member": {"member_id": member_id}}  # fmt: skip
                started = time.perf_counter()
                quote = pos.post("/pos/v1/quotes", json=sale)
                committed = pos.post("/pos/v1/sales", json=sale)
                elapsed = time.perf_counter() - started
                if quote.status_code != 200 or committed.status_code != 200:
                    raise SystemExit(f"refused: {quote.status_code} {committed.status_code} {committed.text}")
                if i >= 0:
                    latencies.append(elapsed)
    finally:
        server.stop()
    commits = len(latencies) / sum(latencies)
    return latencies, commits


# -- the write path against raw SQLCipher ---------------------------------------------------------------------------


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _raw_award(conn: Any, member_id: str, lines: list[SaleLine], amount: int, receipt: str) -> None:
    """The rows an award writes, by hand: ledger, the member's last visit, sale lines, outbox (item, body), audit."""
    now = datetime.now(UTC)
    at = _stamp(now)
    entry_id = str(uuid.uuid4())
    body = {"id": entry_id, "member_id": member_id, "kind": "earn", "points": amount // 100, "amount_cents": amount,
            "receipt_no": receipt, "rule_version": 1, "staff_code": "C001", "store_code": "S001",
            "device_id": "bench", "created_at": now.isoformat(),
            "lines": [line.model_dump() for line in lines]}  # fmt: skip
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO point_entry (id, member_id, kind, points, amount_cents, receipt_no, rule_version, staff_code, "
        "store_code, device_id, created_at, offline, sync_state) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,'pending')",
        (entry_id, member_id, "earn", amount // 100, amount, receipt, 1, "C001", "S001", "bench", at),
    )
    conn.execute("UPDATE member SET last_visit_at = ? WHERE id = ?", (at, member_id))
    conn.executemany(
        "INSERT INTO sale_line (entry_id, line_no, sku, name, category, quantity_milli, amount_cents) "
        "VALUES (?,?,?,?,?,?,?)",
        [(entry_id, x.line_no, x.sku, x.name, x.category, x.quantity_milli, x.amount_cents) for x in lines],
    )
    outbox = conn.execute(
        "INSERT INTO outbox (item_id, type, created_at, attempts) VALUES (?,?,?,0)", (entry_id, "point_entry", at)
    )
    conn.execute(
        "INSERT INTO outbox_body (seq, body) VALUES (?,?)", (outbox.lastrowid, json.dumps(body, ensure_ascii=False))
    )
    seq, prev = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone() or (0, "0" * 64)
    detail = json.dumps({"member_id": member_id, "points": amount // 100, "approved_by": None})
    digest = hashlib.sha256(f"{seq + 1}{at}{detail}{prev}".encode()).hexdigest()
    conn.execute(
        "INSERT INTO audit (seq, at, staff_code, action, subject, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
        (seq + 1, at, "C001", "earn", entry_id, detail, prev, digest),
    )
    conn.execute("COMMIT")


def bench_ratio(till: Till, member_ids: list[str], rng: random.Random) -> tuple[list[float], list[float]]:
    actor = StaffSession("C001", "bench", Role.CASHIER)
    conn = connect_raw(till.db.path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    run = uuid.uuid4().hex[:8]
    service: list[float] = []
    raw: list[float] = []
    try:
        for i, member_id in enumerate(member_ids, start=-20):
            payload = _lines(rng)
            lines = [SaleLine(line_no=x["line_no"], sku=x["sku"], name=x["name"], category=x["category"],
                              quantity_milli=1000, amount_cents=x["amount_cents"]) for x in payload]  # fmt: skip
            amount = sum(x.amount_cents for x in lines)
            order = (0, 1) if i % 2 == 0 else (1, 0)  # who goes first alternates: the same cache for both
            for which in order:
                started = time.perf_counter()
                if which == 0:
                    till.ledger.award(actor, member_id, amount, receipt_no=f"S{run}-{i}", lines=lines)
                else:
                    _raw_award(conn, member_id, lines, amount, f"R{run}-{i}")
                elapsed = time.perf_counter() - started
                if i >= 0:
                    (service if which == 0 else raw).append(elapsed)
    finally:
        conn.close()
    return service, raw


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--sales", type=int, default=500)
    parser.add_argument("--ratio-samples", type=int, default=300)
    parser.add_argument("--db", type=Path, default=None, help="store file (default bench/data/pos-M.sqlite3)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    db = args.db or Path(__file__).resolve().parent / "data" / f"pos-{args.members}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    till, _key = open_store(db, args.members)
    try:
        picked = [s.member_id for s in pick_samples(db, args.members, min(args.members, args.sales + 20), rng)]
        gc.collect()
        latencies, commits = bench_api(till, picked, rng)
        print(f"POS sales through the local API: {len(latencies)} sales of 5-20 lines, {args.members:,} members")
        print(f"  quote+commit median: {_ms(statistics.median(latencies))}")
        print(f"  quote+commit p99:    {_ms(_p99(latencies))}")
        print(f"  commits/s:           {commits:.1f}")
        again = [s.member_id for s in pick_samples(db, args.members, min(args.members, args.ratio_samples + 20), rng)]
        service, raw = bench_ratio(till, again, rng)
        print(f"award write path, {len(service)} samples: service median {_ms(statistics.median(service))} "
              f"(p99 {_ms(_p99(service))}), raw SQLCipher median {_ms(statistics.median(raw))} "
              f"(p99 {_ms(_p99(raw))})")  # fmt: skip
        print(f"ratio: {statistics.median(service) / statistics.median(raw):.2f}")
    finally:
        till.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
