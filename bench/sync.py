"""Sync speed and memory: a new till's first sync of N members, and a push of M point entries.

    .venv/bin/python bench/sync.py --members 1000000 --entries 20000 [--backend sqlite|postgres] [--dir DIR]

Builds (or reuses, when it already holds N members) a server database with `server admin demo --members N` (on
PostgreSQL vacuumed and analyzed before timing, as autovacuum would between runs), starts the real server
(`python -m server serve`) in its own process on 127.0.0.1, registers a new till and times:

1. first sync: the till pulls every member page by page through the real engine (seconds, and the peak RSS of the
   server process and of the till process: each is its own OS process);
2. the same rows without MemberDesk: the pages saved as the server sent them, then timed `json.loads` of each page
   and `executemany` of its rows into an empty SQLite file with the same columns (one transaction per page) —
   the floor any client must pay to receive and store the data;
3. push: the server's nightly refresh (`server admin refresh`, as the chain runs it before the day: every member's
   figures stamped exact, so the push adds each sale to them; `--no-refresh` skips it), then M award entries made
   through the till's service (not timed), each a sale of 5–20 purchase lines as the POS sends them (`--no-lines`:
   whole-amount entries, as before issue 16) to another member drawn from the whole chain, as a day of a store's
   sales goes, then the engine's push phase timed (entries applied per second by the server).

The till's database is encrypted (SQLCipher), so step 2 runs twice: into a clear file through the standard
library's `sqlite3`, and into a SQLCipher file keyed with a raw key (`PRAGMA key = "x'…'"`, as the till does).
The last lines are `ratio vs raw SQLCipher: X.XX` and `ratio: X.XX` = first-sync time / the clear floor of
step 2. Results go in docs/performance.md.

A virtual machine's CPU can run a third faster or slower from one minute to the next (neighbours on the host), so
the push line is followed by `cpu check`: a fixed loop of Python timed right before and right after the push — a run
whose push was slow on a slow machine shows it there — and by the CPU each side used per entry over the push: the
till (this process), the server process and this machine's PostgreSQL processes.

`--till DIR` keeps the synced till in DIR: a later run with the same DIR (and the same server database) reuses it,
skips the first sync and the floor, and times the push alone (a first sync at 1,000,000 members takes minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from localdb.till import Till
from protocol.wire import SaleLine
from sync.engine import Phase, SyncEngine
from sync.registration import register_till

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PAGE = 5000


def server_cli(*args: str, db: str) -> str:
    command = [sys.executable, "-m", "server", "admin", "--db", db, *args]
    return subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()


def member_count(db: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM member WHERE phone IS NOT NULL")).scalar_one())
    except Exception:
        return -1
    finally:
        engine.dispose()


def server_url_for(backend: str, folder: Path, members: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / f'server-{members}.sqlite3'}"
    return postgres_database(f"md_bench_{members}")


def postgres_database(name: str) -> str:
    """The URL of the local PostgreSQL's database `name`, created when missing."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def ensure_demo(db: str, members: int) -> None:
    have = member_count(db)
    if have == members:
        print(f"reusing a server database of {members:,} members")
        return
    if have > 0:
        raise SystemExit(f"{db} holds {have:,} members, not {members:,}: remove it or pick another --dir")
    started = time.perf_counter()
    server_cli("demo", "--members", str(members), "--no-lines", db=db)  # lines cost the build 3x (performance.md)
    print(f"demo data: {members:,} members in {time.perf_counter() - started:.1f} s")


def vacuum_postgres(db: str) -> None:
    """PostgreSQL: VACUUM ANALYZE the reused database before timing, as autovacuum would have between two runs (it is
    off on some machines, this one included): each run's push leaves 20,000 dead member rows behind, and a run after
    a dozen others would measure their debris, not the server."""
    if not db.startswith("postgresql"):
        return
    import psycopg

    with psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(db: str, port: int | None = None, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = port or free_port()
    command = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db,
               "--log-level", "warning", "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    """The largest peak resident memory (VmHWM) of a process and its child processes (each worker's own), in MB."""
    peaks: list[float] = []
    for member in process_tree(pid):
        try:
            lines = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM:")]
    return max(peaks, default=float("nan"))


def own_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def save_pages(url: str, token: str, folder: Path) -> list[Path]:
    pages: list[Path] = []
    since = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        while True:
            answer = client.get("/v1/changes", params={"since": since, "limit": PAGE})
            answer.raise_for_status()
            path = folder / f"page-{len(pages):05d}.json"
            path.write_bytes(answer.content)
            pages.append(path)
            body = json.loads(answer.content)
            since = body["next_cursor"]
            if not body["has_more"]:
                return pages


BASELINE_COLUMNS = (
    "id", "phone", "name", "gender", "birthday", "tier", "spend_12m_cents", "balance", "segment", "tags",
    "consent_marketing", "consent_profile", "card_serial", "version", "home_store", "last_visit_at", "updated_at",
)  # fmt: skip


def baseline_seconds(pages: list[Path], folder: Path, *, encrypted: bool = False) -> float:
    """json.loads + executemany of the same rows into an empty SQLite file (WAL, synchronous=FULL like the till);
    `encrypted`: a SQLCipher file keyed with a random raw key, through the till's driver."""
    from localdb import cipher

    path = folder / f"baseline{'-sqlcipher' if encrypted else ''}.sqlite3"
    conn = (
        cipher.connect(path, os.urandom(32), isolation_level=None)
        if encrypted
        else sqlite3.connect(path, isolation_level=None)
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    columns = ", ".join(f"{c} {'TEXT PRIMARY KEY' if c == 'id' else ''}" for c in BASELINE_COLUMNS)
    conn.execute(f"CREATE TABLE member ({columns})")
    conn.execute("CREATE UNIQUE INDEX ix_phone ON member (phone)")
    sql = f"INSERT INTO member VALUES ({', '.join('?' for _ in BASELINE_COLUMNS)})"
    started = time.perf_counter()
    for page in pages:
        body = json.loads(page.read_bytes())
        rows = [tuple(json.dumps(c[k], ensure_ascii=False) if k == "tags" else c.get(k) for k in BASELINE_COLUMNS)
                for c in body["changes"] if c.get("phone")]  # fmt: skip
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def first_sync(url: str, db_server: str, folder: Path) -> tuple[Till, SyncEngine, float, str]:
    code = server_cli("enrolment-code", "S001", db=db_server)
    till = Till.open(folder / "till.sqlite3")
    answer = register_till(till.sync, server_url=url, store_code="S001", enrolment_code=code, device_name="bench")
    engine = SyncEngine(till.sync)
    started = time.perf_counter()
    report = engine.run()
    elapsed = time.perf_counter() - started
    if report.error:
        raise SystemExit(f"first sync failed: {report.error}")
    print(f"first sync: {report.pulled:,} members in {elapsed:.1f} s ({report.pulled / elapsed:,.0f} members/s)")
    return till, engine, elapsed, answer.token


def cpu_check_ms() -> float:
    """Milliseconds for a fixed loop of Python arithmetic (the best of three): how fast this machine is right now."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for n in range(1_000_000):
            total += n * n
        best = min(best, time.perf_counter() - started)
    return best * 1000


CATEGORIES = ("生鲜", "冷冻", "母婴", "美妆", "服饰", "家居日用", "零食饮料", "粮油调味")


def sale_lines(rng: random.Random) -> list[SaleLine]:
    """A supermarket sale as a POS sends it: 5–20 lines, a category each, weighed goods in thousandths."""
    lines = []
    for number in range(1, rng.randint(5, 20) + 1):
        category = rng.choice(CATEGORIES)
        weighed = category == "生鲜" and rng.random() < 0.5
        lines.append(SaleLine(line_no=number, sku=f"69{rng.randrange(10**11):011d}", name=f"{category}商品{number}",
                              category=category, quantity_milli=rng.randint(150, 2500) if weighed else 1000 *
                              rng.randint(1, 3), amount_cents=rng.randint(150, 9_900)))  # fmt: skip
    return lines


def process_tree(pid: int) -> list[int]:
    """A process and its live child processes (the worker processes of `serve --workers`)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process and its live child processes have used so far (threads included)."""
    total = 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (the backends and the WAL writer, checkpointer
    and the rest; 0 when PostgreSQL runs elsewhere)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().startswith("postgres"):
                total += process_cpu_seconds(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return total


def cpu_now(server_pid: int) -> tuple[float, float, float]:
    return time.process_time(), process_cpu_seconds(server_pid), postgres_cpu_seconds()


def push(
    till: Till, engine: SyncEngine, entries: int, server_pid: int, *, with_lines: bool = True, customers: int = 0
) -> float:
    cashier = till.staff.login("C001", "1357")
    # A day of sales at a store: each sale to another member, drawn from the whole chain (members with a year of demo
    # history, their rows cold in the server's caches). `customers`: the sales go round that many members instead,
    # as the benchmark did until 2026-12-02 (1,000): hot rows, and on a reused database each run read longer
    # purchase histories than the one before (docs/performance.md).
    query = "SELECT id FROM member WHERE phone LIKE '+86%' ORDER BY random() LIMIT ?"
    if customers:
        query = "SELECT id FROM member WHERE phone LIKE '+86%' LIMIT ?"  # the members the benchmark used before
    member_ids = [row[0] for row in till.db.lookup_connection().execute(query, (customers or entries,)).fetchall()]
    rng = random.Random(16)
    for n in range(entries):
        member_id = member_ids[n % len(member_ids)]
        if with_lines:
            lines = sale_lines(rng)
            till.ledger.award(cashier, member_id, sum(line.amount_cents for line in lines), lines=lines)
        else:
            till.ledger.award(cashier, member_id, 1000 + n % 5000)
    marks: dict[str, float] = {}
    cpu: dict[str, tuple[float, float, float]] = {}

    def progress(phase: Phase, _done: int, _total: int | None) -> None:
        if phase.value not in marks:
            cpu[phase.value] = cpu_now(server_pid)
            marks[phase.value] = time.perf_counter()

    before = cpu_check_ms()
    report = engine.run(progress)
    after = cpu_check_ms()
    if report.error or report.tally.applied != entries:
        raise SystemExit(f"push failed: {report.error}, applied {report.tally.applied}")
    seconds = marks["pull"] - marks["push"]
    shape = "with 5–20 purchase lines each" if with_lines else "without lines"
    print(f"push: {entries:,} entries ({shape}) in {seconds:.2f} s = {entries / seconds:,.0f} entries/s applied")
    print(f"cpu check: {before:.0f} ms before the push, {after:.0f} ms after (a fixed loop; lower is faster)")
    used = [end - start for start, end in zip(cpu["push"], cpu["pull"], strict=True)]
    per = 1e6 / entries
    print(f"push CPU per entry: till {used[0] * per:.0f} µs, server {used[1] * per:.0f} µs, "
          f"PostgreSQL {used[2] * per:.0f} µs (this machine's; {os.cpu_count()} cores)")  # fmt: skip
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--dir", type=Path, default=REPO / "bench" / "data")
    parser.add_argument("--no-lines", action="store_true", help="whole-amount entries without purchase lines")
    parser.add_argument("--customers", type=int, default=0, help="the sales go round this many members (default: "
                        "each sale to another member of the chain; 1000: the benchmark before 2026-12-02)")  # fmt: skip
    parser.add_argument("--till", type=Path, help="keep the synced till in this folder and reuse it in later runs "
                        "against the same server database: a reused till times the push alone")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="the server's worker processes (serve --workers)")
    parser.add_argument("--no-refresh", action="store_true", help="skip the nightly refresh before the push (members' "
                        "figures not stamped: the push reads each member's year of ledger entries)")  # fmt: skip
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    db = server_url_for(args.backend, args.dir, args.members)
    ensure_demo(db, args.members)
    if not args.no_refresh:
        started = time.perf_counter()
        said = server_cli("refresh", db=db).replace("\n", "; ")
        print(f"nightly refresh ({time.perf_counter() - started:.1f} s): {said}")
    vacuum_postgres(db)
    if args.till is not None and (args.till / "till.sqlite3").exists():
        push_again(db, args.till, args.entries, with_lines=not args.no_lines, customers=args.customers,
                   workers=args.workers)  # fmt: skip
        return
    work = args.till or Path(tempfile.mkdtemp(prefix="md-sync-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        with running_server(db, workers=args.workers) as (url, process):
            till, engine, sync_seconds, token = first_sync(url, db, work)
            (work / "port").write_text(url.rsplit(":", 1)[1])
            till_rss = own_peak_rss_mb()
            server_rss = peak_rss_mb(process.pid)
            print(f"peak RSS: server {server_rss:.0f} MB, till {till_rss:.0f} MB")
            push(till, engine, args.entries, process.pid, with_lines=not args.no_lines, customers=args.customers)
            print(f"push peak RSS: server {peak_rss_mb(process.pid):.0f} MB, till {own_peak_rss_mb():.0f} MB")
            registration = till.sync.registration()  # each sync rotated the token: the one it holds now
            pages = save_pages(url, registration.token if registration else token, work)
            till.close()
        floor = baseline_seconds(pages, work)
        cipher_floor = baseline_seconds(pages, work, encrypted=True)
        print(f"floor (json.loads + executemany of the same {len(pages)} pages): {floor:.1f} s")
        print(f"floor on SQLCipher (the same, into an encrypted file): {cipher_floor:.1f} s")
        print(f"ratio vs raw SQLCipher: {sync_seconds / cipher_floor:.2f}")
        print(f"ratio: {sync_seconds / floor:.2f}")
    finally:
        if args.till is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            for scratch in (*work.glob("page-*.json"), *work.glob("baseline*")):
                scratch.unlink()
        os.sync()


def push_again(db: str, folder: Path, entries: int, *, with_lines: bool, customers: int, workers: int) -> None:
    """A till kept by an earlier run (`--till`): its server on the port it registered with, then the push step."""
    with running_server(db, int((folder / "port").read_text()), workers) as (_url, process):
        till = Till.open(folder / "till.sqlite3")
        try:
            engine = SyncEngine(till.sync)
            report = engine.run()  # what changed on the server since (other runs), so the push is timed alone
            if report.error:
                raise SystemExit(f"catching up failed: {report.error}")
            push(till, engine, entries, process.pid, with_lines=with_lines, customers=customers)
            print(f"push peak RSS: server {peak_rss_mb(process.pid):.0f} MB, till {own_peak_rss_mb():.0f} MB")
        finally:
            till.close()


if __name__ == "__main__":
    main()
