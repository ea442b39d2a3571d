"""What a manager types to register a till is checked before anything is sent (issue 14): a server address, store
code or enrolment code that cannot be right — 10,000 characters of it included — is a `SyncError` with a code the
screens and the command line word, never a pydantic or idna traceback, and the till stays unregistered."""

from __future__ import annotations

from pathlib import Path

import pytest

from localdb.till import Till
from sync.client import ServerClient, SyncError, check_server_url
from sync.registration import clean_enrolment_code, clean_store_code, register_till

LONG = 10_000


@pytest.mark.parametrize(
    "url",
    [
        "https://" + "a" * LONG + ".example.com",  # a host name DNS cannot hold (idna refused it at connect)
        "https://members.example.com/" + "x" * LONG,
        "https://" + "a" * 64 + ".example.com",  # one label over 63
        "http://[::1",  # httpx.InvalidURL
        "http://127.0.0.1:port",
        "http://127.0.0.1:99999",
    ],
)
def test_an_address_that_cannot_be_right_is_refused(url: str) -> None:
    with pytest.raises(SyncError) as refused:
        check_server_url(url)
    assert refused.value.code == "bad_server_url"
    assert len(str(refused.value)) < 200  # the address is not echoed whole


@pytest.mark.parametrize("text", ["S" * LONG, "S 001", "S001!", "", "门店1"])
def test_a_store_code_that_cannot_be_right_is_refused(text: str) -> None:
    with pytest.raises(SyncError) as refused:
        clean_store_code(text)
    assert refused.value.code == "bad_store_code"


def test_store_and_enrolment_codes_are_taken_as_the_server_keeps_them() -> None:
    assert clean_store_code(" s001 ") == "S001"
    assert clean_enrolment_code("ab3d-ef 7h") == "AB3DEF7H"
    for text in ("A" * LONG, "AB", "ABCD/1234", ""):
        with pytest.raises(SyncError) as refused:
            clean_enrolment_code(text)
        assert refused.value.code == "bad_enrolment_code"


def test_nothing_is_sent_and_nothing_kept_for_a_code_that_cannot_be_right(tmp_path: Path) -> None:
    sent: list[str] = []

    def client_factory(url: str, token: str | None) -> ServerClient:
        sent.append(url)
        raise AssertionError("nothing may be sent")

    till = Till.open(tmp_path / "till.sqlite3")
    try:
        for store, code in (("S" * LONG, "ABCD2345"), ("S001", "A" * LONG)):
            with pytest.raises(SyncError):
                register_till(till.sync, server_url="https://members.example.com", store_code=store,
                              enrolment_code=code, client_factory=client_factory)  # fmt: skip
        assert sent == [] and till.sync.registration() is None
    finally:
        till.close()
