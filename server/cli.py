"""The central server's command line: `python -m server serve` runs the HTTP API, `python -m server admin <command>`
runs the chain administrator's actions (stores, enrolment codes, staff, rules, devices, cards, member import, demo
data, a member's data rights: delete-member, merge-members, export-member) against the same database.

Database: `--db URL` (`sqlite:///<file>` or `postgresql+psycopg://…`), else the environment variable
`MEMBERDESK_SERVER_DB`, else a SQLite file `server.sqlite3` in platformdirs' user data folder for
"memberdesk-server". A SQLite file this command creates is readable by its owner only (its folder too).

Exit codes: 0 done, 2 usage error (argparse), 1 refused (one line `error: …` on stderr, no traceback). A `--db`
that cannot be the server's database (a folder, garbage, another program's or a till's database, a path under a
file, a place that cannot be written, a misspelt URL) is refused by `_open` before anything is written to it; a
file a command cannot read or write is refused by `main`, the one place that turns errors into words.
Output meant for scripts is alone on stdout: `enrolment-code` prints just the code, `set-rules` just the new
version. Nothing printed or logged holds a phone number or a member's name, but for `export-member`, whose JSON is
the subject-access answer (everything held about the one member asked for).

`serve` listens on loopback only unless `--allow-remote` is given together with `--ssl-certfile` and
`--ssl-keyfile` (tills talk plain HTTP to loopback only; anything remote is HTTPS). Its rate limits and enrolment
lockouts are `server.limits.Limits` unless `--rate-limit`, `--in-flight`, `--enrolment-lockout`,
`--store-enrolment-lockout` or `--no-rate-limits` say otherwise (docs/operations.md, "Limits").
"""

from __future__ import annotations

import argparse
import gc
import getpass
import ipaddress
import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, Literal, TextIO

import platformdirs
from alembic.util import CommandError
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from loyalty.clock import DEFAULT_STORE_TIMEZONE, store_day, store_zone
from loyalty.insight import InsightRules, InvalidInsightRules
from loyalty.rules import InvalidRules, PointsRules
from server import admin, chain, member_code_audit
from server.admin import AdminError
from server.db import ServerDatabase
from server.files import SQLITE_HEADER, owner_only_sqlite_file
from server.limits import Limits, Lockout, Rate, Route

__all__ = ["DB_ENV", "default_database_url", "main"]

DB_ENV: Final = "MEMBERDESK_SERVER_DB"
APP_NAME: Final = "memberdesk-server"
DB_FILE: Final = "server.sqlite3"
DEFAULT_PORT: Final = 8765
DEMO_MAX_MEMBERS: Final = 10_000_000  # ten times the largest benchmark; 10**14 would run until the disk is full
LOG_LEVELS: Final = ("critical", "error", "warning", "info", "debug")
_LOOPBACK_NAMES: Final = frozenset({"localhost"})

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A command that cannot be done as asked: printed as one line, exit code 1."""


# --- the database ----------------------------------------------------------------------------------------------------


def default_database_url() -> str:
    """`MEMBERDESK_SERVER_DB`, else the SQLite file in the user data folder."""
    from_env = os.environ.get(DB_ENV, "").strip()
    if from_env:
        return from_env
    return f"sqlite:///{Path(platformdirs.user_data_dir(APP_NAME)) / DB_FILE}"


def _check_sqlite_file(database: str) -> None:
    """A SQLite database path that can be the server's: not a folder, not under a file, not garbage, not another
    program's database; a new file is created readable by its owner only (its folders too). Raises Refused."""
    path = Path(database)
    if path.is_dir():
        raise Refused(f"cannot open the database: {path} is a folder: give the path of a database file, "
                      f"e.g. sqlite:///{path}/server.sqlite3")  # fmt: skip
    blocker = next((parent for parent in path.parents if parent.exists() and not parent.is_dir()), None)
    if blocker is not None:
        raise Refused(f"cannot open the database: {blocker} is a file, not a folder: check --db")
    if path.exists():
        try:
            with path.open("rb") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as error:
            raise Refused(f"cannot open the database: cannot read {path}: {error.strerror or error}") from None
        if header and header != SQLITE_HEADER:
            raise Refused(f"cannot open the database: {path} is not a SQLite database (or it is damaged): check --db")
        if header and not _is_the_servers(path):
            raise Refused(f"cannot open the database: {path} is not a MemberDesk server database (another "
                          "program's, or a till's): check --db")  # fmt: skip
        return
    try:
        owner_only_sqlite_file(path)
    except OSError as error:
        raise Refused(f"cannot open the database: cannot create {path}: {error.strerror or error}: give --db a "
                      "place this account may write") from None  # fmt: skip


def _is_the_servers(path: Path) -> bool:
    """The file holds no tables yet, or the server's (read on a plain connection, before the server's pragmas)."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        listed = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        tables = {row[0] for row in connection.execute(listed)}
    except sqlite3.DatabaseError as error:
        raise Refused(f"cannot open the database: {path}: {error}") from None
    finally:
        connection.close()
    return not tables or "change_counter" in tables


def open_database(url: str | None) -> ServerDatabase:
    """The database at `url` (or the default), opened and migrated; Refused, in words, when it cannot be."""
    url = url or default_database_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise Refused("cannot open the database: not a database URL: write sqlite:///<file> or "
                      "postgresql+psycopg://user@host:5432/name") from None  # fmt: skip
    except ValueError:  # SQLAlchemy reads the port as a number
        raise Refused("cannot open the database: the port in the database URL is not a number") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        _check_sqlite_file(parsed.database)
    try:
        return ServerDatabase.open(url)
    except (ArgumentError, ValueError) as error:
        raise Refused(f"cannot open the database: {error}") from None
    except ImportError as error:  # a driver the URL names is not installed (postgresql+psycopg2://)
        raise Refused(f"cannot open the database: its driver {error.name or parsed.drivername!r} is not installed: "
                      "write postgresql+psycopg://… (the driver MemberDesk comes with)") from None  # fmt: skip
    except CommandError:  # a migration history that is not the server's
        raise Refused("cannot open the database: it is not a MemberDesk server database (another program's, or a "
                      "till's): check --db") from None  # fmt: skip
    except SQLAlchemyError as error:
        # The driver's first line says what went wrong (no such host, authentication...) without the password.
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise Refused(f"cannot open the database: {detail}") from None
    except OSError as error:
        raise Refused(f"cannot open the database: {error.filename or ''}: {error.strerror or error}") from None


# --- serve -----------------------------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tune_collector() -> None:
    """The serving process's garbage collector: what is loaded at start (modules, the app, SQLAlchemy's caches) is
    moved out of its sight (`gc.freeze`), and young objects are collected every 50,000 allocations instead of 700.
    A push batch allocates some 100,000 short-lived containers (bodies, rows, answers); with the defaults the
    collector ran hundreds of times per batch and a full pass over every object every few batches, ~17 ms a batch
    in all, now under 1 ms. Cyclic garbage is still collected, a little later."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _rate_limit(text: str) -> tuple[Route, Rate | None]:
    """`NAME=PER_SECOND:BURST` or `NAME=off`, for `--rate-limit`."""
    name, equals, value = text.partition("=")
    try:
        route = Route(name.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown call {name!r}: one of {', '.join(r.value for r in Route)}") from None
    if not equals:
        raise argparse.ArgumentTypeError("give NAME=PER_SECOND:BURST or NAME=off")
    if value.strip() == "off":
        return route, None
    rate, _, burst = value.partition(":")
    try:
        return route, Rate(float(rate), int(burst))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: PER_SECOND:BURST, e.g. push=20:100 (positive)") from None


def _lockout(text: str) -> Lockout | Literal["off"]:
    """`FAILURES:MINUTES` or `off`, for the enrolment lockouts."""
    if text.strip() == "off":
        return "off"
    failures, _, minutes = text.partition(":")
    try:
        return Lockout(int(failures), float(minutes))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: FAILURES:MINUTES, e.g. 10:15, or off") from None


def _in_flight(text: str) -> int | Literal["off"]:
    if text.strip() == "off":
        return "off"
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of requests (1 or more), or off")
    return count


_MAX_WORKERS: Final = 64


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= _MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of worker processes, 1 to {_MAX_WORKERS}")
    return count


def serve_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The `serve` command line `argv` parsed again (a worker process of `serve --workers`)."""
    args = _parser().parse_args(argv)
    if args.command != "serve":
        raise Refused("a worker process is started by `serve --workers`")
    return args


def serve_limits(args: argparse.Namespace) -> Limits:
    """The limits `serve` runs with: the defaults, changed by its options."""
    if args.no_rate_limits:
        return Limits.off()
    limits = Limits()
    for route, rate in args.rate_limit:
        limits = limits.with_rate(route, rate)
    changes: dict[str, Any] = {}
    for option, name in (
        ("in_flight", "in_flight"),
        ("enrolment_lockout", "address_lockout"),
        ("store_enrolment_lockout", "store_lockout"),
    ):
        value = getattr(args, option)
        if value is not None:  # given
            changes[name] = None if value == "off" else value
    return replace(limits, **changes)


def _describe(limits: Limits) -> str:
    rates = ", ".join(f"{route.value} {limits.rates.get(route) or 'off'}" for route in Route)
    return (
        f"limits (per second:burst): {rates}; in flight per device {limits.in_flight or 'off'}; enrolment lockout "
        f"per address {limits.address_lockout or 'off'}, per store {limits.store_lockout or 'off'} (failures:minutes)"
    )


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if (args.ssl_certfile is None) != (args.ssl_keyfile is None):
        parser.error("--ssl-certfile and --ssl-keyfile go together")
    if not _is_loopback(args.host):
        if not args.allow_remote:
            parser.error(f"refusing to listen on {args.host}: not loopback (add --allow-remote with TLS options)")
        if args.ssl_certfile is None:
            parser.error("listening beyond loopback needs HTTPS: give --ssl-certfile and --ssl-keyfile")
    for option in ("ssl_certfile", "ssl_keyfile"):
        value = getattr(args, option)
        if value is not None and not Path(value).is_file():
            raise Refused(f"--{option.replace('_', '-')}: no such file {value}")
    import uvicorn

    from server.app import create_app
    from server.limits import Limiter
    from server.refresh_schedule import NightlyRefresh, parse_refresh_at
    from server.workers import ENVIRONMENT

    try:
        refresh_at = parse_refresh_at(args.refresh_at)
        refresh_zone = store_zone(args.refresh_zone)
    except (ValueError, KeyError) as error:  # KeyError: ZoneInfoNotFoundError, an unknown zone
        parser.error(f"--refresh-at / --refresh-zone: {error}")
    limits = serve_limits(args)
    db = open_database(args.db)
    logger.info("%s", _describe(limits))
    nightly = None if refresh_at is None else NightlyRefresh(db, refresh_at, refresh_zone).start()
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": not args.no_access_log,  # paths and statuses only: phones travel in bodies, never in URLs
        "ssl_certfile": args.ssl_certfile,
        "ssl_keyfile": args.ssl_keyfile,
        "server_header": False,
    }
    in_use = args.workers == 1 or nightly is not None  # workers open their own (`server.workers`)
    if not in_use:
        db.close()  # migrated, and nothing in this process uses it
    try:
        if args.workers > 1:
            os.environ[ENVIRONMENT] = json.dumps(args.argv)
            uvicorn.run("server.workers:app", factory=True, workers=args.workers, **options)
        else:
            tune_collector()
            uvicorn.run(create_app(db, Limiter(limits)), **options)
    finally:
        if nightly is not None:
            nightly.stop()
        if in_use:
            db.close()
    return 0


# --- admin commands --------------------------------------------------------------------------------------------------


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _create_store(db: ServerDatabase, args: argparse.Namespace) -> int:
    store = admin.create_store(db, args.code, args.name, args.timezone)
    _out(f"store {store.code} {store.name} ({store.timezone}) created")
    return 0


def _enrolment_code(db: ServerDatabase, args: argparse.Namespace) -> int:
    if not 0 < args.hours <= 24 * 30:
        raise Refused("--hours: between 0 and 720 hours")
    _out(admin.make_enrolment_code(db, args.store, timedelta(hours=args.hours)))
    return 0


def _read_pin(stdin: TextIO) -> str:
    """The PIN from a pipe (first line), or typed twice at a terminal without echo."""
    if not stdin.isatty():
        return stdin.readline().strip()
    first = getpass.getpass("PIN (4-8 digits): ")
    if getpass.getpass("PIN again: ") != first:
        raise Refused("the two PINs differ")
    return first


def _add_staff(db: ServerDatabase, args: argparse.Namespace) -> int:
    pin = args.pin if args.pin is not None else _read_pin(sys.stdin)
    admin.add_staff(db, args.code, args.name, args.role, pin, args.store)
    _out(f"staff {args.code} ({args.role}, {'store ' + args.store if args.store else 'every store'}) saved")
    if args.store is None and args.role != "manager":
        sys.stderr.write(
            f"warning: only managers are chain-wide: no till receives {args.code} until --store names their store\n"
        )
    return 0


def _json_file(file: str) -> Any:
    try:
        return json.loads(Path(file).read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise Refused(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise Refused(f"{file} is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise Refused(f"{file} is not JSON: {error.msg} at line {error.lineno}") from None


def _set_rules(db: ServerDatabase, args: argparse.Namespace) -> int:
    try:
        rules = PointsRules.from_dict(_json_file(args.file))
    except InvalidRules as error:
        raise Refused(f"invalid rules: {error}") from None
    admin.set_rules(db, rules)
    _out(str(rules.version))
    return 0


def _set_insight_rules(db: ServerDatabase, args: argparse.Namespace) -> int:
    try:
        rules = InsightRules.from_dict(_json_file(args.file))
    except InvalidInsightRules as error:
        raise Refused(f"invalid insight rules: {error}") from None
    admin.set_insight_rules(db, rules)
    _out(str(rules.version))
    return 0


def _show_insight_rules(db: ServerDatabase, _args: argparse.Namespace) -> int:
    with db.read() as session:
        rules = chain.insight_rules(session)
    _out(json.dumps(rules.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _show_rules(db: ServerDatabase, _args: argparse.Namespace) -> int:
    with db.read() as session:
        rules = chain.rules(session)
        config_version = chain.config_version(session)
    logger.info("config version %d", config_version)
    _out(json.dumps(rules.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _import_members(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.importer import import_members, write_rejects

    if args.rejects is not None:  # before the import: an import done and its rejects lost is half a job
        try:
            Path(args.rejects).open("a", encoding="utf-8").close()
        except OSError as error:
            raise Refused(f"--rejects: cannot write {args.rejects}: {error.strerror or error}") from None
    started = time.perf_counter()
    report = import_members(db, args.csv, args.store, dry_run=args.dry_run)
    for line in report.lines():
        _out(line)
    if args.rejects is not None:
        write_rejects(report, args.rejects)
        _out(f"{len(report.rejects)} rejected lines written to {args.rejects}")
    logger.info("import took %.1f s", time.perf_counter() - started)
    return 0


def _whole_number(text: str) -> int:
    """An argparse type: a whole number, else a usage error that names the range `demo --members` takes."""
    try:
        return int(text.strip())
    except ValueError:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise argparse.ArgumentTypeError(
            f"a whole number of members from 0 to {DEMO_MAX_MEMBERS:,} (not {shown!r})"
        ) from None


def _check_demo(args: argparse.Namespace) -> None:
    """Before the database is opened: a number of members the demo can make."""
    if not 0 <= args.members <= DEMO_MAX_MEMBERS:
        raise Refused(f"--members: a number of members from 0 to {DEMO_MAX_MEMBERS:,}")


def _demo(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.demo import DEMO_STAFF, generate_demo

    started = time.perf_counter()
    report = generate_demo(db, args.members, seed=args.seed, lines=not args.no_lines)
    seconds = time.perf_counter() - started
    if report.stores_created:
        _out(f"stores created: {', '.join(report.stores_created)}")
    for person in DEMO_STAFF:
        if person.code in report.staff_created:
            _out(f"staff {person.code} {person.name} {person.role} PIN {person.pin}")
    _out(
        f"{report.members} demo members, {report.ledger_entries} ledger entries, {report.purchase_lines} purchase "
        f"lines, {report.preferences} preferences added in {seconds:.1f} s"
    )
    return 0


def _refresh(db: ServerDatabase, _args: argparse.Namespace) -> int:
    from server.refresh import RefreshBusy, refresh

    try:
        report = refresh(db)
    except RefreshBusy as busy:
        raise Refused(str(busy)) from None
    figures, profiles = report.figures, report.profiles
    _out(
        f"figures: {figures.members} members looked at, {figures.read} read from the ledger, {figures.changed} "
        f"changed in {report.figures_seconds:.1f} s"
    )
    _out(
        f"profiles (top categories, tags): {profiles.members} members looked at, {profiles.changed} changed in "
        f"{report.profiles_seconds:.1f} s"
    )
    coupons = report.coupons
    _out(
        f"coupons: {coupons.win_back} win-back, {coupons.birthday} birthday, {coupons.referral} referral, "
        f"{coupons.over_budget} over the budget"
    )
    expiry = report.expiry
    _out(
        f"points expiry: {expiry.expired_points} points of {expiry.expired_members} members expired, "
        f"{expiry.expiring_members} members with points expiring within 30 days, {expiry.warned} put on their "
        f"store's list ({expiry.looked} ledgers read)"
    )
    return 0


def _segment_history(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.segment_history import backfill

    if args.backfill < 1 or args.backfill > 366:
        raise Refused("--backfill: a number of days from 1 to 366")
    written = backfill(db, db.clock(), args.backfill)
    if not written:
        _out(f"the last {args.backfill} days have their segment mix already, or had no members; nothing written")
        return 0
    _out(f"segment mix worked out from the ledger for {len(written)} days, {written[0]} to {written[-1]}")
    return 0


def _coupon_template(db: ServerDatabase, args: argparse.Namespace) -> int:
    from loyalty.coupons import CouponTemplate, InvalidCouponTemplate
    from server.coupons import put_template

    try:
        template = CouponTemplate.from_dict(_json_file(args.file))
    except InvalidCouponTemplate as error:
        raise Refused(f"invalid coupon template: {error}") from None
    new = put_template(db, template)
    _out(f"coupon template {template.code} {'added' if new else 'replaced (what was issued from it stays counted)'}")
    return 0


def _coupon_templates(db: ServerDatabase, _args: argparse.Namespace) -> int:
    from server.coupons import templates

    with db.read() as session:
        listed = templates(session)
    for template, count, cents in listed:
        _out(json.dumps(template.to_dict() | {"issued_count": count, "issued_cents": cents}, ensure_ascii=False))
    return 0


def _gift(db: ServerDatabase, args: argparse.Namespace) -> int:
    from loyalty.gifts import Gift, InvalidGift
    from server.gifts import put_gift

    try:
        gift = Gift.from_dict(_json_file(args.file))
    except InvalidGift as error:
        raise Refused(f"invalid gift: {error}") from None
    _out(f"gift {gift.sku} {'added' if put_gift(db, gift) else 'replaced'}")
    return 0


def _gift_stock(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.gifts import UnknownGift, set_stock
    from server.models import Store

    if not 0 <= args.count <= 1_000_000:
        raise Refused("COUNT: a whole number from 0 to 1,000,000")
    with db.read() as session:
        if session.scalar(select(Store.id).where(Store.code == args.store)) is None:
            raise Refused(f"no store {args.store}: create it with create-store first")
    try:
        set_stock(db, args.store, args.sku, args.count)
    except UnknownGift:
        raise Refused(f"no gift {args.sku}: add it with gift first") from None
    _out(f"{args.store} has {args.count} of {args.sku}")
    return 0


def _gifts(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.gifts import for_store

    with db.read() as session:
        listed = for_store(session, args.store, store_day(db.clock(), store_zone()))
    for gift in listed:
        _out(json.dumps(gift, ensure_ascii=False))
    return 0


def _issue_coupons(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.coupons import UnknownTemplate, issue_campaign

    if not 1 <= len(args.campaign.strip()) <= 64 or args.campaign != args.campaign.strip():
        raise Refused("--campaign: a name of 1 to 64 characters, without spaces around it")
    try:
        report = issue_campaign(db, args.template, args.campaign)
    except UnknownTemplate:
        raise Refused(f"no coupon template {args.template}: add it with coupon-template first") from None
    _out(
        f"{report.issued} coupons issued; not issued: {report.holding} already hold one, {report.no_consent} without "
        f"marketing consent, {report.over_budget} over the budget"
    )
    return 0


def _set_benefit_rules(db: ServerDatabase, args: argparse.Namespace) -> int:
    from loyalty.coupons import BenefitRules, InvalidCouponTemplate
    from server.coupons import UnknownTemplate, set_benefit_rules

    try:
        rules = BenefitRules.from_dict(_json_file(args.file))
        set_benefit_rules(db, rules)
    except InvalidCouponTemplate as error:
        raise Refused(f"invalid benefit rules: {error}") from None
    except UnknownTemplate as missing:
        raise Refused(f"no coupon template {missing}: add it with coupon-template first") from None
    _out(json.dumps(rules.to_dict(), ensure_ascii=False))
    return 0


def _show_benefit_rules(db: ServerDatabase, _args: argparse.Namespace) -> int:
    with db.read() as session:
        rules = chain.benefit_rules(session)
    _out(json.dumps(rules.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _revoke_device(db: ServerDatabase, args: argparse.Namespace) -> int:
    admin.revoke_device(db, args.device_id)
    _out(f"device {args.device_id} revoked")
    return 0


def _list_devices(db: ServerDatabase, _args: argparse.Namespace) -> int:
    devices = admin.list_devices(db)
    if not devices:
        _out("no devices registered")
        return 0
    _out("device_id\tstore\tname\tregistered\tlast_seen\tstatus")
    for device in devices:
        seen = device.last_seen_at.isoformat(timespec="seconds") if device.last_seen_at else "-"
        status = f"revoked {device.revoked_at.isoformat(timespec='seconds')}" if device.revoked_at else "active"
        _out(
            f"{device.id}\t{device.store_code}\t{device.name}\t{device.created_at.isoformat(timespec='seconds')}"
            f"\t{seen}\t{status}"
        )
    return 0


def _audit_anchors(db: ServerDatabase, _args: argparse.Namespace) -> int:
    """Each till's latest accepted audit anchor and the refused ones (tampering) the server recorded."""
    from server.audit_anchors import list_anchors

    anchors = list_anchors(db)
    if not anchors:
        _out("no devices registered")
        return 0
    _out("device_id\tstore\tname\tkeyed\tanchored_seq\tanchored_hash\tanchored_at\trefusals\tlast_refusal")
    for a in anchors:
        at = a.anchored_at.isoformat(timespec="seconds") if a.anchored_at else "-"
        refusal = f"{a.last_refusal} {a.last_refusal_at.isoformat(timespec='seconds')}" if a.last_refusal_at else "-"
        _out(f"{a.device_id}\t{a.store_code}\t{a.device_name}\t{'yes' if a.keyed else 'no'}\t"
             f"{a.seq if a.seq is not None else '-'}\t{a.hash or '-'}\t{at}\t{a.refusals}\t{refusal}")  # fmt: skip
    return 0


def _revoke_card(db: ServerDatabase, args: argparse.Namespace) -> int:
    admin.revoke_card(db, args.serial)
    _out(f"card {args.serial} revoked")
    return 0


def _delete_member(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.data_rights import erase

    member_id = erase(db, args.member)
    _out(f"member {member_id} erased: every till drops their personal data on its next sync")
    return 0


def _merge_members(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.data_rights import merge_members

    keep_id, gone_id = merge_members(db, args.keep, args.gone)
    _out(f"member {gone_id} merged into {keep_id}: every till follows on its next sync")
    return 0


def _export_member(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.data_rights import export

    _out(json.dumps(export(db, args.member), ensure_ascii=False, indent=2))
    return 0


def _reissue_card(db: ServerDatabase, args: argparse.Namespace) -> int:
    card = admin.reissue_card(db, args.member_id)
    old = "none" if card.old_serial is None else f"{card.old_serial} (revoked)"
    _out(f"member {card.member_id}: new card {card.card_serial}, old card {old}")
    _out(card.code)
    return 0


def _member_code_requests(db: ServerDatabase, args: argparse.Namespace) -> int:
    rows = member_code_audit.requests(db, member_id=args.member, device_id=args.device)
    if not rows:
        _out("no member code requests")
        return 0
    _out("at\tdevice\tstore\tstaff\tmember\tcard\toutcome")
    for row in rows:
        card = "-" if row.card_serial is None else str(row.card_serial)
        _out(
            f"{row.at.isoformat(timespec='seconds')}\t{row.device_id or 'admin'}\t{row.store_code or '-'}"
            f"\t{row.staff_code or '-'}\t{row.member_id}\t{card}\t{row.outcome}"
        )
    return 0


def _history_requests(db: ServerDatabase, args: argparse.Namespace) -> int:
    from server.purchase_history import accesses

    rows = accesses(db, member_id=args.member, device_id=args.device)
    if not rows:
        _out("no purchase history requests")
        return 0
    _out("at\tdevice\tstore\tstaff\tmember\toutcome")
    for row in rows:
        _out(
            f"{row.at.isoformat(timespec='seconds')}\t{row.device_id}\t{row.store_code}\t{row.staff_code or '-'}"
            f"\t{row.member_id}\t{row.outcome}"
        )
    return 0


def _staff_pins(db: ServerDatabase, _args: argparse.Namespace) -> int:
    due = admin.staff_due_new_pins(db)
    if not due:
        _out("every staff PIN hash is argon2id at the default cost")
        return 0
    _out("staff\trole\tstatus\thash")
    for person in due:
        _out(f"{person.code}\t{person.role}\t{'active' if person.active else 'inactive'}\t{person.scheme}")
    _out(f"{len(due)} staff to give a new PIN with add-staff (their hash is replaced when the PIN is set)")
    return 0


# --- parser ----------------------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server", description="MemberDesk central member server")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,admin}")
    db_help = f"database URL (default: ${DB_ENV}, else a SQLite file in the user data folder)"

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--db", help=db_help)
    serve.add_argument("--allow-remote", action="store_true", help="listen beyond loopback (needs the TLS options)")
    serve.add_argument("--ssl-certfile", help="TLS certificate chain (PEM)")
    serve.add_argument("--ssl-keyfile", help="TLS private key (PEM)")
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="info")
    serve.add_argument("--no-access-log", action="store_true", help="no line per request")
    serve.add_argument(
        "--refresh-at",
        default="02:30",
        metavar="HH:MM",
        help="run the nightly refresh at this time of day in --refresh-zone (default 02:30), or 'off' (cron runs "
        "`admin refresh` instead)",
    )
    serve.add_argument(
        "--refresh-zone", default=DEFAULT_STORE_TIMEZONE, help="the time zone of --refresh-at (default Asia/Shanghai)"
    )
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="worker processes (default 1): the API's work is Python, one core per process; writes still go one at "
        "a time",
    )
    limits = Limits()
    serve.add_argument(
        "--rate-limit",
        type=_rate_limit,
        action="append",
        default=[],
        metavar="NAME=PER_SECOND:BURST",
        help="a call's token bucket, per device (per client address for register), or NAME=off; repeatable. "
        + ", ".join(f"{route.value}={limits.rates[route]}" for route in Route)
        + " by default",
    )
    serve.add_argument(
        "--in-flight",
        type=_in_flight,
        metavar="N",
        help=f"requests one device may have in flight at once, or off (default {limits.in_flight})",
    )
    serve.add_argument(
        "--enrolment-lockout",
        type=_lockout,
        metavar="FAILURES:MINUTES",
        help=f"wrong enrolment codes from one address that lock it out, or off (default {limits.address_lockout})",
    )
    serve.add_argument(
        "--store-enrolment-lockout",
        type=_lockout,
        metavar="FAILURES:MINUTES",
        help=f"wrong enrolment codes for one store that lock it out, or off (default {limits.store_lockout})",
    )
    serve.add_argument(
        "--no-rate-limits", action="store_true", help="no rate limits or lockouts at all (body caps stay)"
    )
    serve.set_defaults(handler=None)

    admin_parser = commands.add_parser("admin", help="administer stores, tills, staff, rules and members")
    admin_parser.add_argument("--db", help=db_help)
    admin_parser.add_argument("--log-level", choices=LOG_LEVELS, default="warning")
    actions = admin_parser.add_subparsers(dest="action", required=True, metavar="<command>")

    def action(name: str, handler: Callable[[ServerDatabase, argparse.Namespace], int], text: str) -> Any:
        sub = actions.add_parser(name, help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    sub = action("create-store", _create_store, "create a store")
    sub.add_argument("code", help="store code, e.g. S001")
    sub.add_argument("name", help="store name, e.g. 旗舰店")
    sub.add_argument("--timezone", default="Asia/Shanghai", help="IANA time zone (default Asia/Shanghai)")

    sub = action("enrolment-code", _enrolment_code, "make a one-time code to register a till (printed alone)")
    sub.add_argument("store", help="store code")
    sub.add_argument("--hours", type=float, default=24.0, help="hours the code stays valid (default 24)")

    sub = action("add-staff", _add_staff, "add or update a staff member (PIN from --pin, stdin or a prompt)")
    sub.add_argument("code", help="staff code, e.g. C001")
    sub.add_argument("name")
    sub.add_argument("role", choices=("cashier", "guide", "manager"))
    sub.add_argument("--pin", help="4-8 digits (visible to other users of this machine: prefer stdin or the prompt)")
    sub.add_argument("--store", help="the store they work at (default: every store, for a manager only)")

    sub = action("set-rules", _set_rules, "put new points rules in force (JSON of PointsRules.to_dict())")
    sub.add_argument("file", help="rules JSON file; its version must be above the current one")

    action("show-rules", _show_rules, "print the points rules in force as JSON")

    sub = action(
        "set-insight-rules",
        _set_insight_rules,
        "put new insight rules in force: segment thresholds, tier grace, tags, actions (docs/insight.md)",
    )
    sub.add_argument("file", help="insight rules JSON file (start from show-insight-rules); its version must increase")

    action("show-insight-rules", _show_insight_rules, "print the insight rules in force as JSON")

    sub = action(
        "import-members", _import_members, "import members from a CSV file (phone,name,birthday,gender,balance)"
    )
    sub.add_argument("csv", help="UTF-8 CSV file with a header line")
    sub.add_argument("--store", required=True, help="the members' home store")
    sub.add_argument("--rejects", help="write the rejected lines (line, reason, message) to this CSV file")
    sub.add_argument("--dry-run", action="store_true", help="check every line, import nothing")

    sub = action("demo", _demo, "add demo stores, staff and members")
    sub.set_defaults(check=_check_demo)
    sub.add_argument(
        "--members", type=_whole_number, required=True, help=f"how many members to add (0 to {DEMO_MAX_MEMBERS:,})"
    )
    sub.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    sub.add_argument(
        "--no-lines",
        action="store_true",
        help="no purchase lines (nor top categories): a quicker build, for the 1,000,000-member benchmarks",
    )

    action(
        "refresh",
        _refresh,
        "recompute the members' figures that move with time (top categories over 12 months); run it nightly",
    )

    sub = action(
        "segment-history",
        _segment_history,
        "work out the segment mix of earlier days from the ledger, for the board's trend (days with a nightly "
        "snapshot keep it)",
    )
    sub.add_argument("--backfill", type=int, required=True, metavar="DAYS", help="how many days back (1-366)")

    sub = action("coupon-template", _coupon_template, "add or replace a coupon template (JSON; docs/benefits.md)")
    sub.add_argument("file", help="coupon template JSON file")
    action("coupon-templates", _coupon_templates, "list the coupon templates and what was issued from each")
    sub = action(
        "issue-coupons",
        _issue_coupons,
        "a campaign: one coupon of a template to each member its audience takes who consented to marketing",
    )
    sub.add_argument("template", help="the template's code")
    sub.add_argument("--campaign", required=True, help="the campaign's name, kept with each coupon (up to 64)")
    sub = action("gift", _gift, "add or replace an item of the gift catalogue (JSON; docs/benefits.md)")
    sub.add_argument("file", help="gift JSON file")
    sub = action("gift-stock", _gift_stock, "how many of a gift a store has now (a stock take)")
    sub.add_argument("store", help="store code")
    sub.add_argument("sku", help="the gift's SKU")
    sub.add_argument("count", type=int, help="the count")
    sub = action("gifts", _gifts, "the gift catalogue offered now or later, with a store's stock, as JSON lines")
    sub.add_argument("store", help="store code")
    sub = action(
        "set-benefit-rules",
        _set_benefit_rules,
        'the coupons the nightly refresh gives: {"win_back": TEMPLATE, "birthday": TEMPLATE} (docs/benefits.md)',
    )
    sub.add_argument("file", help="benefit rules JSON file")
    action("show-benefit-rules", _show_benefit_rules, "print the benefit rules in force as JSON")

    sub = action("revoke-device", _revoke_device, "revoke a till's token for ever")
    sub.add_argument("device_id")

    action("list-devices", _list_devices, "list the registered tills")
    action("audit-anchors", _audit_anchors, "list each till's audit anchor and the refused (tampered) ones")

    sub = action("revoke-card", _revoke_card, "revoke a member card serial (lost card)")
    sub.add_argument("serial", type=int)

    member_help = "the member's id, or their mobile phone number"
    sub = action("delete-member", _delete_member, "erase a member's personal data at their request (every till)")
    sub.add_argument("member", help=member_help)
    sub = action("merge-members", _merge_members, "merge a duplicate member (GONE) into the member kept (KEEP)")
    sub.add_argument("keep", metavar="KEEP", help=member_help)
    sub.add_argument("gone", metavar="GONE", help=member_help)
    sub = action("export-member", _export_member, "print everything held about one member as JSON")
    sub.add_argument("member", help=member_help)

    sub = action("reissue-card", _reissue_card, "give a member a new card serial; the old one is revoked")
    sub.add_argument("member_id", help="the member's id (a merged id stands for its survivor)")

    sub = action("member-code-requests", _member_code_requests, "print the audit of member codes handed out")
    sub.add_argument("--member", help="only this member id (as asked)")
    sub.add_argument("--device", help="only this device id")

    sub = action("history-requests", _history_requests, "print the audit of purchase histories tills read")
    sub.add_argument("--member", help="only this member id (as asked)")
    sub.add_argument("--device", help="only this device id")

    action("staff-pins", _staff_pins, "list staff whose PIN hash is legacy scrypt or weaker than the default")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (0 done, 1 refused, 2 usage)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2)
        return exit_.code if isinstance(exit_.code, int) else 2
    args.argv = list(sys.argv[1:] if argv is None else argv)  # `serve --workers`: what each worker parses again
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "serve":
            return _serve(args, parser)
        check: Callable[[argparse.Namespace], None] | None = getattr(args, "check", None)
        if check is not None:  # what can be refused before the database is opened (and perhaps created)
            check(args)
        db = open_database(args.db)
        try:
            handler: Callable[[ServerDatabase, argparse.Namespace], int] = args.handler
            return handler(db, args)
        finally:
            db.close()
    except SystemExit as exit_:  # parser.error inside a command
        return exit_.code if isinstance(exit_.code, int) else 2
    except (Refused, AdminError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    except OSError as error:  # a file a command reads or writes (rules, a CSV, its rejects) that cannot be
        where = f"{error.filename}: " if error.filename else ""
        sys.stderr.write(f"error: {where}{error.strerror or error}\n")
        return 1
