"""400 or 422, call by call (docs/sync.md, "Statuses"): a request that does not fit the published schema — not JSON,
a wrong type, a missing or unknown field, a value outside the range the schema states — is 400 `malformed`; one that
fits it but breaks a rule the schema cannot state is 422 `rule_violation`. Items of a push keep their own answers
(200, `rejected` with a reason). And the push's decoding stays within bounds whatever the megabyte holds."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from uuid6 import uuid7

from protocol.limits import MAX_PUSH_ITEMS
from server import admin
from server.db import ServerDatabase
from server.errors import ApiError
from server.push import MAX_BODY_JSON, ORDER_WAIT_SECONDS
from server.push_decode import decode_push
from tests.server.conftest import STORE, Till


def _detail(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    detail: dict[str, Any] = answer.json()["detail"]
    return detail


# -- register ----------------------------------------------------------------------------------------------------


def test_register_a_blank_device_name_breaks_a_rule(till: Till, db: ServerDatabase) -> None:
    code = admin.make_enrolment_code(db, STORE)
    body = {"store_code": STORE, "device_name": "   ", "enrolment_code": code}
    detail = _detail(till.client.post("/v1/devices/register", json=body), 422)
    assert (detail["code"], detail["field"]) == ("rule_violation", "body.device_name")
    empty = _detail(till.client.post("/v1/devices/register", json={**body, "device_name": ""}), 400)
    assert (empty["code"], empty["field"]) == ("malformed", "body.device_name")  # the schema says 1 to 64
    assert till.client.post("/v1/devices/register", json={**body, "device_name": "till-9"}).status_code == 200


def test_register_wrong_types_and_unknown_fields_are_malformed(till: Till) -> None:
    base = {"store_code": STORE, "device_name": "till", "enrolment_code": "ABCDEFGHJK"}
    for body, field in (
        ({**base, "colour": "red"}, "body.colour"),
        ({**base, "device_name": 7}, "body.device_name"),
        ({**base, "store_code": "S 001"}, "body.store_code"),
    ):
        detail = _detail(till.client.post("/v1/devices/register", json=body), 400)
        assert (detail["code"], detail["field"]) == ("malformed", field)
    not_json = till.client.post("/v1/devices/register", content=b"{store", headers={"Content-Type": "application/json"})
    assert _detail(not_json, 400)["code"] == "malformed"


# -- authorize -----------------------------------------------------------------------------------------------------


def test_authorize_an_amount_beyond_the_ledger_breaks_a_rule(till: Till) -> None:
    body = {"id": str(uuid7()), "member_id": str(uuid7()), "points": 100, "amount_cents": 10**12 + 1}
    detail = _detail(till.client.post("/v1/redemptions/authorize", json=body, headers=till.headers), 422)
    assert (detail["code"], detail["field"]) == ("rule_violation", "body.amount_cents")
    beyond = {**body, "amount_cents": 10**13 + 1}  # beyond what the schema states
    assert _detail(till.client.post("/v1/redemptions/authorize", json=beyond, headers=till.headers), 400)
    no_points = {**body, "points": 0, "amount_cents": 0}
    assert _detail(till.client.post("/v1/redemptions/authorize", json=no_points, headers=till.headers), 400)


# -- changes -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "query.limit"), ({"limit": 5001}, "query.limit"), ({"since": -1}, "query.since")],
)
def test_changes_out_of_the_stated_range_is_malformed(till: Till, params: dict[str, Any], field: str) -> None:
    detail = _detail(till.get("/v1/changes", **params), 400)
    assert (detail["code"], detail["field"]) == ("malformed", field)


# -- push --------------------------------------------------------------------------------------------------------


def test_push_naming_a_later_batch_as_its_predecessor_breaks_a_rule_at_once(till: Till) -> None:
    member_id = str(uuid7())
    items = [till.entry(member_id, 10, seq=5), till.entry(member_id, 10, seq=6)]
    started = time.monotonic()
    answer = till.client.post(
        "/v1/push", json={"items": items, "after_seq": 5, "after_id": str(uuid7())}, headers=till.headers
    )
    assert time.monotonic() - started < ORDER_WAIT_SECONDS  # no wait for a batch that cannot come first
    detail = _detail(answer, 422)
    assert (detail["code"], detail["field"]) == ("rule_violation", "body.after_seq")


def test_push_unknown_fields_are_malformed_naming_the_first(till: Till) -> None:
    item = till.entry(str(uuid7()), 10)
    for body, field in (
        ({"items": [{**item, "colour": "red", "size": "M"}]}, "body.items.0.colour"),
        ({"items": [item], "colour": "red"}, "body.colour"),
        ({"items": [item, {**item, "till_seq": "x"}]}, "body.items.1.till_seq"),
    ):
        detail = _detail(till.client.post("/v1/push", json=body, headers=till.headers), 400)
        assert (detail["code"], detail["field"]) == ("malformed", field)


def test_push_items_keep_their_own_answers(till: Till) -> None:
    """A body that breaks its schema, a rule, or is longer than any body a till writes: 200, the item rejected."""
    member_id = till.enrolled()
    huge = till.entry(member_id, 10)
    huge["body"]["bonuses"] = ["own_bag"] * (MAX_BODY_JSON // 10)  # fits the schema, but no till writes it
    bad = till.item("point_entry", {"points": "many"})
    earn_without_points = till.entry(member_id, 0)
    results = till.push_ok(huge, bad, earn_without_points)
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "invalid_body"), ("rejected", "invalid_body"), ("rejected", "rule_violation")
    ]  # fmt: skip


# -- the push's decoding within bounds -------------------------------------------------------------------------------


def test_a_megabyte_of_empty_items_is_refused_by_its_count() -> None:
    raw = b'{"items":[' + b",".join([b"{}"] * 340_000) + b"]}"
    started = time.perf_counter()
    with pytest.raises(ApiError) as refused:
        decode_push(raw)
    assert (refused.value.status, refused.value.code) == (413, "batch_too_large")
    assert "340000" in refused.value.message
    assert time.perf_counter() - started < 5  # was 3.5 million errors: gigabytes, half a minute


def test_a_megabyte_of_unknown_keys_is_one_error() -> None:
    keys = ",".join(f'"k{n:06d}":0' for n in range(90_000))
    for raw in (f'{{"items":[{{{keys}}}]}}', f'{{"items":[],{keys}}}'):
        with pytest.raises(RequestValidationError) as refused:
            decode_push(raw.encode())
        assert len(refused.value.errors()) <= 5  # one per missing field at most, not one per key
    item = '{"id":"x","till_seq":1,"type":"enrol","created_at":"2026-01-01T00:00:00+00:00","body":{},' + keys + "}"
    with pytest.raises(RequestValidationError) as refused:
        decode_push(f'{{"items":[{item}]}}'.encode())
    assert refused.value.errors() == [{"type": "extra_forbidden", "loc": ("body", "items", 0, "k000000"),
                                       "msg": "Extra inputs are not permitted"}]  # fmt: skip


def test_every_error_of_a_full_batch_is_at_most_one_per_field() -> None:
    raw = ('{"items":[' + ",".join(['{"till_seq":"x","type":"y"}'] * MAX_PUSH_ITEMS) + "]}").encode()
    with pytest.raises(RequestValidationError) as refused:
        decode_push(raw)
    assert len(refused.value.errors()) == MAX_PUSH_ITEMS * 5


def test_json_nested_too_deep_or_numbers_too_long_are_malformed() -> None:
    for raw in (b'{"items":[{"body":' + b"[" * 10_000 + b"]" * 10_000 + b"}]}", b'{"after_seq":' + b"9" * 5000 + b"}"):
        with pytest.raises(RequestValidationError) as refused:
            decode_push(raw)
        assert refused.value.errors()[0]["type"] == "json_invalid"
