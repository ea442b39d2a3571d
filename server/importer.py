"""Importing members from a CSV file into the central server (a chain moving from its old member system).

The file: UTF-8 with or without a byte-order mark, a header line naming the columns `phone,name,birthday,gender,
balance` (any order; `phone` and `name` required, the others optional, no unknown column), one member a line:

- phone: anything a cashier would type (`138 0013 8000`, `+86 138-0013-8000`, full-width digits...), checked by
  `loyalty.phone.parse_mobile` and stored as E.164;
- name: 1 to 64 characters (inner runs of spaces folded, as the server does for enrolments);
- birthday: optional, `YYYY-MM-DD`, a real date after 1900-01-01 and before today;
- gender: optional, `F`/`M` (any case) or `女`/`男`;
- balance: optional, whole points >= 0 (default 0). It becomes the member's opening `adjust` ledger entry
  (staff `import`, device `import`, the import's store, status applied), so balance == sum of the ledger.

Every line is checked; a bad line is a *reject* `(line_no, reason, message)` and the others are imported. A phone
seen earlier in the file, or already on the server, is a reject too. The report carries line numbers, reason codes
and messages only, never a phone, a name or a birthday (it is printed and may be logged).

Bulk: lines are read and checked in chunks of 10,000; each chunk is one `ServerDatabase.write()` transaction that
checks the chunk's phones against the server, reserves versions and card serials as a block and inserts members
and ledger entries with Core executemany (no ORM object per row). A chunk holds the write lock for well under a
second, so tills keep syncing during a long import. If an import stops part-way (power cut), the chunks already
committed stay; importing the same file again imports the rest and reports the others as `already_on_server`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from sqlalchemy import insert, select
from uuid6 import uuid7

from loyalty.phone import InvalidPhone, parse_mobile
from loyalty.rules import PointsRules
from protocol.vocabulary import EntryKind, ItemStatus
from server import chain
from server.admin import AdminError
from server.db import ServerDatabase
from server.members import new_member_row, taken_phones
from server.models import AdminLog, Base, Store

__all__ = ["COLUMNS", "ImportReport", "Reason", "Reject", "import_members", "write_rejects"]

logger = logging.getLogger(__name__)

COLUMNS: Final = ("phone", "name", "birthday", "gender", "balance")
REQUIRED: Final = ("phone", "name")
IMPORT_ACTOR: Final = "import"  # staff_code and device_id of the opening-balance entries
CHUNK: Final = 10_000
MAX_NAME: Final = 64
MAX_BALANCE: Final = 1_000_000_000  # a billion points is a keying error, not a balance
EARLIEST_BIRTHDAY: Final = date(1900, 1, 1)
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_GENDERS: Final = {"F": "F", "M": "M", "女": "F", "男": "M"}
_MEMBER: Final = Base.metadata.tables["member"]
_LEDGER: Final = Base.metadata.tables["ledger_entry"]


class Reason(StrEnum):
    """Why a line was not imported (stable codes for scripts and the rejects file)."""

    WRONG_FIELD_COUNT = "wrong_field_count"
    INVALID_PHONE = "invalid_phone"
    MISSING_NAME = "missing_name"
    NAME_TOO_LONG = "name_too_long"
    INVALID_NAME = "invalid_name"
    INVALID_BIRTHDAY = "invalid_birthday"
    FUTURE_BIRTHDAY = "future_birthday"
    INVALID_GENDER = "invalid_gender"
    INVALID_BALANCE = "invalid_balance"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    ALREADY_ON_SERVER = "already_on_server"


@dataclass(frozen=True, slots=True)
class Reject:
    """One line not imported. `message` never repeats the line's values (they are personal data)."""

    line_no: int
    reason: Reason
    message: str

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.reason.value}: {self.message}"


@dataclass(slots=True)
class ImportReport:
    """What an import did: counts and the rejected lines, nothing personal."""

    store_code: str
    rows: int = 0  # data lines read (blank lines not counted)
    imported: int = 0
    opening_points: int = 0  # sum of the imported balances
    rejects: list[Reject] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{verb} {self.imported} of {self.rows} members into store {self.store_code} "
            f"({self.opening_points} opening points); {len(self.rejects)} rejected"
        )

    def lines(self) -> list[str]:
        """The summary, then one line per reject (what the CLI prints)."""
        return [self.summary(), *(str(reject) for reject in self.rejects)]


class ImportFileError(AdminError):
    """The file as a whole cannot be imported (not UTF-8, no or a wrong header); nothing was imported."""


@dataclass(frozen=True, slots=True)
class _Row:
    line_no: int
    phone: str
    name: str
    birthday: date | None
    gender: str | None
    balance: int


class _Refused(ValueError):
    """A line's value refused (internal: becomes a Reject)."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# --- reading and checking --------------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"cannot read the file: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"the file is not UTF-8 (byte {error.start} cannot be read): save it as 'CSV UTF-8' and try again"
        ) from None


def _header(fields: Sequence[str]) -> dict[str, int]:
    names = [unicodedata.normalize("NFKC", name).strip().lower() for name in fields]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"unknown column(s) {', '.join(repr(n) for n in unknown)} in the header: expected {','.join(COLUMNS)}"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImportFileError(f"column(s) named twice in the header: {', '.join(repeated)}")
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ImportFileError(f"the header lacks the column(s) {', '.join(missing)}: expected {','.join(COLUMNS)}")
    return {name: index for index, name in enumerate(names)}


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of each record after the header; blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    previous_end = 0
    for fields in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if not fields or all(not value.strip() for value in fields):
            continue
        yield start, fields


def _phone(text: str) -> str:
    try:
        return parse_mobile(text)
    except InvalidPhone as error:
        raise _Refused(Reason.INVALID_PHONE, f"phone: {error.problem.value} ({error})") from None


def _name(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise _Refused(Reason.MISSING_NAME, "name: empty")
    if len(name) > MAX_NAME:
        raise _Refused(Reason.NAME_TOO_LONG, f"name: longer than {MAX_NAME} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise _Refused(Reason.INVALID_NAME, "name: contains control characters")
    return name


def _birthday(text: str, today: date) -> date | None:
    text = text.strip()
    if not text:
        return None
    if not _DATE.fullmatch(text):
        raise _Refused(Reason.INVALID_BIRTHDAY, "birthday: not a date written YYYY-MM-DD")
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise _Refused(Reason.INVALID_BIRTHDAY, "birthday: no such day in the calendar") from None
    if value >= today:
        raise _Refused(Reason.FUTURE_BIRTHDAY, "birthday: today or in the future")
    if value < EARLIEST_BIRTHDAY:
        raise _Refused(Reason.INVALID_BIRTHDAY, f"birthday: before {EARLIEST_BIRTHDAY.isoformat()}")
    return value


def _gender(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", text).strip().upper()
    if not text:
        return None
    gender = _GENDERS.get(text)
    if gender is None:
        raise _Refused(Reason.INVALID_GENDER, "gender: not F, M, 女 or 男")
    return gender


def _balance(text: str) -> int:
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()):
        raise _Refused(Reason.INVALID_BALANCE, "balance: not a whole number of points >= 0")
    value = int(text)
    if value > MAX_BALANCE:
        raise _Refused(Reason.INVALID_BALANCE, f"balance: more than {MAX_BALANCE} points")
    return value


def _check(line_no: int, fields: list[str], columns: dict[str, int], today: date) -> _Row:
    if len(fields) != len(columns):
        raise _Refused(Reason.WRONG_FIELD_COUNT, f"{len(fields)} fields where the header has {len(columns)}")

    def get(name: str) -> str:
        index = columns.get(name)
        return "" if index is None else fields[index]

    return _Row(
        line_no=line_no,
        phone=_phone(get("phone")),
        name=_name(get("name")),
        birthday=_birthday(get("birthday"), today),
        gender=_gender(get("gender")),
        balance=_balance(get("balance")),
    )


# --- writing ---------------------------------------------------------------------------------------------------------


def _write_chunk(
    db: ServerDatabase, rows: list[_Row], store_code: str, rules: PointsRules, report: ImportReport
) -> None:
    """Insert one chunk in one write transaction; rows whose phone is already on the server become rejects. A dry
    run only reads."""
    with db.read() if report.dry_run else db.write() as session:
        taken = taken_phones(session, [row.phone for row in rows])
        fresh = [row for row in rows if row.phone not in taken]
        report.rejects.extend(
            Reject(row.line_no, Reason.ALREADY_ON_SERVER, "phone: already belongs to a member on the server")
            for row in rows
            if row.phone in taken
        )
        if not fresh:
            return
        now = db.clock()
        version = db.reserve_versions(session, len(fresh)) if not report.dry_run else 0
        serial = db.reserve_card_serials(session, len(fresh)) if not report.dry_run else 0
        members: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        for offset, row in enumerate(fresh):
            member_id = str(uuid7())
            members.append(
                new_member_row(
                    rules,
                    now,
                    member_id=member_id,
                    phone=row.phone,
                    name=row.name,
                    card_serial=serial + offset,
                    version=version + offset,
                    gender=row.gender,
                    birthday=row.birthday,
                    home_store=store_code,
                    balance=row.balance,
                )
            )
            if row.balance:
                entries.append(
                    {
                        "id": str(uuid7()),
                        "member_id": member_id,
                        "kind": EntryKind.ADJUST.value,
                        "points": row.balance,
                        "amount_cents": None,
                        "receipt_no": None,
                        "rule_version": rules.version,
                        "staff_code": IMPORT_ACTOR,
                        "approved_by": None,
                        "store_code": store_code,
                        "device_id": IMPORT_ACTOR,
                        "created_at": now,
                        "received_at": now,
                        "reverses": None,
                        "offline": False,
                        "status": ItemStatus.APPLIED.value,
                        "reason": None,
                    }
                )
        report.imported += len(fresh)
        report.opening_points += sum(row.balance for row in fresh)
        if report.dry_run:
            return
        session.execute(insert(_MEMBER), members)
        if entries:
            session.execute(insert(_LEDGER), entries)


def import_members(
    db: ServerDatabase, path: Path | str, store_code: str, *, dry_run: bool = False, chunk_size: int = CHUNK
) -> ImportReport:
    """Import the members of the CSV file at `path` into store `store_code`; see the module docstring.

    Raises `AdminError` (an `ImportFileError` for the file as a whole) when nothing can be imported: unknown store,
    unreadable or non-UTF-8 file, missing or unknown header columns. With `dry_run`, every line is checked (against
    the server's phones too) and the report says what would be imported, but nothing is written.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    with db.read() as session:
        if session.scalar(select(Store.id).where(Store.code == store_code)) is None:
            raise AdminError(f"no store with code {store_code!r}")
        rules = chain.rules(session)
    text = _read_text(Path(path))
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ImportFileError(f"the file is empty: the first line must be the header {','.join(COLUMNS)}")
    columns = _header(first[1])
    report = ImportReport(store_code=store_code, dry_run=dry_run)
    today = db.clock().astimezone(UTC).date()
    seen: dict[str, int] = {}  # phone -> line of its first appearance
    chunk: list[_Row] = []
    for line_no, fields in records:
        report.rows += 1
        try:
            row = _check(line_no, fields, columns, today)
        except _Refused as refused:
            report.rejects.append(Reject(line_no, refused.reason, refused.message))
            continue
        first_line = seen.setdefault(row.phone, line_no)
        if first_line != line_no:
            report.rejects.append(
                Reject(line_no, Reason.DUPLICATE_IN_FILE, f"phone: the same number as line {first_line}")
            )
            continue
        chunk.append(row)
        if len(chunk) >= chunk_size:
            _write_chunk(db, chunk, store_code, rules, report)
            chunk = []
    if chunk:
        _write_chunk(db, chunk, store_code, rules, report)
    report.rejects.sort(key=lambda reject: reject.line_no)
    if not dry_run:
        if report.imported:
            db.refresh_statistics()
        with db.write() as session:
            session.add(
                AdminLog(
                    at=db.clock(),
                    action="import_members",
                    detail=f"store={store_code} rows={report.rows} imported={report.imported} "
                    f"rejected={len(report.rejects)}",
                )
            )
    logger.info("%s", report.summary())
    return report


def write_rejects(report: ImportReport, path: Path | str) -> None:
    """The rejected lines as CSV (`line,reason,message`), created readable by its owner only."""
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="") as out:
        target.chmod(0o600)
        writer = csv.writer(out)
        writer.writerow(["line", "reason", "message"])
        for reject in report.rejects:
            writer.writerow([reject.line_no, reject.reason.value, reject.message])
