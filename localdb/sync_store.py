"""The till's side of sync inside its database: registration, what to push next, the server's answers, a pulled
page of members written with its cursor in one transaction (the page itself by `localdb.pulled_pages`), and the
server's config. No HTTP here: `sync/` talks to the server and hands this module plain values.

Every method raises `StoreError` (re-exported here for `sync/`, which reaches the store through this module only)
with STORAGE_FULL or STORAGE_FAILED when the till's disk fails; its unit of work is then not written at all.

Thread: whichever runs the sync (the sync worker, or the command line); each method is one unit of work.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from localdb.audit import append_audit, has_audit_key, install_audit_key, parse_audit_key
from localdb.audit_anchor import Anchor as Anchor
from localdb.audit_anchor import AnchorRequest, anchor_request, note_anchored
from localdb.churn_warnings import ChurnWarnings
from localdb.database import Database
from localdb.errors import Problem
from localdb.errors import StoreError as StoreError
from localdb.models import EntrySync, OutboxItem, Staff, SyncRun, sqlite_datetime
from localdb.outbox import NEEDS_ATTENTION
from localdb.pulled_pages import merge_member_locally, write_page
from localdb.staff import StaffService
from localdb.till_config import TillSettings, ensure_sync_state
from localdb.trusted_clock import ServerTimeSeen, TrustedClock
from loyalty.clock import Clock
from loyalty.insight import InsightRules, InvalidInsightRules
from loyalty.roles import Role
from loyalty.rules import PointsRules
from protocol.limits import PUSH_BATCH_BYTES
from protocol.vocabulary import ItemStatus, ItemType

#: The problems of a failing disk (full, or an I/O error): the sync engine ends its run with their code.
STORAGE_FAILURES = frozenset({Problem.STORAGE_FULL, Problem.STORAGE_FAILED})

# Item status -> the ledger entry's sync state. `merged` applies to enrolments; their entries are `applied`.
_ENTRY_STATE: dict[str, str] = {
    ItemStatus.APPLIED: EntrySync.APPLIED.value,
    ItemStatus.MERGED: EntrySync.APPLIED.value,
    ItemStatus.FLAGGED: EntrySync.FLAGGED.value,
    ItemStatus.REJECTED: EntrySync.REJECTED.value,
}

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Registration:
    server_url: str
    token: str
    device_id: str
    store_code: str
    blocked: str | None


@dataclass(frozen=True, slots=True)
class OutgoingItem:
    """An outbox item to push. `body_json` is the body as stored (it travels as is: the server hashes a canonical
    form, so the bytes need not be re-encoded); `body` decodes it."""

    seq: int
    item_id: str
    type: str
    body_json: str
    created_at: datetime

    @property
    def body(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.body_json)
        return decoded


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """The server's answer for one pushed item (PROTOCOL.md `results[]`)."""

    id: str
    status: str
    reason: str | None = None
    member: str | None = None
    member_version: int | None = None
    first_status: str | None = None


@dataclass
class PushTally:
    applied: int = 0
    duplicates: int = 0
    flagged: int = 0
    merged: int = 0
    rejected: int = 0
    rejected_ids: list[str] = field(default_factory=list)

    def add(self, other: PushTally) -> None:
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.flagged += other.flagged
        self.merged += other.merged
        self.rejected += other.rejected
        self.rejected_ids += other.rejected_ids


# Push bookkeeping as plain SQL on the driver's connection (the outbox and ledger columns it names are the models'):
# a batch's ids travel as one JSON array parameter, which SQLite's json_each unpacks.
_ENVELOPE_BYTES = 200  # an item's id, seq, type and time around its body, with room
_UNSENT = (
    "SELECT o.seq, o.item_id, o.type, b.body, o.created_at FROM outbox o JOIN outbox_body b ON b.seq = o.seq "
    "WHERE o.status IS NULL AND o.seq > ? ORDER BY o.seq LIMIT ?"
)
_OUTBOX_TYPES = "SELECT item_id, type FROM outbox WHERE item_id IN (SELECT value FROM json_each(?))"
_SET_OUTBOX_RESULT = "UPDATE outbox SET status = ?, reason = ?, member = ? WHERE item_id = ?"
_SET_ENTRY_RESULT = "UPDATE point_entry SET sync_state = ?, sync_reason = ?, server_version = ? WHERE id = ?"
_NOTE_ATTEMPT = "UPDATE outbox SET attempts = attempts + 1, sent_at = ? WHERE seq IN (SELECT value FROM json_each(?))"


def _utc(stored: str) -> datetime:
    """A datetime column's stored text (naive UTC) as the aware datetime the models give back."""
    return datetime.fromisoformat(stored + "+00:00")


def _note_attempt(conn: sqlite3.Connection, seqs: Sequence[int], now: datetime) -> None:
    conn.execute(_NOTE_ATTEMPT, (sqlite_datetime(now), json.dumps(list(seqs))))


class SyncStore:
    def __init__(
        self, db: Database, settings: TillSettings, staff: StaffService, clock: Clock, trusted: TrustedClock
    ) -> None:
        self._db = db
        self._settings = settings
        self._staff = staff
        self._clock = clock
        self._trusted = trusted

    # -- the server's time ----------------------------------------------------------------------------------------

    def saw_server_time(self, server_time: datetime) -> None:
        """The server said what time it is: the till's limits count from it (`localdb.trusted_clock`), kept so a
        restart of the app on the same running computer goes on from it."""
        seen = self._trusted.saw(server_time)
        with self._db.write() as session:
            state = ensure_sync_state(session)
            state.server_time_seen, state.server_seen_monotonic = seen.server_time, seen.monotonic

    def server_time_seen(self) -> ServerTimeSeen | None:
        """What `saw_server_time` last kept (None before the first sync or health check)."""
        with self._db.read() as session:
            state = ensure_sync_state(session)
            if state.server_time_seen is None or state.server_seen_monotonic is None:
                return None
            return ServerTimeSeen(state.server_time_seen, state.server_seen_monotonic)

    # -- registration ---------------------------------------------------------------------------------------------

    def registration(self) -> Registration | None:
        with self._db.read() as session:
            state = ensure_sync_state(session)
            if not state.server_url or not state.device_token:
                return None
            return Registration(state.server_url, state.device_token, state.device_id, state.store_code,
                                state.sync_blocked)  # fmt: skip

    def register(
        self,
        *,
        server_url: str,
        device_id: str,
        token: str,
        store_code: str,
        store_name: str,
        timezone: str,
        audit_key: str | None = None,
        device_name: str | None = None,
    ) -> None:
        """Become the till the server just registered. Members cached for another store or server are kept, but
        the cursor starts again from 0 so the first sync brings the whole member set. `audit_key` (64 hex digits,
        from the server's answer; an older server sends none, and the first sync fetches one) keys the audit chain
        from here on (`localdb.audit`); `device_name` is the name this till registered under (the day report's).
        ValueError for a key that is not 64 hex digits, before anything is written."""
        key = parse_audit_key(audit_key) if audit_key is not None else None
        with self._db.write() as session:
            state = ensure_sync_state(session)
            state.server_url, state.device_token, state.sync_blocked = server_url, token, None
            state.store_name, state.cursor = store_name, 0
            state.device_name = device_name
            append_audit(session, at=self._clock(), staff_code=None, action="register", subject=device_id,
                         detail={"store_code": store_code})  # fmt: skip
            if key is not None:
                install_audit_key(session, key, at=self._clock(), reason="registered")
        self._settings.update(store_code=store_code, device_id=device_id, timezone=timezone)

    def replace_token(self, old: str, new: str) -> bool:
        """Keep the token the server just rotated to, in one transaction, if the till still holds `old` (a
        registration in between wins). The token lives only in this encrypted database. False: not replaced."""
        with self._db.write() as session:
            state = ensure_sync_state(session)
            if state.device_token != old:
                return False
            state.device_token = new
            append_audit(session, at=self._clock(), staff_code=None, action="token_rotated", detail={})
            return True

    def point_at(self, server_url: str) -> None:
        """The same server at another address (e.g. the embedded demo server, on a new port each start)."""
        with self._db.write() as session:
            ensure_sync_state(session).server_url = server_url

    def block(self, reason: str) -> None:
        """Stop syncing (e.g. the server revoked this till) until it is registered again."""
        with self._db.write() as session:
            ensure_sync_state(session).sync_blocked = reason
            append_audit(session, at=self._clock(), staff_code=None, action="sync_blocked", detail={"reason": reason})

    # -- the audit chain's key and anchor (docs/sync.md "The audit anchor") ---------------------------------------

    def needs_audit_key(self) -> bool:
        """No audit key yet: a till registered before keys existed (or with a server that sends none)."""
        with self._db.read() as session:
            return not has_audit_key(session)

    def install_audit_key(self, audit_key: str) -> None:
        """The key fetched from the server (`POST /v1/audit/key`): the chain is HMAC'd with it from its
        `audit_keyed` row on. ValueError for a key that is not 64 hex digits; a till that has one keeps it."""
        key = parse_audit_key(audit_key)
        with self._db.write() as session:
            if not has_audit_key(session):
                install_audit_key(session, key, at=self._clock(), reason="fetched")

    def audit_anchor_request(self) -> AnchorRequest:
        with self._db.read() as session:
            return anchor_request(session)

    def audit_anchored(self, anchor: Anchor) -> None:
        with self._db.write() as session:
            note_anchored(session, anchor.seq)

    def audit_anchor_refused(self, code: str) -> None:
        """The server refused the anchor (the chain went back or was rewritten): recorded in the chain itself."""
        with self._db.write() as session:
            append_audit(session, at=self._clock(), staff_code=None, action="audit_anchor_refused",
                         detail={"code": code})  # fmt: skip

    # -- push -----------------------------------------------------------------------------------------------------

    def unsent(self, limit: int, *, after: int = 0) -> list[OutgoingItem]:
        """The oldest items the server has not answered yet, in `till_seq` order, from `till_seq` > `after` (the
        engine reads the next batch while the one before it is still on its way). One plain SELECT on the driver's
        connection: no ORM rows, and the bodies left as stored."""
        with self._db.read() as session:
            rows = self._db.session_connection(session).execute(_UNSENT, (after, limit)).fetchall()
        items: list[OutgoingItem] = []
        size = 0
        for seq, item_id, item_type, body, created_at in rows:
            size += len(body) + _ENVELOPE_BYTES
            if items and size > PUSH_BATCH_BYTES:  # entries with purchase lines: fewer to a request
                break
            items.append(OutgoingItem(seq, item_id, item_type, body, _utc(created_at)))
        return items

    def count_unsent(self) -> int:
        with self._db.read() as session:
            return session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status.is_(None))) or 0

    def note_attempt(self, seqs: Sequence[int]) -> None:
        with self._db.write() as session:
            _note_attempt(self._db.session_connection(session), seqs, self._clock())

    def record_results(self, outcomes: Iterable[ItemOutcome], *, attempted: Sequence[int] = ()) -> PushTally:
        """Write the server's answers: outbox status, the entries' sync state and server version, merges; and note
        the items of `attempted` (the next batch, already on its way) as sent. One transaction, set-wise on the
        driver's connection: a batch of 500 answers is a handful of statements and one commit."""
        tally = PushTally()
        now = self._clock()
        answers = {outcome.id: outcome for outcome in outcomes}
        with self._db.write() as session:
            conn = self._db.session_connection(session)
            types = conn.execute(_OUTBOX_TYPES, (json.dumps(list(answers)),)).fetchall()
            outbox_rows: list[tuple[object, ...]] = []
            entry_rows: list[tuple[object, ...]] = []
            merges: list[tuple[str, str]] = []
            for item_id, item_type in types:
                outcome = answers[item_id]
                first = outcome.first_status if outcome.status == ItemStatus.DUPLICATE else outcome.status
                effective = first or ItemStatus.APPLIED
                self._count(tally, outcome.status, effective, item_id)
                outbox_rows.append((outcome.status, outcome.reason, outcome.member, item_id))
                if item_type == ItemType.POINT_ENTRY:
                    entry_rows.append((_ENTRY_STATE.get(effective, EntrySync.APPLIED.value), outcome.reason,
                                       outcome.member_version, item_id))  # fmt: skip
                elif item_type == ItemType.ENROL and effective == ItemStatus.MERGED and outcome.member:
                    merges.append((item_id, outcome.member))  # an enrolment's item id is its member id
            conn.executemany(_SET_OUTBOX_RESULT, outbox_rows)
            conn.executemany(_SET_ENTRY_RESULT, entry_rows)
            if attempted:
                _note_attempt(conn, attempted, now)
            for local_id, survivor_id in merges:
                merge_member_locally(session, local_id, survivor_id)
            if tally.rejected or tally.flagged:
                append_audit(session, at=now, staff_code=None, action="sync_exceptions",
                             detail={"rejected": tally.rejected, "flagged": tally.flagged})  # fmt: skip
        return tally

    @staticmethod
    def _count(tally: PushTally, status: str, effective: str, item_id: str) -> None:
        if status == ItemStatus.DUPLICATE:
            tally.duplicates += 1
        elif effective == ItemStatus.APPLIED:
            tally.applied += 1
        if effective == ItemStatus.FLAGGED:
            tally.flagged += 1
        elif effective == ItemStatus.MERGED:
            tally.merged += 1
        elif effective == ItemStatus.REJECTED:
            tally.rejected += 1
            tally.rejected_ids.append(item_id)

    def reject_locally(self, item_ids: Sequence[str], reason: str) -> PushTally:
        """Items the server refused as a whole request (e.g. an id replayed with another body, 409): kept and
        shown to the manager, and no longer in the way of the items behind them."""
        return self.record_results(
            ItemOutcome(id=item_id, status=ItemStatus.REJECTED, reason=reason) for item_id in item_ids
        )

    def exceptions(self) -> list[tuple[str, str | None, str | None]]:
        """Flagged and rejected items (item id, status, reason), oldest first, for the manager's sync report."""
        with self._db.read() as session:
            rows = session.execute(
                select(OutboxItem.item_id, OutboxItem.status, OutboxItem.reason)
                .where(NEEDS_ATTENTION)
                .order_by(OutboxItem.seq)
            )
            return [(r[0], r[1], r[2]) for r in rows]

    # -- pull -----------------------------------------------------------------------------------------------------

    def cursor(self) -> int:
        with self._db.read() as session:
            return ensure_sync_state(session).cursor

    def reset_cursor(self) -> None:
        """The server can no longer serve our cursor (410): pull everything again; the outbox is untouched."""
        with self._db.write() as session:
            ensure_sync_state(session).cursor = 0

    def apply_page(self, changes: Sequence[Mapping[str, Any]], next_cursor: int) -> int:
        """Write one page of member changes and the new cursor in one transaction. Returns members written."""
        now = self._clock()
        with self._db.bulk_write() as session:
            write_page(session, changes, now)
            state = ensure_sync_state(session)
            state.cursor, state.last_pull_at = next_cursor, now
        return len(changes)

    # -- config ---------------------------------------------------------------------------------------------------

    def apply_config(self, config: Mapping[str, Any]) -> None:
        """The server's rules, keys, revocations and staff list, as `GET /v1/config` gives them."""
        rules = PointsRules.from_dict(config["rules"])
        insight = _insight_rules(config.get("insight"))
        store = config["store"]
        self._settings.update(
            rules=rules,
            insight=insight,
            member_code_public_key=config["member_code_public_key"],
            revoked_cards=frozenset(int(s) for s in config["revoked_cards"]),
            timezone=store.get("timezone") or None,
            gifts=list(config.get("gifts") or []),  # a server from before issue 18 sends none: no catalogue
            manager_coupons=(list(config.get("manager_coupons") or []), int(config.get("manager_daily_limit") or 0)),
        )
        listed = set()
        for person in config["staff"]:
            listed.add(person["code"])
            self._staff.upsert(person["code"], person["name"], Role(person["role"]), person["pin_hash"],
                               active=bool(person.get("active", True)))  # fmt: skip
        with self._db.write() as session:
            # Staff the server no longer sends (moved to another store, or gone) lose their PIN hash here, not only
            # their login: a stolen till holds no hash of anyone outside its store. The row stays for the reports.
            session.execute(update(Staff).where(Staff.code.not_in(listed)).values(active=False, pin_hash=""))
            ensure_sync_state(session).config_version = int(config["config_version"])

    def keep_board(self, document: Mapping[str, Any]) -> None:
        """The health board's figures as the server gave them (`GET /v1/board`), for the 会员看板 page offline."""
        with self._db.write() as session:
            ensure_sync_state(session).board = dict(document)

    def board(self) -> dict[str, Any] | None:
        """The last health board kept, or None before the first sync with a server that has one."""
        with self._db.read() as session:
            return ensure_sync_state(session).board

    def replace_warnings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """The store's churn-warning list as the server gave it (`localdb.churn_warnings`)."""
        return ChurnWarnings(self._db, self._clock).replace(rows)

    # -- runs -----------------------------------------------------------------------------------------------------

    def start_run(self) -> int:
        with self._db.write() as session:
            run = SyncRun(started_at=self._clock(), pushed=0, applied=0, duplicates=0, flagged=0, merged=0,
                          rejected=0, pulled=0)  # fmt: skip
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, *, pushed: int, tally: PushTally, pulled: int, error: str | None) -> None:
        with self._db.write() as session:
            run = session.get(SyncRun, run_id)
            assert run is not None
            run.finished_at, run.pushed, run.pulled, run.error = self._clock(), pushed, pulled, error
            run.applied, run.duplicates, run.flagged = tally.applied, tally.duplicates, tally.flagged
            run.merged, run.rejected = tally.merged, tally.rejected
            if error is None:
                ensure_sync_state(session).last_push_at = self._clock()

    def last_run(self) -> SyncRun | None:
        """The newest finished run (times in UTC, `error` None when it ran to the end), for the status bar."""
        with self._db.read() as session:
            newest = select(SyncRun).where(SyncRun.finished_at.is_not(None)).order_by(SyncRun.id.desc()).limit(1)
            run = session.scalars(newest).first()
            if run is not None:
                session.expunge(run)  # a plain value for the caller: the read's rollback must not expire it
            return run

    def store_name(self) -> str | None:
        """The store's name as the server gave it at registration (None before registration)."""
        with self._db.read() as session:
            return ensure_sync_state(session).store_name

    def device_name(self) -> str | None:
        """This till's name as it registered (None before registration, or registered before names were kept)."""
        with self._db.read() as session:
            return ensure_sync_state(session).device_name


def _insight_rules(document: object) -> InsightRules | None:
    """The insight rules a config carries; None (keep the ones held) when it has none (a server older than issue 17)
    or holds a form this till cannot read (a newer server's: names and actions stay as they were until an update)."""
    if document is None:
        return None
    try:
        return InsightRules.from_dict(document)
    except InvalidInsightRules as error:
        logger.warning("the server's insight rules were not taken: %s", error.field)
        return None
