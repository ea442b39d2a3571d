"""The server's side of the till audit chains: the key handed over once, anchors kept, an anchor that goes back or
rewrites an anchored row refused and recorded, and the admin's list of anchors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from server import cli
from server.db import ServerDatabase
from server.models import AuditAnchorRecord, Device
from tests.server.conftest import STORE, Till

H1, H2, H3 = "1" * 64, "2" * 64, "3" * 64


def anchor(till: Till, seq: int, hash_: str, prior: tuple[int, str] | None = None) -> Any:
    body: dict[str, Any] = {"seq": seq, "hash": hash_}
    if prior is not None:
        body["prior"] = {"seq": prior[0], "hash": prior[1]}
    return till.client.post("/v1/audit/anchor", json=body, headers=till.headers)


def held(till: Till) -> Any:
    answer = till.get("/v1/audit/anchor")
    assert answer.status_code == 200, answer.text
    return answer.json()["anchor"]


def test_registration_hands_over_the_audit_key_once(client: TestClient, db: ServerDatabase) -> None:
    from server import admin

    code = admin.make_enrolment_code(db, STORE)
    answer = client.post("/v1/devices/register", json={"store_code": STORE, "device_name": "t", "enrolment_code": code})
    key = answer.json()["audit_key"]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    token = answer.json()["token"]
    again = client.post("/v1/audit/key", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "audit_key_issued"


def test_a_till_registered_before_keys_fetches_its_key_once(bare_till: Till, db: ServerDatabase) -> None:
    with db.write() as session:  # as the migration leaves a till registered before it
        session.execute(update(Device).where(Device.id == bare_till.device_id).values(audit_key=None))
    first = bare_till.client.post("/v1/audit/key", headers=bare_till.headers)
    assert first.status_code == 200 and re.fullmatch(r"[0-9a-f]{64}", first.json()["audit_key"])
    second = bare_till.client.post("/v1/audit/key", headers=bare_till.headers)
    assert second.status_code == 409 and second.json()["detail"]["code"] == "audit_key_issued"
    assert bare_till.client.post("/v1/audit/key").status_code == 401


def test_anchors_move_forward_and_are_held(bare_till: Till, db: ServerDatabase) -> None:
    assert held(bare_till) is None
    assert anchor(bare_till, 5, H1).json() == {"anchor": {"seq": 5, "hash": H1}}
    assert anchor(bare_till, 5, H1, prior=(5, H1)).status_code == 200  # a sync with nothing new: not kept twice
    assert anchor(bare_till, 9, H2, prior=(5, H1)).json() == {"anchor": {"seq": 9, "hash": H2}}
    assert held(bare_till) == {"seq": 9, "hash": H2}
    with db.read() as session:
        assert session.scalars(select(AuditAnchorRecord.seq)).all() == [5, 9]


def test_an_anchor_behind_the_held_one_is_refused_and_recorded(bare_till: Till, db: ServerDatabase) -> None:
    anchor(bare_till, 9, H2)
    answer = anchor(bare_till, 7, H1, prior=(9, H2))
    assert answer.status_code == 409 and answer.json()["detail"]["code"] == "audit_behind"
    assert held(bare_till) == {"seq": 9, "hash": H2}
    with db.read() as session:
        verdicts = session.execute(select(AuditAnchorRecord.seq, AuditAnchorRecord.verdict)).all()
    assert sorted(verdicts) == [(7, "audit_behind"), (9, "accepted")]


@pytest.mark.parametrize(
    ("seq", "hash_", "prior"),
    [
        (9, H3, (9, H3)),  # another hash at the anchored seq: recomputed
        (12, H3, (9, H3)),  # further on, but the anchored row's hash is not the one accepted
        (12, H3, None),  # further on, naming no row the server accepted
    ],
)
def test_an_anchor_rewriting_an_anchored_row_is_refused(
    bare_till: Till, seq: int, hash_: str, prior: tuple[int, str] | None
) -> None:
    anchor(bare_till, 9, H2)
    answer = anchor(bare_till, seq, hash_, prior=prior)
    assert answer.status_code == 409 and answer.json()["detail"]["code"] == "audit_rewritten"
    assert held(bare_till) == {"seq": 9, "hash": H2}


def test_anchors_are_per_till(client: TestClient, db: ServerDatabase, bare_till: Till) -> None:
    from tests.server.conftest import register

    device_id, token = register(client, db, name="till-2")
    other = Till(client, device_id, token, bare_till.clock)
    anchor(bare_till, 9, H2)
    assert anchor(other, 3, H1).status_code == 200
    assert held(other) == {"seq": 3, "hash": H1}


def test_a_malformed_anchor_is_a_400(bare_till: Till) -> None:
    answer = bare_till.client.post("/v1/audit/anchor", json={"seq": 0, "hash": "not hex"}, headers=bare_till.headers)
    assert answer.status_code == 400


def test_admin_lists_the_anchors_and_refusals(bare_till: Till, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    anchor(bare_till, 9, H2)
    anchor(bare_till, 4, H1, prior=(9, H2))
    assert cli.main(["admin", "--db", db_url, "audit-anchors"]) == 0
    out = capsys.readouterr().out
    header, row = out.splitlines()
    assert header.split("\t")[3:] == ["keyed", "anchored_seq", "anchored_hash", "anchored_at", "refusals",
                                      "last_refusal"]  # fmt: skip
    fields = row.split("\t")
    assert fields[0] == bare_till.device_id and fields[1] == STORE
    assert fields[3:6] == ["yes", "9", H2]
    assert fields[7] == "1" and fields[8].startswith("audit_behind ")
