"""The nightly refresh over N members with a year of purchases, against one raw SQL pass reading the same data.

    .venv/bin/python bench/refresh.py --members 100000 [--backend sqlite|postgres] [--dir DIR] [--no-lines] [--till]

Builds (or reuses) a demo chain of N members with a year of purchases (`server admin demo`: purchase lines on every
sale unless `--no-lines`, which keeps 1,000,000 members within this machine's disk; then no member has a Fav and the
category shares are not read), gives it the demo's benefits (`server.demo.benefits`: birthday and win-back coupons
by rule, points kept 18 months, so each run issues coupons and expires points too, issue 18, and prints what they
did), then, each in a child process of its own (its peak RSS is the refresh's alone):

1. **first run**: the refresh right after the build (`server.refresh.refresh` at now): every consenting member gets
   the rules' tags (the demo wrote other tags), figures are stamped;
2. **next night**: the refresh 24 hours later: what a typical night changes (segments and tags that moved with
   time, purchases leaving the windows);
   With `--till`, a till is registered and synced with the real server (its own process) between the two runs,
   and after the next night it syncs again: the time of that sync, and the members it pulled, are the till's pull
   of a typical night's changes (goal at 1,000,000 members: ≤ 60 s);
3. **floor**: one raw pass over the same rows with the database's own driver, no MemberDesk: a GROUP BY over the
   ledger computing each member's 12-month spend, 90-day visits, redemptions and night visits, the GROUP BY over the
   lines' JSON computing each member's 12-month spend per category, and the members' own columns.

Prints each run's time, peak RSS and members changed, then `ratio: X.XX` = next night's refresh ÷ the floor.
Goals at 1,000,000 members (issue 17): ratio ≤ 3, peak RSS ≤ 500 MB. The first two runs write to the database: on
SQLite the bench works on a copy, on PostgreSQL the database is rebuilt when `--rebuild` is given. Results go in
docs/performance.md ("Nightly refresh").
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.sync import PG_ADMIN, REPO, first_sync, postgres_database, running_server


def child(url: str, at: str) -> None:
    """The refresh at `at`, in this (child) process; prints its report as JSON."""
    from server.db import ServerDatabase
    from server.refresh import refresh

    db = ServerDatabase.open(url)
    try:
        started = time.perf_counter()
        report = refresh(db, datetime.fromisoformat(at))
        seconds = time.perf_counter() - started
    finally:
        db.close()
    print(json.dumps({
        "seconds": seconds,
        "figures_seconds": report.figures_seconds,
        "profiles_seconds": report.profiles_seconds,
        "members": report.figures.members,
        "read": report.figures.read,
        "changed_figures": report.figures.changed,
        "changed_profiles": report.profiles.changed,
        "expired_members": report.expiry.expired_members,
        "expired_points": report.expiry.expired_points,
        "expiring_members": report.expiry.expiring_members,
        "ledgers_read_for_expiry": report.expiry.looked,
        "coupons": report.coupons.win_back + report.coupons.birthday + report.coupons.referral,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))  # fmt: skip


def run_child(url: str, at: datetime) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", url, at.isoformat()]
    done = subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def database_url(backend: str, folder: Path, members: int, lines: bool) -> str:
    suffix = "" if lines else "-nolines"
    if backend == "sqlite":
        return f"sqlite:///{folder / f'refresh-{members}{suffix}.sqlite3'}"
    return postgres_database(f"md_refresh_{members}{suffix.replace('-', '_')}")


def drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ensure_demo(url: str, members: int, lines: bool) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            have = int(conn.execute(text("SELECT count(*) FROM member WHERE phone IS NOT NULL")).scalar_one())
    except Exception:
        have = 0
    finally:
        engine.dispose()
    if have == members:
        print(f"reusing a demo chain of {members:,} members")
        return
    if have:
        raise SystemExit(f"{url} holds {have:,} members, not {members:,}: remove it, or --rebuild on PostgreSQL")
    started = time.perf_counter()
    command = [sys.executable, "-m", "server", "admin", "--db", url, "demo", "--members", str(members)]
    subprocess.run([*command, *([] if lines else ["--no-lines"])], cwd=REPO, check=True, capture_output=True)
    print(f"demo data: {members:,} members in {time.perf_counter() - started:.1f} s")


def floor_seconds(url: str, now: datetime, lines: bool) -> float:
    """One raw pass over what the refresh reads, with the database's driver: seconds."""
    year = (now - timedelta(days=365)).replace(tzinfo=None)
    visit = (now - timedelta(days=90)).replace(tzinfo=None)
    sqlite = url.startswith("sqlite")
    minute = (
        "(CAST(strftime('%H', created_at) AS INTEGER) * 60 + CAST(strftime('%M', created_at) AS INTEGER))"
        if sqlite
        else "CAST(EXTRACT(HOUR FROM created_at) * 60 + EXTRACT(MINUTE FROM created_at) AS INTEGER)"
    )
    night = f"({minute} + 480) % 1440" if sqlite else f"MOD({minute} + 480, 1440)"
    mark = "?" if sqlite else "%s"
    ledger = (
        "SELECT member_id, SUM(CASE WHEN kind = 'earn' THEN amount_cents ELSE 0 END), "
        f"SUM(CASE WHEN kind = 'earn' AND created_at > {mark} THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN kind = 'redeem' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN kind = 'earn' AND created_at > {mark} AND {night} >= 1200 THEN 1 ELSE 0 END), MAX(created_at) "
        f"FROM ledger_entry WHERE created_at > {mark} AND kind IN ('earn', 'redeem') GROUP BY member_id"
    )
    each = "json_each(e.lines) AS j" if sqlite else "LATERAL json_array_elements(e.lines) AS j(value)"
    cents = "j.value ->> 'amount_cents'" if sqlite else "(j.value ->> 'amount_cents')::bigint"
    categories = (
        f"SELECT l.member_id, j.value ->> 'category', SUM({cents}) FROM ledger_entry l "
        f"JOIN entry_lines e ON e.entry_id = l.id CROSS JOIN {each} WHERE l.created_at > {mark} "
        "GROUP BY l.member_id, j.value ->> 'category'"
    )
    members = "SELECT id, gender, birthday, created_at, last_visit_at, tags, top_categories FROM member"
    started = time.perf_counter()
    if sqlite:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(ledger, (visit.isoformat(" "), visit.isoformat(" "), year.isoformat(" "))).fetchall()
            if lines:
                conn.execute(categories, (year.isoformat(" "),)).fetchall()
            conn.execute(members).fetchall()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            conn.execute(ledger, (visit, visit, year)).fetchall()
            if lines:
                conn.execute(categories, (year,)).fetchall()
            conn.execute(members).fetchall()
    return time.perf_counter() - started


def show(name: str, result: dict[str, float]) -> None:
    print(
        f"{name}: {result['seconds']:.1f} s (figures {result['figures_seconds']:.1f} s, profiles "
        f"{result['profiles_seconds']:.1f} s), {int(result['members']):,} members, {int(result['read']):,} read from "
        f"the ledger, changed: figures {int(result['changed_figures']):,}, profiles "
        f"{int(result['changed_profiles']):,}; peak RSS {result['rss_mb']:.0f} MB\n"
        f"  benefits: {int(result['coupons']):,} coupons issued by rule; {int(result['expired_points']):,} points of "
        f"{int(result['expired_members']):,} members expired, {int(result['expiring_members']):,} with points "
        f"expiring within 30 days ({int(result['ledgers_read_for_expiry']):,} ledgers read for it)"
    )


def set_up_benefits(url: str) -> None:
    """The demo's benefits on the chain the runs work on: the birthday and win-back rules, points kept 18 months
    (`server.demo.benefits`), so each night issues coupons and expires points as a chain's would."""
    from server.db import ServerDatabase
    from server.demo.benefits import set_up_benefits as demo_benefits

    db = ServerDatabase.open(url)
    try:
        demo_benefits(db)
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--dir", type=Path, default=REPO / "bench" / "data")
    parser.add_argument("--no-lines", action="store_true", help="sales without purchase lines (1,000,000 members)")
    parser.add_argument("--rebuild", action="store_true", help="PostgreSQL: drop and build the demo chain again")
    parser.add_argument("--till", action="store_true", help="also time a till's pull of the next night's changes")
    parser.add_argument("--child", nargs=2, metavar=("URL", "AT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    lines = not args.no_lines
    args.dir.mkdir(parents=True, exist_ok=True)
    url = database_url(args.backend, args.dir, args.members, lines)
    if args.rebuild and args.backend == "postgres":
        drop_postgres(url)
        url = database_url(args.backend, args.dir, args.members, lines)
    ensure_demo(url, args.members, lines)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="md-refresh-", dir=args.dir) as folder:
        if args.backend == "sqlite":  # the runs write: work on a copy, keep the built chain as it was
            copy = Path(folder) / "server.sqlite3"
            with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
                source.backup(target)
            url = f"sqlite:///{copy}"
        set_up_benefits(url)
        show("first run", run_child(url, now))
        if args.till:
            with running_server(url) as (server_url, _process):
                till, engine, _seconds, _token = first_sync(server_url, url, Path(folder))
                night = run_child(url, now + timedelta(days=1))
                show("next night", night)
                started = time.perf_counter()
                report = engine.run()
                seconds = time.perf_counter() - started
                till.close()
            if report.error:
                raise SystemExit(f"the till's sync after the night failed: {report.error}")
            print(f"till's pull of the night's changes: {report.pulled:,} members in {seconds:.1f} s (goal ≤ 60 s)")
        else:
            night = run_child(url, now + timedelta(days=1))
            show("next night", night)
        floor = floor_seconds(url, now + timedelta(days=1), lines)
    print(f"floor (raw aggregate pass, {'with' if lines else 'without'} lines): {floor:.1f} s")
    print(f"ratio: {night['seconds'] / floor:.2f}")


if __name__ == "__main__":
    main()
