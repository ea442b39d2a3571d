"""Member cards through a real server and real httpx: every member code handed out is audited (device, store,
staff, member, serial, outcome; no phone), and a lost card is re-issued — by the admin command or by a till with a
manager's approval — with a new serial, the old one revoked for good."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from localdb.errors import StoreError
from loyalty.member_code import InvalidMemberCode, public_key_from_text, verify_member_code
from server import admin, chain, member_code_audit
from server import cli as server_cli
from server.models import Member
from sync.cards import reissue_card
from sync.client import Refused, ServerClient, ServerUnreachable
from sync.member_codes import fetch_member_code
from tests.integration.conftest import OTHER_STORE, LiveServer, TillFactory, TillHandle

PHONE = "13800138000"


def _client(handle: TillHandle) -> ServerClient:
    registration = handle.till.sync.registration()
    assert registration is not None
    return ServerClient(registration.server_url, registration.token)


def _enrolled_and_synced(handle: TillHandle) -> str:
    cashier = handle.login("C001")
    member_id = handle.till.members.enrol(cashier, phone=PHONE, name="王小明").member.id
    assert handle.sync().error is None
    return member_id


def _serial(server: LiveServer, member_id: str) -> int | None:
    with server.db.read() as session:
        return session.scalar(select(Member.card_serial).where(Member.id == member_id))


def test_each_member_code_handed_out_is_audited_without_a_phone(
    make_till: TillFactory, server: LiveServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = make_till()
    member_id = _enrolled_and_synced(handle)
    nobody = str(uuid.uuid4())
    device = handle.till.settings.current().device_id

    issued = fetch_member_code(_client(handle), member_id, staff_code="C001")
    assert issued.code is not None
    assert fetch_member_code(_client(handle), nobody).code is None

    rows = member_code_audit.requests(server.db)
    assert [(r.device_id, r.store_code, r.staff_code, r.member_id, r.card_serial, r.outcome) for r in rows] == [
        (device, "S001", "C001", member_id, issued.card_serial, "issued"),
        (device, "S001", None, nobody, None, "unknown_member"),
    ]
    url = server_url
    assert server_cli.main(["admin", "--db", url, "member-code-requests", "--member", member_id]) == 0
    out = capsys.readouterr().out
    assert f"{device}\tS001\tC001\t{member_id}\t{issued.card_serial}\tissued" in out
    assert nobody not in out and PHONE not in out and "王小明" not in out
    assert server_cli.main(["admin", "--db", url, "member-code-requests", "--device", "no-such-device"]) == 0
    assert capsys.readouterr().out == "no member code requests\n"


def test_a_revoked_card_is_reissued_by_the_admin_command_and_the_old_serial_stays_refused(
    make_till: TillFactory, server: LiveServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = make_till()
    member_id = _enrolled_and_synced(handle)
    old_code = fetch_member_code(_client(handle), member_id).code
    old = _serial(server, member_id)
    assert old_code is not None and old is not None
    admin.revoke_card(server.db, old)
    assert fetch_member_code(_client(handle), member_id).reason == "no_valid_card"

    assert server_cli.main(["admin", "--db", server_url, "reissue-card", member_id]) == 0
    out = capsys.readouterr().out
    new = _serial(server, member_id)
    assert new is not None and new != old
    assert f"new card {new}, old card {old} (revoked)" in out

    fresh = fetch_member_code(_client(handle), member_id)
    assert fresh.card_serial == new and fresh.code is not None and fresh.code in out
    with server.db.read() as session:
        assert old in chain.revoked_cards(session) and new not in chain.revoked_cards(session)
    assert handle.sync().error is None  # the till learns the revocation and the new serial
    cashier = handle.login("C001")
    found = handle.till.members.find_by_code(cashier, fresh.code)
    assert found is not None and found.id == member_id
    with pytest.raises((InvalidMemberCode, StoreError)):
        handle.till.members.find_by_code(cashier, old_code)


def test_a_till_reissues_a_card_with_a_managers_approval(make_till: TillFactory, server: LiveServer) -> None:
    handle = make_till()
    member_id = _enrolled_and_synced(handle)
    old = _serial(server, member_id)

    card = reissue_card(_client(handle), member_id, "M001")  # M001: a chain-wide manager

    assert card.member_id == member_id and card.card_serial != old
    with server.db.read() as session:
        key = public_key_from_text(chain.public_key_text(session))
    assert verify_member_code(card.code, key).card_serial == card.card_serial
    with server.db.read() as session:
        assert old in chain.revoked_cards(session)
    [row] = [r for r in member_code_audit.requests(server.db) if r.outcome == "reissued"]
    assert (row.staff_code, row.store_code, row.card_serial) == ("M001", "S001", card.card_serial)


def test_the_server_refuses_a_reissue_not_approved_by_a_manager_of_this_store(
    make_till: TillFactory, server: LiveServer
) -> None:
    admin.add_staff(server.db, "M002", "二店店长", "manager", "2580", store_code=OTHER_STORE)
    handle = make_till()
    member_id = _enrolled_and_synced(handle)
    old = _serial(server, member_id)
    for approver in ("C001", "M002", "NOBODY"):  # a cashier; another store's manager; no such staff
        with pytest.raises(Refused) as refused:
            reissue_card(_client(handle), member_id, approver)
        assert (refused.value.status, refused.value.code) == (403, "approver_not_manager")
    with pytest.raises(Refused) as unknown:
        reissue_card(_client(handle), str(uuid.uuid4()), "M001")
    assert (unknown.value.status, unknown.value.code) == (404, "unknown_member")
    assert _serial(server, member_id) == old  # nothing changed


def test_an_offline_till_cannot_reissue(make_till: TillFactory, server: LiveServer) -> None:
    handle = make_till()
    member_id = _enrolled_and_synced(handle)
    registration = handle.till.sync.registration()
    assert registration is not None
    nowhere = ServerClient("http://127.0.0.1:9", registration.token)  # nothing listens there: the till is offline
    with pytest.raises(ServerUnreachable):
        reissue_card(nowhere, member_id, "M001")
