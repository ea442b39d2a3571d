"""The server's SQLite files made owner-only (POSIX): every folder this module creates is 0700 at each level it
creates (`mkdir(parents=True)` would give the parents the default 0755), the database file 0600 before SQLite
opens it, so SQLite gives its -wal and -shm files the same mode. The embedded (demo) server's own files, which an
older version made with the default modes, are tightened too; a production file that exists is the
administrator's and is left as it is.

The till has the same rule for its own store (`localdb.database`); the two do not share code because the server
imports nothing of the till's (tests/test_layers.py). On Windows the user profile's ACLs keep the files private and
the modes are not touched.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

_POSIX: Final = os.name == "posix"
SQLITE_HEADER: Final = b"SQLite format 3\x00"


def private_folder(folder: Path) -> None:
    """Make `folder` and every missing folder above it, each 0700. Raises OSError (a file in the way, no
    permission)."""
    missing: list[Path] = []
    level = folder
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700)
        if _POSIX:
            made.chmod(0o700)  # whatever the umask said


def owner_only_sqlite_file(path: Path, *, tighten: bool = False) -> None:
    """Create the SQLite file `path` (and its folders) readable by its owner only, unless it exists. `tighten`: an
    existing file, its -wal, -shm, -writer and -refresh files and its folder lose any group or other permission (the
    demo's files). Raises OSError."""
    private_folder(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    if not (tighten and _POSIX):
        return
    siblings = [
        path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-writer", "-refresh")
    ]  # server.db, server.refresh
    for file in (path, *siblings, path.parent):
        try:
            loose = stat.S_IMODE(file.stat().st_mode) & 0o077
        except FileNotFoundError:
            continue
        if loose:
            file.chmod(0o700 if file.is_dir() else 0o600)
            log.warning("tightened the permissions of %s to owner-only", file.name)
