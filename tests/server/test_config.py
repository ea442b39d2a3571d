"""`GET /v1/config`: what a till needs to work offline, and the version that tells it to fetch again."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from loyalty.member_code import public_key_from_text, sign_member_code, verify_member_code
from loyalty.pins import pin_matches
from loyalty.rules import DEFAULT_RULES, PointsRules
from server import admin, chain
from server.db import ServerDatabase
from tests.server.conftest import OTHER_STORE, STORE, Till


def test_config_carries_rules_store_staff_key_and_revocations(db: ServerDatabase, bare_till: Till) -> None:
    admin.add_staff(db, "C001", "李收银", "cashier", "1357", store_code=STORE)
    admin.add_staff(db, "A001", "区域经理", "manager", "2468")  # every store
    admin.add_staff(db, "X001", "别店", "cashier", "1111", store_code=OTHER_STORE)
    admin.revoke_card(db, 42)
    answer = bare_till.get("/v1/config")
    assert answer.status_code == 200
    config = answer.json()
    assert PointsRules.from_dict(config["rules"]) == DEFAULT_RULES
    assert [t["code"] for t in config["tiers"]] == ["normal", "silver", "gold", "platinum"]
    assert config["store"] == {"code": STORE, "name": "旗舰店", "timezone": "Asia/Shanghai"}
    staff = {s["code"]: s for s in config["staff"]}
    assert set(staff) == {"A001", "C001"}
    assert pin_matches("1357", staff["C001"]["pin_hash"]) and staff["C001"]["role"] == "cashier"
    assert config["revoked_cards"] == [42]
    with db.read() as session:
        key = chain.signing_key(session)
    code = sign_member_code(key, uuid.uuid4(), 7)
    assert verify_member_code(code, public_key_from_text(config["member_code_public_key"])).card_serial == 7


def test_every_staff_rules_or_card_change_bumps_the_config_version(db: ServerDatabase, bare_till: Till) -> None:
    def version() -> int:
        return int(bare_till.get("/v1/config").json()["config_version"])

    seen = [version()]
    admin.add_staff(db, "C001", "李收银", "cashier", "1357")
    seen.append(version())
    admin.add_staff(db, "C001", "李收银", "manager", "1357")  # re-adding updates
    seen.append(version())
    admin.deactivate_staff(db, "C001")
    seen.append(version())
    admin.set_rules(db, dataclasses.replace(DEFAULT_RULES, version=2, earn_points_per_yuan=2))
    seen.append(version())
    admin.revoke_card(db, 9)
    seen.append(version())
    assert seen == sorted(set(seen))  # strictly increasing
    config = bare_till.get("/v1/config").json()
    assert config["rules"]["earn_points_per_yuan"] == 2
    assert config["staff"] == [{**config["staff"][0], "code": "C001", "role": "manager", "active": False}]


def test_admin_refusals_are_clear(db: ServerDatabase) -> None:
    with pytest.raises(admin.AdminError, match="version must increase"):
        admin.set_rules(db, DEFAULT_RULES)
    with pytest.raises(admin.AdminError, match="role"):
        admin.add_staff(db, "Z001", "某人", "boss", "1234")
    with pytest.raises(admin.AdminError, match="PIN"):
        admin.add_staff(db, "Z001", "某人", "cashier", "12")
    with pytest.raises(admin.AdminError, match="already exists"):
        admin.create_store(db, STORE, "again")
    with pytest.raises(admin.AdminError, match="no store"):
        admin.make_enrolment_code(db, "NOPE")
    with pytest.raises(admin.AdminError, match="no staff"):
        admin.deactivate_staff(db, "NOBODY")
