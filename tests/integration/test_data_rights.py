"""A member's data rights across the chain (PIPL), through a real server on 127.0.0.1 and real httpx: erasure and
merge done with the admin command line reach tills on their next pull, withdrawn profile consent empties the
member's preferences and tags on the server and on every till, export-member prints every part, and a manager's
member edit is pushed, checked again by the server (a cashier's is refused) and reaches the other tills."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from localdb.database import connect_raw
from localdb.errors import Problem, StoreError
from localdb.models import EntrySync
from localdb.outbox import enqueue
from protocol.vocabulary import PreferenceKind
from protocol.wire import MemberEditBody
from server import cli
from server import members as server_members
from server.models import ConsentEvent, LedgerEntry, Member, Preference
from tests.integration.conftest import LiveServer, TillFactory, TillHandle

PHONE = "13800138000"
OTHER = "13912345678"
NEW = "15000001111"


def admin(server_url: str, *args: str) -> int:
    return cli.main(["admin", "--db", server_url, *args])


def till_rows(handle: TillHandle, sql: str, *params: object) -> list[tuple[object, ...]]:
    path = handle.till.db.path
    with connect_raw(path) as conn:
        return conn.execute(sql, params).fetchall()


def enrolled_with_history(handle: TillHandle, phone: str = PHONE, name: str = "王小明") -> str:
    cashier = handle.login("C001")
    member = handle.till.members.enrol(cashier, phone=phone, name=name, consent_profile=True).member
    handle.till.ledger.award(cashier, member.id, 12_345, receipt_no=f"R-{phone}")
    guide = handle.login("G001")
    handle.till.preferences.add(guide, member.id, PreferenceKind.SIZE, "M")
    handle.till.preferences.add(guide, member.id, PreferenceKind.COLOUR, "红")
    return member.id


def give_tags(server: LiveServer, member_id: str, tags: list[str]) -> None:
    """The server's predicted tags for a member (the chain's analytics set them): a new version, as any change."""
    with server.db.write() as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.tags = tags
        server_members.touch(session, server.db, member)


def test_erasure_reaches_a_second_till_and_keeps_only_the_ledger_ids(
    make_till: TillFactory, server: LiveServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = make_till("a")
    member_id = enrolled_with_history(a)
    assert a.sync().ok
    b = make_till("b")  # its first pull brings the member with preferences
    assert b.till.members.find_by_phone(b.login("C001"), PHONE) is not None
    assert till_rows(b, "SELECT count(*) FROM preference WHERE member_id = ?", member_id) == [(2,)]

    assert admin(server_url, "delete-member", PHONE) == 0
    assert member_id in capsys.readouterr().out
    with server.db.read() as session:
        gone = session.get(Member, member_id)
        assert gone is not None and (gone.deleted, gone.phone, gone.name, gone.tags) == (True, None, "", [])
        assert session.scalar(select(func.count()).select_from(Preference)) == 0  # rows deleted, not marked
        assert session.scalar(select(func.count()).where(LedgerEntry.member_id == member_id)) == 1

    assert b.sync().ok
    assert b.till.members.find_by_phone(b.login("C001"), PHONE) is None
    assert till_rows(b, "SELECT count(*) FROM member WHERE id = ?", member_id) == [(0,)]  # no entry of b's
    assert till_rows(b, "SELECT count(*) FROM preference WHERE member_id = ?", member_id) == [(0,)]

    cashier = a.login("C001")
    late = a.till.ledger.award(cashier, member_id, 5_000, receipt_no="R-late").entry  # queued before a's pull
    report = a.sync()
    assert report.error is None and report.tally.rejected == 1
    [(state, reason)] = till_rows(a, "SELECT sync_state, sync_reason FROM point_entry WHERE id = ?", late.id)
    assert (state, reason) == (EntrySync.REJECTED.value, "member_erased")
    [row] = till_rows(
        a, "SELECT name, phone, gender, birthday, card_serial, tags, segment FROM member WHERE id = ?", member_id
    )
    name, phone, gender, birthday, card, tags, segment = row
    assert (name, gender, birthday, card, json.loads(str(tags)), segment) == ("", None, None, None, [], None)
    assert str(phone).startswith("~") and PHONE not in str(phone)
    assert till_rows(a, "SELECT count(*) FROM point_entry WHERE member_id = ?", member_id) == [(2,)]  # kept
    assert till_rows(a, "SELECT count(*) FROM preference WHERE member_id = ?", member_id) == [(0,)]
    assert a.till.members.lookup(cashier, PHONE).members == ()
    with pytest.raises(StoreError) as refused:  # a screen still showing the member reads it again: gone
        a.till.members.get(cashier, member_id)
    assert refused.value.problem is Problem.MEMBER_NOT_FOUND
    [(enrolment,)] = till_rows(
        a, "SELECT body FROM outbox_body JOIN outbox USING (seq) WHERE type = 'enrol'"
    )  # answered long ago
    assert PHONE not in str(enrolment) and "王小明" not in str(enrolment)
    assert till_rows(a, "SELECT count(*) FROM outbox_body WHERE body LIKE '%红%'") == [(0,)]  # a preference's value


def test_merge_reaches_a_till_which_finds_the_kept_member_by_the_gone_ones_phone(
    make_till: TillFactory, server: LiveServer, server_url: str
) -> None:
    a = make_till("a")
    keep_id = enrolled_with_history(a, PHONE, "王小明")
    gone_id = enrolled_with_history(a, OTHER, "王晓明")
    assert a.sync().ok

    assert admin(server_url, "merge-members", keep_id, OTHER) == 0

    assert a.sync().ok
    cashier = a.login("C001")
    found = a.till.members.find_by_phone(cashier, OTHER)  # the gone member's phone
    assert found is not None and found.id == keep_id
    assert found.balance_synced == 2 * 123
    assert a.till.members.get(cashier, gone_id).id == keep_id  # the gone member's id (a card's code) too
    assert till_rows(a, "SELECT count(*) FROM member WHERE id = ?", gone_id) == [(0,)]
    assert till_rows(a, "SELECT count(*) FROM point_entry WHERE member_id = ?", keep_id) == [(2,)]
    assert admin(server_url, "merge-members", keep_id, gone_id) == 1  # gone already


def test_withdrawn_consent_empties_preferences_and_tags_on_the_server_and_every_till(
    make_till: TillFactory, server: LiveServer
) -> None:
    a = make_till("a")
    member_id = enrolled_with_history(a)
    assert a.sync().ok
    give_tags(server, member_id, ["高价值", "爱买生鲜"])
    b = make_till("b")
    guide_b = b.login("G001")
    assert b.till.members.get(guide_b, member_id).tags == ("高价值", "爱买生鲜")
    assert len(b.till.preferences.list(guide_b, member_id)) == 2

    a.till.members.set_consent(a.login("M001"), member_id, profile=False)
    assert a.till.preferences.list(a.login("G001"), member_id) == []  # at once, on the till that recorded it
    assert a.sync().ok

    with server.db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None and (member.consent_profile, member.tags) == (False, [])
        assert session.scalar(select(func.count()).where(Preference.member_id == member_id)) == 0
        history = session.execute(
            select(ConsentEvent.field, ConsentEvent.value).where(ConsentEvent.member_id == member_id)
        ).all()
        assert ("consent_profile", False) in history and ("consent_profile", True) in history
    assert b.sync().ok
    seen = b.till.members.get(guide_b, member_id)
    assert (seen.consent_profile, seen.tags) == (False, ())
    assert b.till.preferences.list(guide_b, member_id) == []
    assert till_rows(b, "SELECT count(*) FROM preference WHERE member_id = ?", member_id) == [(0,)]
    with pytest.raises(StoreError) as refused:  # and no guide records more until the member agrees again
        b.till.preferences.add(guide_b, member_id, PreferenceKind.SIZE, "L")
    assert refused.value.problem is Problem.CONSENT_REQUIRED


def test_export_member_prints_every_part_as_json(
    make_till: TillFactory, server: LiveServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = make_till("a")
    member_id = enrolled_with_history(a)
    assert a.sync().ok
    give_tags(server, member_id, ["高价值"])
    capsys.readouterr()

    assert admin(server_url, "export-member", PHONE) == 0

    exported = json.loads(capsys.readouterr().out)
    assert set(exported) >= {"member", "preferences", "tags", "ledger", "visits", "cards", "consent_history"}
    assert (exported["member"]["id"], exported["member"]["phone"], exported["member"]["name"]) == (
        member_id, "+86" + PHONE, "王小明"
    )  # fmt: skip
    assert sorted(p["value"] for p in exported["preferences"]) == ["M", "红"]
    assert exported["tags"] == ["高价值"]
    assert [(e["kind"], e["points"], e["amount_cents"]) for e in exported["ledger"]] == [("earn", 123, 12_345)]
    assert len(exported["visits"]) == 1 and exported["visits"][0]["store_code"] == "S001"
    assert len(exported["cards"]) == 1 and exported["cards"][0]["revoked"] is False
    assert {(c["field"], c["value"]) for c in exported["consent_history"]} == {
        ("consent_marketing", False), ("consent_profile", True)
    }  # fmt: skip
    assert admin(server_url, "export-member", "13000000000") == 1  # nobody: refused in words


def test_a_managers_edit_reaches_another_till_and_a_cashiers_is_refused_by_the_server(
    make_till: TillFactory, server: LiveServer
) -> None:
    a = make_till("a")
    member_id = enrolled_with_history(a)
    assert a.sync().ok
    b = make_till("b")

    manager = a.login("M001")
    a.till.members.edit(manager, member_id, name="王大明", phone=NEW, old_phone=PHONE)  # offline: applied here
    assert a.till.members.find_by_phone(manager, NEW) is not None
    assert a.sync().ok
    with server.db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None and (member.name, member.phone) == ("王大明", "+86" + NEW)
    assert b.sync().ok
    found = b.till.members.find_by_phone(b.login("C001"), NEW)
    assert found is not None and (found.id, found.name) == (member_id, "王大明")
    assert b.till.members.find_by_phone(b.login("C001"), PHONE) is None

    # A till that is not to be trusted queues a cashier's edit: the server refuses it and the member stays.
    with b.till.db.write() as session:
        enqueue(session, MemberEditBody.model_validate(
            {"member_id": member_id, "name": "收银员改的", "staff_code": "C001", "at": b.clock()}
        ), at=b.clock())  # fmt: skip
    report = b.sync()
    assert report.error is None and report.tally.rejected == 1
    [(status, reason)] = till_rows(b, "SELECT status, reason FROM outbox WHERE type = 'member_edit'")
    assert (status, reason) == ("rejected", "staff_not_allowed")
    with server.db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None and member.name == "王大明"


def test_an_offline_edit_to_a_phone_taken_meanwhile_is_refused_and_the_till_takes_the_servers_member_back(
    make_till: TillFactory, server: LiveServer
) -> None:
    a = make_till("a")
    member_id = enrolled_with_history(a)
    assert a.sync().ok
    b = make_till("b")
    a.till.members.edit(a.login("M001"), member_id, phone=NEW, old_phone=PHONE)  # a is offline meanwhile
    b.till.members.enrol(b.login("C001"), phone=NEW, name="李雷")
    assert b.sync().ok  # b's enrolment reaches the server first

    report = a.sync()

    assert report.error is None and report.tally.rejected == 1
    [(reason,)] = till_rows(a, "SELECT reason FROM outbox WHERE type = 'member_edit'")
    assert reason == "duplicate_phone"
    cashier = a.login("C001")
    mine = a.till.members.find_by_phone(cashier, PHONE)
    assert mine is not None and mine.id == member_id  # the server's phone again
    theirs = a.till.members.find_by_phone(cashier, NEW)
    assert theirs is not None and theirs.id != member_id
