"""The client's rules that need no server: which addresses it will talk to, what each answer status means to the
engine, and the backoff it waits between retries."""

from __future__ import annotations

import httpx
import pytest

from sync.client import (
    CursorGone,
    IdConflict,
    InsecureServer,
    Refused,
    ServerBusy,
    Unauthorized,
    check_server_url,
    raise_for_answer,
)
from sync.engine import RetryPolicy


@pytest.mark.parametrize(
    "url",
    ["https://members.example.com", "https://members.example.com/", "http://127.0.0.1:8765", "http://localhost:1",
     "http://[::1]:8765"],
)  # fmt: skip
def test_https_anywhere_and_plain_http_only_to_this_machine(url: str) -> None:
    assert check_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://members.example.com", "http://192.168.1.10:8765", "http://10.0.0.1"])
def test_plain_http_to_another_machine_is_refused(url: str) -> None:
    with pytest.raises(InsecureServer) as refused:
        check_server_url(url)
    assert refused.value.code == "insecure_server"


@pytest.mark.parametrize("url", ["", "members.example.com", "ftp://x.example.com", "https://"])
def test_not_an_address(url: str) -> None:
    with pytest.raises(InsecureServer) as refused:
        check_server_url(url)
    assert refused.value.code == "bad_server_url"


def answer(status: int, detail: dict[str, object] | None = None, headers: dict[str, str] | None = None):
    return httpx.Response(status, json={"detail": detail} if detail else {}, headers=headers)


def test_answers_map_to_what_the_engine_does() -> None:
    raise_for_answer(answer(200))
    with pytest.raises(Unauthorized) as revoked:
        raise_for_answer(answer(401, {"code": "device_revoked", "message": "revoked"}))
    assert revoked.value.code == "device_revoked" and not revoked.value.retryable
    with pytest.raises(ServerBusy) as slow:
        raise_for_answer(answer(429, {"code": "rate_limited", "message": "slow"}, {"Retry-After": "7"}))
    assert slow.value.retryable and slow.value.retry_after == 7.0
    with pytest.raises(ServerBusy):
        raise_for_answer(httpx.Response(503, text="<html>maintenance</html>"))
    with pytest.raises(IdConflict) as conflict:
        raise_for_answer(answer(409, {"code": "id_conflict", "message": "x", "ids": ["a", "b"]}))
    assert conflict.value.ids == ("a", "b") and not conflict.value.retryable
    with pytest.raises(CursorGone):
        raise_for_answer(answer(410, {"code": "cursor_gone", "message": "x"}))
    with pytest.raises(Refused) as malformed:
        raise_for_answer(answer(400, {"code": "malformed", "message": "bad", "field": "items"}))
    assert malformed.value.code == "malformed" and not malformed.value.retryable


def test_backoff_grows_is_capped_jittered_and_honours_retry_after() -> None:
    policy = RetryPolicy(attempts=10, base_seconds=0.5, cap_seconds=30)
    highest = [policy.delay(n, lambda: 1.0) for n in range(10)]
    assert highest[:4] == [0.5, 1.0, 2.0, 4.0] and max(highest) == 30
    assert policy.delay(3, lambda: 0.25) == 1.0  # full jitter: a fraction of the ceiling
    assert policy.delay(0, lambda: 0.0, retry_after=12) == 12
    assert policy.delay(0, lambda: 0.0, retry_after=3600) == 30
