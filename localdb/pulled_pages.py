"""Writing a pulled page of members into the till's SQLite (`SyncStore.apply_page` holds the transaction and the
cursor): the upsert compiled once from the models, preferences replaced set-wise, phones handed over, tombstones and
merges applied — and the merge of a local member into the server's, which the push's answers use too.

The page goes to the driver's connection as a few `executemany` calls rather than through the ORM: a first sync
writes a million members, and every microsecond per member is a second. Every value is still converted to what its
column stores, and a page that does not fit raises, rolling the whole page (and its cursor) back.

Thread: the caller's, inside its write transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal, select, text, true, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session

from localdb.database import Database
from localdb.models import ChainHistory, Member, MemberAlias, PointEntry, Preference, sqlite_datetime
from loyalty.name_keys import name_keys

_MEMBER_FIELDS = (
    "id", "phone", "phone_tail", "name", "name_pinyin", "name_initials", "gender", "birthday", "tier",
    "spend_12m_cents", "balance_synced", "segment",
    "tags", "top_categories", "tier_kept_until", "coupons", "expiring_points", "expiring_on", "consent_marketing",
    "consent_profile", "card_serial", "version",
    "home_store",
    "last_visit_at",
    "created_at", "updated_at",
)  # fmt: skip


def _compile_positional(statement: Any, names: Sequence[str]) -> str:
    """Compile once for the sqlite3 driver (qmark style) and check the parameters come in `names` order."""
    compiled = statement.compile(dialect=sqlite_dialect.dialect())
    assert tuple(compiled.positiontup or ()) == tuple(names), compiled.positiontup
    return str(compiled.string)


def _upsert_member_sql() -> str:
    insert_stmt = sqlite_dialect.insert(Member).values({name: bindparam(name) for name in _MEMBER_FIELDS})
    keep = {"id", "created_at"}
    upsert = insert_stmt.on_conflict_do_update(
        index_elements=[Member.id],
        set_={name: insert_stmt.excluded[name] for name in _MEMBER_FIELDS if name not in keep},
    )
    return _compile_positional(upsert, _MEMBER_FIELDS)


_PREFERENCE_FIELDS = ("member_id", "kind", "value", "source", "staff_code", "created_at")
_UPSERT_MEMBER = _upsert_member_sql()
# A page's keys go to SQLite as one JSON array (`json_each`): a 5,000-value IN list cost more to build than the
# lookup itself. SQLite's JSON functions cut a string at NUL, so a page with such a key falls back to one per row.
_PHONE_HOLDERS = "SELECT id, phone, version FROM member WHERE phone IN (SELECT value FROM json_each(?))"
_PHONE_HOLDER = "SELECT id, phone, version FROM member WHERE phone = ?"
_DROP_SYNCED_PREFERENCES = "DELETE FROM preference WHERE synced = 1 AND member_id IN (SELECT value FROM json_each(?))"
_DROP_SYNCED_PREFERENCE = "DELETE FROM preference WHERE synced = 1 AND member_id = ?"
_DROP_ECHOED_LOCAL_PREFERENCE = (
    "DELETE FROM preference WHERE member_id = ? AND kind = ? AND value = ? AND synced = 0 AND removed_at IS NULL"
)
# An answered outbox item about an erased member keeps only what the day report and the sync page read: the ids
# and who queued it. The enrolment's phone and name, an edit's new details, a preference's value go.
_SCRUB_ANSWERED_ITEMS = text(
    "UPDATE outbox_body SET body = json_object('member_id', json_extract(body, '$.member_id'), "
    "'staff_code', json_extract(body, '$.staff_code'), 'erased', json('true')) "
    "WHERE seq IN (SELECT seq FROM outbox WHERE status IS NOT NULL AND type IN ('enrol', 'member_edit', 'preference')) "
    # the member, and the ids merged into it here (items queued under a merged id still name that id)
    "AND json_extract(body, '$.member_id') IN "
    "(SELECT :member_id UNION SELECT alias_id FROM member_alias WHERE member_id = :member_id)"
)
# What an erased member bought: the lines kept with this till's entries, and in the answered entries' bodies.
_FORGET_LINES = text(
    "DELETE FROM sale_line WHERE entry_id IN (SELECT id FROM point_entry WHERE member_id = :member_id)"
)
_SCRUB_ANSWERED_LINES = text(
    "UPDATE outbox_body SET body = json_remove(body, '$.lines') "
    "WHERE seq IN (SELECT seq FROM outbox WHERE status IS NOT NULL AND type = 'point_entry') "
    "AND json_extract(body, '$.lines') IS NOT NULL AND json_extract(body, '$.member_id') IN "
    "(SELECT :member_id UNION SELECT alias_id FROM member_alias WHERE member_id = :member_id)"
)
_DROP_LOCAL_PREFERENCES = "DELETE FROM preference WHERE member_id = ? AND synced = 0"
_INSERT_PREFERENCE = _compile_positional(
    insert(Preference).values({**{n: bindparam(n) for n in _PREFERENCE_FIELDS}, "synced": true()}), _PREFERENCE_FIELDS
)


def _sqlite_time_text(value: object) -> str | None:
    """A wire time (ISO 8601 with offset) as SQLite's stored text; UTC times, which the server sends, by slicing."""
    if value is None:
        return None
    if isinstance(value, str) and value.endswith("+00:00") and value[10:11] == "T":
        if len(value) == 25:  # 2026-11-01T10:00:00+00:00
            return f"{value[:10]} {value[11:19]}.000000"
        if len(value) == 32:  # 2026-11-01T10:00:00.123456+00:00
            return f"{value[:10]} {value[11:26]}"
    return sqlite_datetime(_as_datetime(value))


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _as_date_text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _tags_text(tags: Iterable[str] | None, known: dict[tuple[str, ...], str]) -> str:
    key = tuple(tags or ())
    text = known.get(key)
    if text is None:
        text = known[key] = json.dumps(list(key), ensure_ascii=False)
    return text


def _coupons_text(coupons: Sequence[Mapping[str, Any]] | None) -> str:
    return json.dumps(coupons, ensure_ascii=False, separators=(",", ":")) if coupons else "[]"


def _member_row(change: Mapping[str, Any], now_text: str, tag_texts: dict[tuple[str, ...], str]) -> tuple[object, ...]:
    phone = str(change["phone"])
    return (
        change["id"],
        phone,
        phone[-4:],
        change["name"],
        *name_keys(str(change["name"] or "")),
        change.get("gender"),
        _as_date_text(change.get("birthday")),
        change.get("tier") or "normal",
        int(change.get("spend_12m_cents") or 0),
        int(change.get("balance") or 0),
        change.get("segment"),
        _tags_text(change.get("tags"), tag_texts),
        # A server from before issue 16 sends none: the member has no top categories yet.
        _tags_text(change.get("top_categories"), tag_texts),
        _as_date_text(change.get("tier_kept_until")),  # a server from before issue 17 sends none
        _coupons_text(change.get("coupons")),  # nor one from before issue 18
        int(change.get("expiring_points") or 0),
        _as_date_text(change.get("expiring_on")),
        int(bool(change.get("consent_marketing"))),
        int(bool(change.get("consent_profile"))),
        change.get("card_serial"),
        int(change["version"]),
        change.get("home_store"),
        _sqlite_time_text(change.get("last_visit_at")),
        now_text,
        _sqlite_time_text(change.get("updated_at")) or now_text,
    )


def write_page(session: Session, changes: Sequence[Mapping[str, Any]], now: datetime) -> None:
    """Write one page of member changes inside the caller's transaction (the caller stores the cursor in it too):
    members upserted in one statement, their preferences replaced, tombstones and merges applied."""
    now_text = sqlite_datetime(now)
    assert now_text is not None
    conn = Database.session_connection(session)
    live = [c for c in changes if not c.get("deleted") and not c.get("merged_into")]
    unanswered_enrolments = _free_phones(session, conn, live)
    tag_texts: dict[tuple[str, ...], str] = {}  # a page has few distinct tag lists: each encoded once
    conn.executemany(_UPSERT_MEMBER, [_member_row(c, now_text, tag_texts) for c in live])
    _replace_preferences(conn, live)
    without_consent = [(str(c["id"]),) for c in live if not c.get("consent_profile")]
    if without_consent:  # profile consent withdrawn (or never given): what this till recorded goes too
        conn.executemany(_DROP_LOCAL_PREFERENCES, without_consent)
    for local_id, survivor_id in unanswered_enrolments:
        merge_member_locally(session, local_id, survivor_id)
    for tombstone in changes:
        if tombstone.get("merged_into"):
            merge_member_locally(session, str(tombstone["id"]), str(tombstone["merged_into"]))
        elif tombstone.get("deleted"):
            _forget_member(session, str(tombstone["id"]))


def _json_safe(keys: Iterable[str]) -> bool:
    return not any("\x00" in key for key in keys)


def _free_phones(
    session: Session, conn: sqlite3.Connection, live: Sequence[Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """Before the upsert: a phone the page gives to another member id. A local enrolment not yet answered by
    the server is merged into the server's member (the server will answer `merged` too); a stale cached member
    gives up the phone until its own change arrives."""
    wanted = {str(c["phone"]): str(c["id"]) for c in live}
    to_merge: list[tuple[str, str]] = []
    if not wanted:
        return to_merge
    if _json_safe(wanted):
        holders = conn.execute(_PHONE_HOLDERS, (json.dumps(list(wanted), ensure_ascii=False),)).fetchall()
    else:
        holders = [row for phone in wanted for row in conn.execute(_PHONE_HOLDER, (phone,)).fetchall()]
    for holder_id, phone, version in holders:
        new_id = wanted[phone]
        if holder_id == new_id:
            continue
        _release_phone(session, holder_id)
        if version == 0:
            to_merge.append((holder_id, new_id))
    return to_merge


def _replace_preferences(conn: sqlite3.Connection, live: Sequence[Mapping[str, Any]]) -> None:
    """The server's preferences for the page's members replace the ones it sent before; a preference recorded
    here that the server now sends back is kept once, as the server's row."""
    ids = [str(c["id"]) for c in live]
    if _json_safe(ids):
        conn.execute(_DROP_SYNCED_PREFERENCES, (json.dumps(ids, ensure_ascii=False),))
    else:
        conn.executemany(_DROP_SYNCED_PREFERENCE, [(member_id,) for member_id in ids])
    rows = [
        (change["id"], pref["kind"], pref["value"], pref.get("source") or "staff", pref.get("staff_code"),
         _sqlite_time_text(pref["at"]))
        for change in live
        for pref in change.get("preferences") or ()
    ]  # fmt: skip
    if conn.execute("SELECT 1 FROM preference WHERE synced = 0 LIMIT 1").fetchone():
        conn.executemany(_DROP_ECHOED_LOCAL_PREFERENCE, [row[:3] for row in rows])
    conn.executemany(_INSERT_PREFERENCE, rows)


def _release_phone(session: Session, member_id: str) -> None:
    # A placeholder no lookup can match (phones are E.164 "+86…"; tails are digits).
    session.execute(update(Member).where(Member.id == member_id).values(phone=f"~{member_id}", phone_tail="----"))


def _forget_member(session: Session, member_id: str) -> None:
    """A member the server erased: gone from lookups, with every preference and alias, what they bought (purchase
    lines), their cached chain history, and the personal details of the outbox items already answered about them;
    the row stays only while this till's ledger refers to it, and then holds the id alone (no name, phone, birthday,
    card or tags)."""
    session.execute(delete(Preference).where(Preference.member_id == member_id))
    session.execute(delete(ChainHistory).where(ChainHistory.member_id == member_id))
    session.execute(_SCRUB_ANSWERED_ITEMS, {"member_id": member_id})
    session.execute(_FORGET_LINES, {"member_id": member_id})
    session.execute(_SCRUB_ANSWERED_LINES, {"member_id": member_id})
    session.execute(
        delete(MemberAlias).where((MemberAlias.member_id == member_id) | (MemberAlias.alias_id == member_id))
    )
    referenced = session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.member_id == member_id))
    if referenced:
        _release_phone(session, member_id)
        session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(name="", name_pinyin="", name_initials="", gender=None, birthday=None, segment=None, tags=[],
                    top_categories=[], coupons=[], expiring_points=0, expiring_on=None, consent_marketing=False,
                    consent_profile=False, card_serial=None, home_store=None, last_visit_at=None, balance_synced=0,
                    spend_12m_cents=0, tier_kept_until=None)
        )  # fmt: skip
    else:
        session.execute(delete(Member).where(Member.id == member_id))


def merge_member_locally(session: Session, local_id: str, survivor_id: str) -> None:
    """Rewrite this till's references from `local_id` to `survivor_id` and drop the local row. The outbox is
    never rewritten: its bodies must stay byte-identical for exactly-once, and the server maps the old id itself."""
    if local_id == survivor_id:
        return
    local = session.get(Member, local_id)
    if local is None:
        return
    session.execute(update(MemberAlias).where(MemberAlias.member_id == local_id).values(member_id=survivor_id))
    # The survivor's history is another answer (the server's holds both members' purchases): fetched again.
    session.execute(delete(ChainHistory).where(ChainHistory.member_id.in_((local_id, survivor_id))))
    if local.version > 0:  # a member the server had (merge-members), not an enrolment it answered `merged`:
        # its id and phone keep finding the survivor here (its card, a customer who gives the old number)
        known_phone = local.phone if local.phone.startswith("+") else None
        session.merge(MemberAlias(alias_id=local_id, phone=known_phone, member_id=survivor_id,
                                  created_at=local.updated_at))  # fmt: skip
    if session.get(Member, survivor_id) is None:
        # Not cached yet: the local row becomes the survivor until the pull brings the server's state.
        phone, tail = local.phone, local.phone_tail
        _release_phone(session, local_id)
        session.flush()
        columns = list(Member.__table__.columns)
        replaced = {"id": literal(survivor_id), "phone": literal(phone), "phone_tail": literal(tail)}
        copy = select(*[replaced.get(c.name, c) for c in columns]).where(Member.id == local_id)
        session.execute(insert(Member).from_select([c.name for c in columns], copy))
    session.execute(update(PointEntry).where(PointEntry.member_id == local_id).values(member_id=survivor_id))
    survivor_prefs = select(Preference.kind, Preference.value).where(
        Preference.member_id == survivor_id, Preference.removed_at.is_(None)
    )
    for kind, value in list(session.execute(survivor_prefs)):
        session.execute(
            delete(Preference).where(
                Preference.member_id == local_id, Preference.kind == kind, Preference.value == value
            )
        )
    session.execute(update(Preference).where(Preference.member_id == local_id).values(member_id=survivor_id))
    session.execute(delete(Member).where(Member.id == local_id))
