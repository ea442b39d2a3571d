"""`GET /v1/changes`: members changed after a cursor, in version order, paged with has_more and next_cursor;
tombstones for merged members; 410 for a cursor the server cannot serve."""

from __future__ import annotations

import json
from typing import Any

from protocol.wire import ChangesResponse
from server import chain
from server.changes import changes_page
from server.db import ServerDatabase
from tests.server.conftest import PHONE_A, PHONE_B, PHONE_C, Till


def _pull_all(till: Till, since: int = 0, limit: int = 2) -> tuple[list[dict[str, Any]], int, int]:
    changes: list[dict[str, Any]] = []
    pages = 0
    while True:
        answer = till.get("/v1/changes", since=since, limit=limit)
        assert answer.status_code == 200, answer.text
        page = ChangesResponse.model_validate(answer.json())  # the till's own schema reads it
        changes.extend(answer.json()["changes"])
        pages += 1
        assert len(page.changes) <= limit
        since = page.next_cursor
        if not page.has_more:
            return changes, since, pages


def test_pages_cover_every_member_once_in_version_order(till: Till) -> None:
    ids = [till.enrolled(phone) for phone in (PHONE_A, PHONE_B, PHONE_C)]
    till.push_ok(till.entry(ids[0], 30), till.preference(ids[0], "add", "size", "L"))
    changes, cursor, pages = _pull_all(till)
    versions = [change["version"] for change in changes]
    assert versions == sorted(versions) and cursor == versions[-1] and pages == 2
    assert [change["id"] for change in changes] == [ids[1], ids[2], ids[0]]  # the latest state, once each
    first = changes[-1]
    assert (first["phone"], first["balance"], first["tier"], first["name"]) == (PHONE_A, 30, "normal", "张三")
    assert [(p["kind"], p["value"]) for p in first["preferences"]] == [("size", "L")]
    assert first["card_serial"] is not None
    empty = till.get("/v1/changes", since=cursor).json()
    assert empty == {"changes": [], "next_cursor": cursor, "has_more": False, "latest": cursor}
    till.push_ok(till.entry(ids[1], 5))
    later, _, _ = _pull_all(till, since=cursor)
    assert [(c["id"], c["balance"]) for c in later] == [(ids[1], 5)]


def test_a_merged_enrolment_arrives_as_a_tombstone(till: Till) -> None:
    survivor = till.enrolled(PHONE_A)
    local = till.enrol(PHONE_A)
    till.push_ok(local)
    changes, _, _ = _pull_all(till, limit=10)
    tombstone = next(c for c in changes if c["id"] == local["id"])
    assert tombstone == {"id": local["id"], "version": tombstone["version"], "deleted": False, "merged_into": survivor}


def test_a_cursor_ahead_or_too_old_is_gone(db: ServerDatabase, till: Till) -> None:
    till.enrolled(PHONE_A)
    till.enrolled(PHONE_B)
    current = till.get("/v1/changes", since=0).json()["next_cursor"]
    ahead = till.get("/v1/changes", since=current + 1)
    assert ahead.status_code == 410 and ahead.json()["detail"]["code"] == "cursor_gone"
    with db.write() as session:
        chain.put(session, chain.MIN_CURSOR, current)
    assert till.get("/v1/changes", since=current - 1).status_code == 410
    assert till.get("/v1/changes", since=0).status_code == 200  # a full re-pull always works


def test_limits_are_checked(till: Till) -> None:
    assert till.get("/v1/changes", since=-1).status_code == 400
    answer = till.get("/v1/changes", since=0, limit=5001)
    assert answer.status_code == 400 and answer.json()["detail"]["field"] == "query.limit"


def _counter(db: ServerDatabase) -> int:
    with db.read() as session:
        return db.current_version(session)


def test_every_page_carries_the_latest_change_sequence(db: ServerDatabase, till: Till) -> None:
    ids = [till.enrolled(phone) for phone in (PHONE_A, PHONE_B, PHONE_C)]
    latest = _counter(db)
    first = till.get("/v1/changes", since=0, limit=1).json()
    assert first["has_more"] and first["latest"] == latest > first["next_cursor"]
    assert ChangesResponse.model_validate(first).latest == latest
    last = till.get("/v1/changes", since=first["next_cursor"], limit=10).json()
    assert not last["has_more"] and last["latest"] == last["next_cursor"] == latest
    till.push_ok(till.entry(ids[0], 10))  # a change after the pages were read: the next page says so
    assert _counter(db) > latest
    assert till.get("/v1/changes", since=latest).json()["latest"] == _counter(db)
    assert json.loads(changes_page(db, 0, 1))["latest"] == _counter(db)
