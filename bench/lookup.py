"""Member lookups at the till, service against raw SQLite: how much the service adds to an indexed query.

    .venv/bin/python bench/lookup.py --members 1000000 [--db PATH] [--samples 2000] [--seed 7]

Builds (or reuses, when the file already holds exactly N members) a till store of N synthetic members
(`bench.synthetic`), created with `Till.open` so the schema comes from the real migrations, with a member-code
signing key kept next to it (PATH + ".signing-key", so a reused store can sign codes again; PATH + ".key" is the
database's own encryption key). Then, for K random members, times each lookup through the service
(`till.members.find_by_phone` / `find_by_tail` / `find_by_code`) and the same columns with an indexed query through
two plain connections: the standard library's `sqlite3` on a clear copy of the file (made fresh each run), and
SQLCipher on the encrypted file itself (keyed with its raw key, as the till is), rotating which of the three goes
first per sample so all see the same cache state. `loyalty.phone`'s range cache is cleared before timing, so every
phone lookup parses its number cold (each sampled phone is looked up once).

The last lines are `ratio vs raw SQLCipher: X.XX` and `ratio: X.XX`, the service median over the raw SQLCipher
and the raw clear `sqlite3` median for the phone lookup. Results are recorded
in docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, insert

from bench.synthetic import synthetic_members
from localdb import cipher
from localdb.database import connect_raw
from localdb.errors import StoreUnavailable
from localdb.keystore import key_file_for
from localdb.member_view import MemberView
from localdb.models import Member
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty import phone as phone_module
from loyalty.member_code import (
    new_signing_key,
    private_key_from_text,
    private_key_to_text,
    public_key_to_text,
    sign_member_code,
)
from loyalty.roles import Role

REPO = Path(__file__).resolve().parents[1]
BATCH = 10_000
PROGRESS_EVERY = 100_000
WARMUP = 200
TAIL_LIMIT = 20  # the service's default CANDIDATE_LIMIT

# The columns of localdb.member_view's compiled queries, written out by hand (pending points included), so the
# baseline is a plain indexed SELECT that owes nothing to the code under test.
_RAW_COLUMNS = """
    member.id, member.name, member.phone, member.phone_tail, member.gender, member.birthday, member.tier,
    member.spend_12m_cents, member.balance_synced,
    (SELECT coalesce(sum(point_entry.points), 0) FROM point_entry
     WHERE point_entry.member_id = member.id AND point_entry.sync_state = 'pending'),
    member.segment, member.tags, member.consent_marketing, member.consent_profile, member.card_serial,
    member.last_visit_at, member.version
"""
RAW_BY_PHONE = f"SELECT {_RAW_COLUMNS} FROM member WHERE phone = ?"
RAW_BY_TAIL = f"SELECT {_RAW_COLUMNS} FROM member WHERE phone_tail = ? ORDER BY last_visit_at DESC LIMIT {TAIL_LIMIT}"
RAW_BY_ID = f"SELECT {_RAW_COLUMNS} FROM member WHERE id = ?"

K = TypeVar("K")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Sample:
    """One existing member as the lookups need it."""

    member_id: str
    phone: str  # E.164
    tail: str
    serial: int

    @property
    def national(self) -> str:
        return self.phone[3:]


@dataclass(frozen=True, slots=True)
class Timings:
    name: str
    service_ns: list[int]
    raw_ns: list[int]  # the standard library's sqlite3 on a clear copy
    cipher_ns: list[int]  # SQLCipher on the encrypted file
    mismatches: int


# -- the store ----------------------------------------------------------------------------------------------------


def _key_path(db: Path) -> Path:
    return db.with_name(db.name + ".signing-key")


def _remove_store(db: Path) -> None:
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), _key_path(db), key_file_for(db)):
        path.unlink(missing_ok=True)


def _count_members(db: Path) -> int | None:
    """How many members the file holds, or None when it is no till store."""
    if not db.exists():
        return None
    try:
        with connect_raw(db) as conn:
            row = conn.execute("SELECT count(*) FROM member").fetchone()
    except (cipher.Error, StoreUnavailable):
        return None
    return int(row[0])


def _batches(rows: Iterator[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _build(till: Till, n: int) -> None:
    table = cast(Table, Member.__table__)
    started = time.perf_counter()
    done = 0
    for batch in _batches(synthetic_members(n), BATCH):
        with till.db.write() as session:
            session.execute(insert(table), batch)
        previous, done = done, done + len(batch)
        if done // PROGRESS_EVERY > previous // PROGRESS_EVERY or done == n:
            print(f"  inserted {done:>10,} / {n:,} members ({time.perf_counter() - started:.0f} s)", flush=True)


def _signing_key(till: Till, db: Path) -> Ed25519PrivateKey:
    """The store's member-code key: read from PATH.key when it matches the store's public key, else a new one."""
    key_file = _key_path(db)
    current = till.settings.current().member_code_key
    if key_file.exists() and current is not None:
        key = private_key_from_text(key_file.read_text())
        if public_key_to_text(key.public_key()) == public_key_to_text(current):
            return key
    key = new_signing_key()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(private_key_to_text(key) + "\n")
    till.settings.update(member_code_public_key=public_key_to_text(key.public_key()))
    return key


def open_store(db: Path, n: int) -> tuple[Till, Ed25519PrivateKey]:
    """The till store at `db` holding exactly `n` synthetic members, built when needed, and its signing key."""
    existing = _count_members(db)
    if existing == n:
        print(f"reusing {db} ({n:,} members)")
        till = Till.open(db)
    else:
        if existing is not None or db.exists():
            print(f"{db} holds {existing} members, not {n:,}: rebuilding")
            _remove_store(db)
        print(f"building {db} with {n:,} synthetic members")
        till = Till.open(db)
        _build(till, n)
    return till, _signing_key(till, db)


def pick_samples(db: Path, n: int, k: int, rng: random.Random) -> list[Sample]:
    """`k` distinct random members (card serials are 1..n)."""
    serials = rng.sample(range(1, n + 1), k)
    with connect_raw(db) as conn:
        placeholders = ",".join("?" * len(serials))
        sql = f"SELECT id, phone, phone_tail, card_serial FROM member WHERE card_serial IN ({placeholders})"
        by_serial = {row[3]: Sample(row[0], row[1], row[2], row[3]) for row in conn.execute(sql, serials)}
    return [by_serial[serial] for serial in serials]


# -- timing -------------------------------------------------------------------------------------------------------


def _interleaved(
    service: Callable[[K], R],
    raws: Sequence[Callable[[K], Any]],
    keys: Sequence[tuple[K, K]],
    same: Callable[[R, Any], bool],
) -> tuple[list[int], list[list[int]], int]:
    """Time `service(key)` and each of `raws(key)` per sample, rotating which goes first; count differing answers
    (the service against each raw answer)."""
    clock = time.perf_counter_ns
    calls: list[Callable[[Any], Any]] = [service, *raws]
    times: list[list[int]] = [[] for _ in calls]
    mismatches = 0
    gc.collect()
    for index, (service_key, raw_key) in enumerate(keys):
        answers: list[Any] = [None] * len(calls)
        for step in range(len(calls)):
            which = (index + step) % len(calls)
            t0 = clock()
            answers[which] = calls[which](service_key if which == 0 else raw_key)
            times[which].append(clock() - t0)
        if not all(same(answers[0], raw_answer) for raw_answer in answers[1:]):
            mismatches += 1
    return times[0], times[1:], mismatches


def clear_copy(db: Path) -> Path:
    """A clear (unencrypted) copy of the till file beside it, for the standard library's sqlite3 to read."""
    copy = db.with_name(db.stem + ".clear.sqlite3")
    copy.unlink(missing_ok=True)
    with connect_raw(db, isolation_level=None) as conn:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(copy),))
        conn.execute("SELECT sqlcipher_export('plain')").fetchall()
        conn.execute("DETACH DATABASE plain")
    conn.close()
    return copy


def _same_one(view: MemberView | None, row: Sequence[Any] | None) -> bool:
    return view is not None and row is not None and view.id == row[0] and view.available_points == row[8] + row[9]


def _same_list(views: list[MemberView], rows: list[Sequence[Any]]) -> bool:
    return [view.id for view in views] == [row[0] for row in rows]


def run(till: Till, key: Ed25519PrivateKey, db: Path, samples: list[Sample], warmup: list[Sample]) -> list[Timings]:
    actor = StaffSession("BENCH", "bench", Role.MANAGER)
    members = till.members
    clear = clear_copy(db)
    conn = sqlite3.connect(clear, isolation_level=None)  # autocommit, like the service's lookup connection
    sealed = connect_raw(db, isolation_level=None)  # SQLCipher on the till's own file, keyed with its raw key

    def raw_one(sql: str) -> list[Callable[[str], Sequence[Any] | None]]:
        return [lambda value, c=c: c.execute(sql, (value,)).fetchone() for c in (conn, sealed)]  # type: ignore[misc]

    def raw_tail(c: sqlite3.Connection) -> Callable[[str], list[Sequence[Any]]]:
        return lambda tail: c.execute(RAW_BY_TAIL, (tail,)).fetchall()

    def by_phone(national: str) -> MemberView | None:
        return members.find_by_phone(actor, national)

    def by_tail(tail: str) -> list[MemberView]:
        return members.find_by_tail(actor, tail)

    def by_code(code: str) -> MemberView | None:
        return members.find_by_code(actor, code)

    def codes(chosen: list[Sample]) -> list[tuple[str, str]]:
        # Signed beforehand: signing is the server's work, not part of a lookup.
        return [(sign_member_code(key, uuid.UUID(s.member_id), s.serial), s.member_id) for s in chosen]

    plans: list[tuple[str, Callable[[Any], Any], list[Callable[[Any], Any]], Callable[[Any, Any], bool], Any, Any]] = [
        ("phone", by_phone, raw_one(RAW_BY_PHONE), _same_one,
         [(s.national, s.phone) for s in warmup], [(s.national, s.phone) for s in samples]),
        ("tail-4", by_tail, [raw_tail(conn), raw_tail(sealed)], _same_list,
         [(s.tail, s.tail) for s in warmup], [(s.tail, s.tail) for s in samples]),
        ("member code", by_code, raw_one(RAW_BY_ID), _same_one, codes(warmup), codes(samples)),
    ]  # fmt: skip
    results: list[Timings] = []
    try:
        for _name, service, raws, same, warm_keys, _keys in plans:
            _interleaved(service, raws, warm_keys, same)
        # Cold phone parsing: forget every number the warm-up (and the build) checked.
        phone_module._is_cn_mobile.cache_clear()
        for name, service, raws, same, _warm_keys, keys in plans:
            service_ns, (raw_ns, cipher_ns), mismatches = _interleaved(service, raws, keys, same)
            results.append(Timings(name, service_ns, raw_ns, cipher_ns, mismatches))
    finally:
        conn.close()
        sealed.close()
        clear.unlink(missing_ok=True)
    return results


# -- report -------------------------------------------------------------------------------------------------------


def _p99(values: list[int]) -> float:
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)])


def _us(ns: float) -> str:
    return f"{ns / 1000:.1f}"


def report(results: list[Timings], n: int, k: int) -> None:
    print()
    print(f"{n:,} members, {k:,} lookups of each kind (service, raw sqlite3 on a clear copy and raw SQLCipher on")
    print("the encrypted file rotate per sample)")
    print("phone parsing uncached: loyalty.phone._is_cn_mobile.cache_clear() before timing, each phone looked up once")
    print()
    header = (
        f"{'lookup':<12} {'service med µs':>15} {'p99 µs':>9} {'raw med µs':>11} {'p99 µs':>9} {'ratio':>6}"
        f" {'cipher med µs':>14} {'p99 µs':>9} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    medians: dict[str, tuple[float, float, float]] = {}
    for t in results:
        service_median, raw_median = statistics.median(t.service_ns), statistics.median(t.raw_ns)
        cipher_median = statistics.median(t.cipher_ns)
        medians[t.name] = (service_median, raw_median, cipher_median)
        print(
            f"{t.name:<12} {_us(service_median):>15} {_us(_p99(t.service_ns)):>9} "
            f"{_us(raw_median):>11} {_us(_p99(t.raw_ns)):>9} {service_median / raw_median:>6.2f} "
            f"{_us(cipher_median):>14} {_us(_p99(t.cipher_ns)):>9} {service_median / cipher_median:>6.2f}"
        )
    print()
    mismatched = {t.name: t.mismatches for t in results if t.mismatches}
    print(f"answers differing between service and raw: {mismatched or 'none'}")
    print(f"tail-4 median (service): {medians['tail-4'][0] / 1e6:.3f} ms")
    service_median, raw_median, cipher_median = medians["phone"]
    print(f"ratio vs raw SQLCipher: {service_median / cipher_median:.2f}")
    print(f"ratio: {service_median / raw_median:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, required=True, help="how many synthetic members the store holds")
    parser.add_argument("--db", type=Path, help="store file (default bench/data/lookup-N.sqlite3)")
    parser.add_argument("--samples", type=int, default=2000, help="lookups of each kind to time (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="seed for picking the sampled members (default 7)")
    args = parser.parse_args(argv)
    n: int = args.members
    k: int = args.samples
    if n < 1 or k < 1:
        parser.error("--members and --samples must be positive")
    db: Path = args.db or REPO / "bench" / "data" / f"lookup-{n}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)

    till, key = open_store(db, n)
    try:
        rng = random.Random(args.seed)
        chosen = pick_samples(db, n, min(n, k + WARMUP), rng)
        warmup, samples = chosen[:WARMUP], chosen[WARMUP:] or chosen[:k]
        results = run(till, key, db, samples, warmup)
    finally:
        till.close()
    report(results, n, len(samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
