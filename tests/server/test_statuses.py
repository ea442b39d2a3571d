"""What a push request is answered when it does not fit: 400 `malformed` naming the first field, 413 for more than
500 items; items of a push keep their own answers (200, `rejected` with a reason). And the push's decoding stays
within bounds whatever the megabyte holds."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from uuid6 import uuid7

from protocol.limits import MAX_PUSH_ITEMS
from server.errors import ApiError
from server.push import MAX_BODY_JSON
from server.push_decode import decode_push
from tests.server.conftest import Till


def _detail(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    detail: dict[str, Any] = answer.json()["detail"]
    return detail


# -- push --------------------------------------------------------------------------------------------------------


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
