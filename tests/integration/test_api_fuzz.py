"""schemathesis against the running server's own /openapi.json: whatever a client sends, no 5xx. The body caps
and the token check stay on; rate limits are off, so the examples reach the handlers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from server import admin
from server.db import ServerDatabase
from server.limits import Limiter, Limits
from tests.integration.conftest import LiveServer, seed_chain


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    db = ServerDatabase.open(f"sqlite:///{folder / 'server.sqlite3'}")
    seed_chain(db)
    _device, token, _store = admin.register_device(db, "S001", "fuzz", admin.make_enrolment_code(db, "S001"))
    server = LiveServer(db, Limiter(Limits.off()))  # rate limits would answer most examples 429 before a handler
    try:
        yield server, token
    finally:
        server.stop()
        db.close()


@pytest.mark.slow
def test_no_request_makes_the_server_fail(live: tuple[LiveServer, str], monkeypatch: pytest.MonkeyPatch) -> None:
    server, token = live
    monkeypatch.setattr("server.push.ORDER_WAIT_SECONDS", 0.05)  # a made-up `after_seq` is refused without a wait
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]
    assert (
        len(operations) == 16
    )  # PROTOCOL.md's 7, the audit calls, the card re-issue, the token rotation, purchases, receipts, warnings, board
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"

        no_server_error()
