"""MemberDesk entry point: parse the command line, open the till's local store, and run what was asked: the demo
(the default: an embedded local server with demo data, a demo till registered with it and synced, then the counter
window logged in as the demo cashier), the counter window on the real till (`gui`), print the store's status,
verify the audit chain, register the till with the central server, or sync with it (headless, for a scheduled
end-of-day job: prints a summary and exits non-zero when anything failed to sync).

Exit codes: 0 done, 1 refused or incomplete, 2 a usage error (argparse); `verify-audit` also 3 (rows at the end of
the audit log deleted: it ends before the server's anchor) and 4 (the chain recomputed: the anchored row differs).
A refusal — a `--db` that is no till database, a full disk, a registration the server or the till turns down — is
one line `error: …` on stderr saying what is wrong and what to do, worded in one place (`refusal_words`); never a
traceback, never a phone or a name.
Anything else is a bug and keeps its traceback."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from localdb.database import default_store_path
from localdb.errors import OpenProblem, Problem, StoreError, StoreUnavailable
from localdb.staff import StaffSession
from localdb.till import Till

if TYPE_CHECKING:
    from server.embedded import EmbeddedServer

# What only some commands use is imported where it is used, so a start pays for no more than its command needs:
# the central server (FastAPI, uvicorn, demo data; about half a second) only for the demo, which runs one; the sync
# client (httpx, pydantic) only for `register` and `sync`, and with the window.


#: The demo's members, made on its first start: at least one to look up, at most what a demo should take (a million
#: members take some minutes and a few hundred MB; 10**14 would run until the disk is full).
DEMO_MAX_MEMBERS = 1_000_000


def demo_members(text: str) -> int:
    """`demo --members`: a whole number from 1 to DEMO_MAX_MEMBERS, else a usage error naming the range."""
    try:
        members = int(text.strip())
    except ValueError:
        members = 0
    if not 1 <= members <= DEMO_MAX_MEMBERS:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise argparse.ArgumentTypeError(
            f"a number of members from 1 to {DEMO_MAX_MEMBERS:,}, e.g. 2000 (not {shown!r})"
        )
    return members


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="memberdesk", description="MemberDesk point-of-sale member client")
    parser.add_argument(
        "--db", type=Path, default=None, help=f"the till's database file (default: {default_store_path()})"
    )
    parser.add_argument("--verbose", action="store_true", help="log progress to standard error")
    parser.add_argument("--lang", default=None, help="the window's language: zh_CN (default) or en")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="a local demo server with demo data and a demo till synced with it (default)")
    demo.add_argument(
        "--members", type=demo_members, default=2000,
        help=f"demo members made on first use, 1 to {DEMO_MAX_MEMBERS:,} (default 2000)",
    )  # fmt: skip
    demo.add_argument("--headless", action="store_true", help="sync and print the status without opening the window")
    demo.add_argument("--staff", default="C001", help="the demo staff logged in (default C001, the cashier)")
    demo.add_argument(
        "--pos-port", type=pos_port, default=DEFAULT_POS_PORT,
        help=f"the till's POS interface on 127.0.0.1 (default {DEFAULT_POS_PORT}; 0: off)",
    )  # fmt: skip
    demo.add_argument("--pos-wait", action="store_true", help="with --headless: keep the POS interface up until Ctrl-C")
    sub.add_parser("gui", help="the counter window on this till (registration on first start, then login)")
    sub.add_parser("status", help="open the local store and print its status")
    sub.add_parser("verify-audit", help="check the audit log's hash chain, and against the server's anchor")
    register = sub.add_parser("register", help="register this till with the central member server")
    register.add_argument("--server", required=True, help="the server's address, e.g. https://members.example.com")
    register.add_argument("--store", required=True, help="this store's code, e.g. S001")
    register.add_argument("--code", required=True, help="the one-time enrolment code the manager was given")
    register.add_argument("--name", default=None, help="a name for this till (default: the computer's name)")
    sync = sub.add_parser("sync", help="push this till's points and pull member changes, then print a summary")
    sync.add_argument("--quiet", action="store_true", help="print only the summary")
    sim = sub.add_parser("pos-sim", help="a POS simulator driving this till's POS interface (docs/pos.md)")
    sim.add_argument("--url", default=f"http://127.0.0.1:{DEFAULT_POS_PORT}", help="the till's POS interface")
    sim.add_argument("--secret", default=None, help="the POS secret (default: this till's, read where it is kept)")
    sim.add_argument("--phone", default=None, help="the member's phone (default: a member a phone tail finds)")
    sim.add_argument("--member-code", default=None, help="a scanned member code instead of a phone")
    sim.add_argument("--other-store", default=None, help="the store of another store's sale to take back")
    sim.add_argument("--other-receipt", default=None, help="that sale's receipt number")
    sim.add_argument("--pending", action="store_true", help="hand the counter a sale to confirm, and wait for it")
    return parser


#: The POS interface's port on 127.0.0.1 unless told otherwise.
DEFAULT_POS_PORT = 8765


def pos_port(text: str) -> int:
    """`--pos-port`: 0 (off) or 1024..65535."""
    try:
        port = int(text.strip())
    except ValueError:
        port = -1
    if port != 0 and not 1024 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port from 1024 to 65535, or 0 for none (not {text[:20]!r})")
    return port


def demo_folder() -> Path:
    """The demo's own server and till files, apart from a real till's store."""
    return default_store_path().parent / "demo"


class Refused(Exception):
    """A refusal this module words itself: its message is the words."""


@contextmanager
def _started(server: EmbeddedServer) -> Iterator[EmbeddedServer]:
    """The demo's server, started and stopped; its own database file unusable (damaged, not SQLite, the disk full)
    is a refusal that says which file, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        server.start()
    except (OSError, SQLAlchemyError) as error:
        server.stop()
        detail = str(getattr(error, "orig", None) or getattr(error, "strerror", None) or error).splitlines()[0]
        raise Refused(f"the demo server's database {server.path} cannot be used ({detail}): move it away to make "
                      "the demo afresh") from None  # fmt: skip
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def _pos_interface(till: Till, staff: StaffSession, port: int) -> Iterator[str | None]:
    """The till's POS interface on 127.0.0.1:`port` for the demo, acting as `staff`; None when off or the port is
    taken (the demo goes on without it)."""
    if port == 0:
        yield None
        return
    from posapi.serving import start_pos_interface

    try:
        interface = start_pos_interface(till, lambda: staff, port=port)
    except OSError as error:
        print(
            f"the POS interface cannot listen on 127.0.0.1:{port} ({error.strerror}); try --pos-port", file=sys.stderr
        )
        yield None
        return
    try:
        yield interface.url
    finally:
        interface.stop()


def _print_pos_help(url: str, port: int, db: Path | None, other: tuple[str, str] | None) -> None:
    print(f"POS interface: {url}/pos/v1 (API docs: {url}/docs; the secret: `pos-sim` reads it, docs/pos.md)")
    where = f"--db {db} " if db is not None else ""
    sim = f"./run.sh {where}pos-sim{' --url ' + url if port != DEFAULT_POS_PORT else ''}"
    print(f"  a POS sale, a refund: {sim}")
    if other is not None:
        print(f"  with a return of another store's sale: {sim} --other-store {other[0]} --other-receipt {other[1]}")
    print(f"  a sale for the counter to confirm: {sim} --pending")


def _demo(
    db: Path | None,
    members: int,
    *,
    headless: bool,
    staff_code: str,
    lang: str | None,
    pos_port: int = DEFAULT_POS_PORT,
    pos_wait: bool = False,
) -> int:
    from server.demo import DEMO_STAFF
    from server.embedded import DEMO_STORE, EmbeddedServer
    from sync.registration import register_till

    pins = {person.code: person.pin for person in DEMO_STAFF}
    if not headless and staff_code not in pins:
        print(f"unknown demo staff {staff_code!r}; choose one of {', '.join(pins)}", file=sys.stderr)
        return 2
    folder = db.parent if db else demo_folder()
    # First: a bad --db is refused before demo data is made. The window does not wait for the full integrity check.
    till = Till.open(db or folder / "till.sqlite3", check_in_background=not headless)
    try:
        print(f"MemberDesk demo: a local member server with demo data in {folder}")
        with _started(EmbeddedServer(folder / "demo-server.sqlite3", members=members)) as server:
            if till.sync.registration() is None:
                register_till(till.sync, server_url=server.url, store_code=DEMO_STORE,
                              enrolment_code=server.enrolment_code(), device_name="demo till")  # fmt: skip
            till.sync.point_at(server.url)  # the demo server listens on a new port each run
            code = _sync(till, quiet=False)
            _print_status(till)
            print("demo staff (code, name, PIN, role):")
            for person in DEMO_STAFF:
                print(f"  {person.code} {person.name} PIN {person.pin} ({person.role})")
            staff = till.staff.login(staff_code, pins[staff_code]) if staff_code in pins else None
            if staff is None or (headless and not pos_wait):
                return code
            if not headless:  # the window serves the POS interface itself, tied to its pending-sale bar
                if pos_port:
                    _print_pos_help(f"http://127.0.0.1:{pos_port}", pos_port, db, server.other_store_receipt())
                return _gui(till, lang, staff=staff, pos_port=pos_port)
            with _pos_interface(till, staff, pos_port) as url:
                if url is not None:
                    _print_pos_help(url, pos_port, db, server.other_store_receipt())
                print("serving the POS interface until Ctrl-C")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    return code
    finally:
        till.close()


QT_X11_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 "
    "libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0"
)


def missing_display_library() -> str | None:
    """Qt's X11 plugin aborts the whole process when a system library it needs is missing (a fresh desktop may
    lack some); find out first and say which, in words. None when the window can open (or it is not X11)."""
    import ctypes
    import ctypes.util
    import os

    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform not in ("", "xcb") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    try:
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY)
    except OSError as exc:
        named = re.search(r"(lib[\w.+-]+?\.so[\w.]*): cannot open", str(exc))
        return named.group(1) if named else str(exc)
    if ctypes.util.find_library("xcb-cursor") is None:  # loaded by Qt at start-up, not linked
        return "libxcb-cursor.so.0"
    return None


def _gui(till: Till, lang: str | None, *, staff: StaffSession | None = None, pos_port: int | None = None) -> int:
    missing = missing_display_library()
    if missing is not None:
        print(f"the window cannot open: the system library {missing} is missing.\n"
              f"On Debian/Ubuntu: sudo apt install {QT_X11_PACKAGES}", file=sys.stderr)  # fmt: skip
        return 1
    from ui.app import run_gui  # Qt is loaded only for the window, not for the headless commands
    from ui.i18n import parse_language

    return run_gui(till, language=parse_language(lang) if lang else None, staff=staff, pos_port=pos_port)


def _print_status(till: Till) -> None:
    status = till.status()
    print("MemberDesk till store")
    print(f"  database:        {status.path}")
    print(f"  schema revision: {status.schema_revision}")
    print(f"  store / device:  {status.store_code} / {status.device_id}")
    print(f"  members cached:  {status.members}")
    print(f"  staff:           {status.staff}")
    print(f"  outbox pending:  {status.pending_outbox}")
    print(f"  points rules:    version {status.rules_version}")


def _register(till: Till, args: argparse.Namespace) -> int:
    from sync.registration import register_till

    answer = register_till(
        till.sync, server_url=args.server, store_code=args.store, enrolment_code=args.code, device_name=args.name
    )  # a refusal (SyncError) is worded by refusal_words
    print(f"registered as till {answer.device_id} of store {answer.store.code} {answer.store.name}")
    print("run `sync` now to load the members")
    return 0


_AUDIT_PROBLEMS = {
    "edited": "the row was changed after it was written",
    "missing": "the row was deleted",
    "relinked": "the row was moved or put back in another place",
    "key_missing": "the audit key that row starts was deleted from the database",
}
#: `verify-audit`'s exit codes beyond 0 (intact) and 1 (the chain itself broken).
AUDIT_ROWS_DELETED = 3
AUDIT_RECOMPUTED = 4


def _verify_audit(till: Till) -> int:
    """The chain with its key, then against the anchor the server holds (fetched; offline, said and skipped)."""
    check = till.verify_audit()
    if check.ok:
        keyed = "keyed" if check.keyed else "not keyed yet: the next sync fetches this till's audit key"
        print(f"audit chain intact: {check.rows} rows ({keyed})")
    else:
        print(f"audit chain broken at row {check.first_bad_seq}: {check.problem} "
              f"({_AUDIT_PROBLEMS.get(check.problem or '', '')})")  # fmt: skip
    code = 0 if check.ok else 1
    anchor_code = _check_audit_anchor(till)
    return code or anchor_code


def _check_audit_anchor(till: Till) -> int:
    from localdb.audit_anchor import Anchor, AnchorVerdict
    from sync.client import ServerClient, SyncError

    registration = till.sync.registration()
    if registration is None:
        print("anchor check not made: this till is not registered with a server")
        return 0
    try:
        with ServerClient(registration.server_url, registration.token) as client:
            held = client.held_anchor().anchor
    except SyncError as error:
        words = _SYNC_WORDS.get(error.code, str(error))
        print(f"anchor check could not be made: {words} ({error.code}); only the chain on this till was checked")
        return 0
    if held is None:
        print("anchor check: the server holds no anchor for this till yet (each sync sends one)")
        return 0
    verdict, head = till.compare_audit_with(Anchor(held.seq, held.hash))
    if verdict is AnchorVerdict.BEHIND:
        print(f"audit log rows deleted: the server's anchor is row {held.seq}, but this chain ends at row {head}: "
              f"rows after {head} were deleted")  # fmt: skip
        return AUDIT_ROWS_DELETED
    if verdict is AnchorVerdict.RECOMPUTED:
        print(f"audit chain recomputed: row {held.seq} differs from the server's anchor of it: the chain was "
              "rewritten at or before that row")  # fmt: skip
        return AUDIT_RECOMPUTED
    print(f"anchor check: row {held.seq} matches the server's anchor")
    return 0


def _sync(till: Till, *, quiet: bool) -> int:
    from sync.engine import Phase, SyncEngine

    last: dict[Phase, int] = {}

    def progress(phase: Phase, done: int, total: int | None) -> None:
        if quiet or phase is Phase.DONE:
            return
        percent = done * 100 // total if total else None
        if percent is not None and last.get(phase) == percent:
            return
        last[phase] = percent if percent is not None else done
        print(f"  {phase.value}: {done}{f'/{total} ({percent}%)' if total else ''}", file=sys.stderr)

    report = SyncEngine(till.sync, clock=till.clock).run(progress)
    print("sync " + ("complete" if report.ok else "INCOMPLETE"))
    for line in report.summary_lines():
        print(f"  {line}")
    for item_id, status, reason in till.sync.exceptions():
        print(f"  {status or 'kept'}: item {item_id} ({reason or '-'})")
    if report.error in _STORAGE_CODES:  # the till's own disk stopped the run: say what to do, as any refusal
        raise StoreError(Problem(report.error))
    return 0 if report.ok else 1


_STORAGE_CODES = frozenset({Problem.STORAGE_FULL.value, Problem.STORAGE_FAILED.value})

# -- refusals in words: the one place that turns an error into what the person at the command line reads ---------

_OPEN_WORDS: dict[OpenProblem, str] = {
    OpenProblem.IS_A_FOLDER: "the till database {path} is a folder: give --db the path of a database file, "
    "e.g. {path}/till.sqlite3",
    OpenProblem.FOLDER_IS_A_FILE: "cannot make the till database {path}: {file} is a file, not a folder: check "
    "the --db path",
    OpenProblem.NOT_PERMITTED: "cannot create or write the till database {path}: permission denied: give --db a "
    "place this account may write, or fix its permissions",
    OpenProblem.NO_SUCH_PLACE: "cannot make a folder for the till database {path} there: give --db a path in a "
    "writable place",
    OpenProblem.NOT_A_DATABASE: "{path} is not a MemberDesk till database (not SQLite, damaged, or encrypted with a "
    "key this computer does not have): check the --db path; if it is this till's own file, restore it and its key "
    "from a backup",
    OpenProblem.WRONG_KEY: "{path} is an encrypted till database this computer's key does not open (another "
    "till's file, a lost key, or a damaged file): check the --db path; if it is this till's own file, restore it and "
    "its key from a backup, or register the till again",
    OpenProblem.IN_USE: "{path} is open in another MemberDesk (an older version still running?) and must be "
    "encrypted before this one uses it: close the other one, then start again",
    OpenProblem.DAMAGED: "{path} is damaged (pages fail the encryption's integrity check): restore it from a backup, "
    "or register the till again",
    OpenProblem.NOT_A_TILL: "{path} is another program's database, not a MemberDesk till's: check the --db path",
    OpenProblem.STORAGE_FULL: "the disk holding {path} is full: free some space, then run the command again",
    OpenProblem.FAILED: "the till database {path} could not be read or written (an I/O error): check the disk, "
    "or restore the file from a backup",
}

_STORE_WORDS: dict[Problem, str] = {
    Problem.STORAGE_FULL: "the disk holding the till's database is full: nothing more was written. Free some space, "
    "then run the command again (a sync carries on where it stopped)",
    Problem.STORAGE_FAILED: "the till's database could not be read or written (an I/O error or a damaged file): "
    "nothing more was written. Check the disk and run verify-audit; restore the file from a backup if it fails",
}

_SYNC_WORDS: dict[str, str] = {
    "bad_server_url": "not a server address: give it like https://members.example.com",
    "insecure_server": "plain http is only for a server on this computer: give the server's https:// address",
    "bad_store_code": "a store code is 1 to 32 letters, digits, - or _ (e.g. S001): check it with the head office",
    "bad_enrolment_code": "an enrolment code is 4 to 32 letters or digits, as the head office gave it",
    "unknown_store": "the server does not know this store code: check it with the head office (e.g. S001)",
    "enrolment_code_invalid": "the enrolment code is wrong, used or expired: ask the head office for a new one",
    "server_unreachable": "the server does not answer: check the address and the network, then try again",
    "server_busy": "the server is busy: try again in a few minutes",
}


def _file_in_the_way(path: Path) -> Path:
    """The file on `path` that stands where a folder should (`/etc/passwd` of `/etc/passwd/x`)."""
    return next((parent for parent in path.parents if parent.exists() and not parent.is_dir()), path.parent)


def refusal_words(error: BaseException) -> str | None:
    """What a refusal means for the person at the command line and what to do, in one line (no phone, no name);
    None for anything that is not a refusal (a bug: it keeps its traceback)."""
    if isinstance(error, Refused):
        return str(error)
    if isinstance(error, StoreUnavailable):
        return _OPEN_WORDS[error.reason].format(path=error.path, file=_file_in_the_way(error.path))
    if isinstance(error, StoreError):
        return _STORE_WORDS.get(error.problem, f"refused: {error.problem.value}")
    from sync.client import SyncError  # here, on the way out: `status` does not load the sync client

    if isinstance(error, SyncError):
        return f"{_SYNC_WORDS.get(error.code, str(error))} ({error.code})"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return _run(args)
    except Exception as error:
        words = refusal_words(error)
        if words is None:
            raise
        print(f"error: {words}", file=sys.stderr)
        return 1


def _pos_sim(args: argparse.Namespace) -> int:
    from posapi.secret import pos_secret
    from posapi.simulator import SimOptions, run_simulator

    database = args.db or demo_folder() / "till.sqlite3"
    secret = args.secret or pos_secret(database)
    options = SimOptions(
        url=args.url,
        secret=secret,
        phone=args.phone,
        member_code=args.member_code,
        other_store=args.other_store,
        other_receipt=args.other_receipt,
        pending=args.pending,
    )
    return run_simulator(options)


def _run(args: argparse.Namespace) -> int:
    if args.command in (None, "demo"):
        return _demo(args.db, getattr(args, "members", 2000), headless=getattr(args, "headless", False),
                     staff_code=getattr(args, "staff", "C001"), lang=args.lang,
                     pos_port=getattr(args, "pos_port", DEFAULT_POS_PORT),
                     pos_wait=getattr(args, "pos_wait", False))  # fmt: skip
    if args.command == "pos-sim":
        return _pos_sim(args)
    # The counter window starts without waiting for the full integrity check (it reads every page); the commands do.
    till = Till.open(args.db, check_in_background=args.command == "gui")
    try:
        if args.command == "register":
            return _register(till, args)
        if args.command == "sync":
            return _sync(till, quiet=args.quiet)
        if args.command == "gui":
            return _gui(till, args.lang)
        if args.command == "verify-audit":
            return _verify_audit(till)
        _print_status(till)
        return 0
    finally:
        till.close()


if __name__ == "__main__":
    sys.exit(main())
