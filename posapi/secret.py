"""The POS interface's shared secret: 256 random bits made at the first start and kept the way the till database's
key is (`localdb.keystore.TillKeys`: the OS keyring when usable, else an owner-only file beside the database,
`<database>.pos.key`), never in a plain settings file. The POS sends it as `Authorization: Bearer <secret>`."""

from __future__ import annotations

from pathlib import Path

from localdb.keystore import KeyStore, TillKeys


def _anchor(database: Path) -> Path:
    """The name the secret is kept under: a sibling of the database (`till.sqlite3.pos` → `till.sqlite3.pos.key`)."""
    return database.with_name(database.name + ".pos")


def pos_secret(database: Path, keys: KeyStore | None = None) -> str:
    """This till's POS secret (hex), made and kept on first use."""
    store = keys or TillKeys()
    anchor = _anchor(database)
    key = store.find(anchor)
    if key is None:
        key = store.create(anchor)
    return key.hex()
