"""A lost till leaks nothing useful: after a real sync of demo members, the till's files on disk hold no member's
phone or name and no device token (SQLCipher, localdb.cipher); only the key, kept apart, opens them."""

from __future__ import annotations

from pathlib import Path

from localdb.database import connect_raw
from server.demo.loader import generate_demo
from tests.integration.conftest import LiveServer, TillFactory


def _bytes_on_disk(database: Path) -> bytes:
    """Everything the till wrote beside its key: the database file and any WAL or journal left beside it."""
    files = [database, *database.parent.glob(database.name + "-*")]
    return b"".join(file.read_bytes() for file in files if file.is_file())


def test_the_till_file_on_disk_holds_no_phone_no_name_no_token(
    make_till: TillFactory, server: LiveServer, tmp_path: Path
) -> None:
    generate_demo(server.db, 200)
    handle = make_till("lost")
    token = handle.till.sync.registration()
    assert token is not None
    path = handle.till.db.path
    with connect_raw(path) as raw:  # what the till holds, read with its key
        members = raw.execute("SELECT phone, name FROM member WHERE phone IS NOT NULL").fetchall()
    assert len(members) >= 200
    open_now = _bytes_on_disk(path)  # as a thief copying the files of a running till would find them
    handle.till.close()
    lost = _bytes_on_disk(path) + open_now

    assert not lost.startswith(b"SQLite format 3")
    assert token.token.encode() not in lost
    for phone, name in members:
        assert phone.encode() not in lost
        assert phone[-8:].encode() not in lost  # however the number is written
        assert name.encode("utf-8") not in lost
