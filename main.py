"""MemberDesk entry point: parse the command line, open the till's local store and report on it.

For now (foundation issue) it opens or creates the store, runs its migrations and prints a short status; the
counter window and the sync commands arrive with their issues."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from localdb.database import default_store_path
from localdb.till import Till


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="memberdesk", description="MemberDesk point-of-sale member client")
    parser.add_argument(
        "--db", type=Path, default=None, help=f"the till's database file (default: {default_store_path()})"
    )
    parser.add_argument("--verbose", action="store_true", help="log progress to standard error")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("status", help="open the local store and print its status (the default)")
    sub.add_parser("verify-audit", help="check the audit log's hash chain")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    till = Till.open(args.db)
    try:
        if args.command == "verify-audit":
            check = till.verify_audit()
            if check.ok:
                print(f"audit chain intact: {check.rows} rows")
                return 0
            print(f"audit chain broken at row {check.first_bad_seq}: {check.problem}")
            return 1
        status = till.status()
        print("MemberDesk till store")
        print(f"  database:        {status.path}")
        print(f"  schema revision: {status.schema_revision}")
        print(f"  store / device:  {status.store_code} / {status.device_id}")
        print(f"  members cached:  {status.members}")
        print(f"  staff:           {status.staff}")
        print(f"  outbox pending:  {status.pending_outbox}")
        print(f"  points rules:    version {status.rules_version}")
        return 0
    finally:
        till.close()


if __name__ == "__main__":
    sys.exit(main())
