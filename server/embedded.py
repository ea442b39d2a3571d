"""The embedded demo server: the real app served by uvicorn in a background thread on 127.0.0.1 (a free port), on
a SQLite file filled with demo data the first time, with the demo's benefits (`server.demo.benefits`: coupon
templates and rules, points that expire), then refreshed once, as the chain's nightly job would (tags, Fav and RFM
from the insight rules, birthday coupons, expiring points), and a win-back campaign run. The till's `demo` command
(the README's run command) uses it so a fresh machine has a chain to sync with; tests and benchmarks run the same
server the same way. Its files are owner-only (0600 in 0700 folders, `server.files`), as the till's are."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from server import admin
from server.app import create_app
from server.db import ServerDatabase
from server.demo import generate_demo
from server.demo.benefits import set_up_benefits, win_back_campaign
from server.demo.loader import place_demo_staff
from server.files import owner_only_sqlite_file
from server.models import LedgerEntry, Member
from server.refresh import refresh
from server.segment_history import HISTORY_DAYS, backfill

log = logging.getLogger(__name__)

DEMO_STORE = "S001"


class ServingThread:
    """An app served by uvicorn in a daemon thread on 127.0.0.1, on a port the OS picks."""

    def __init__(self, app: FastAPI, timeout: float = 30.0) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="member-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("the server did not start")
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


class EmbeddedServer:
    """The demo chain's server. Start with `start()`, stop with `stop()` (or use as a context manager)."""

    def __init__(self, database: Path, *, members: int = 2000) -> None:
        self._path = database
        self._members = members
        self.db: ServerDatabase | None = None
        self._serving: ServingThread | None = None

    @property
    def url(self) -> str:
        assert self._serving is not None, "start() first"
        return self._serving.url

    @property
    def path(self) -> Path:
        """The server's SQLite file."""
        return self._path

    def start(self, timeout: float = 30.0) -> EmbeddedServer:
        owner_only_sqlite_file(self._path, tighten=True)  # members' phones and names: this account's only
        self.db = ServerDatabase.open(f"sqlite:///{self._path}")
        with self.db.read() as session:
            empty = session.query(Member.id).first() is None
        if empty:
            log.info("demo server: generating %d demo members", self._members)
            generate_demo(self.db, self._members)
            set_up_benefits(self.db)  # coupon templates, the benefit rules, points that expire
            refresh(self.db)  # the chain's nightly job once: tags, Fav and RFM, birthday coupons, expiring points
            win_back_campaign(self.db)  # head office's campaign for the members already dormant
            backfill(self.db, self.db.clock(), HISTORY_DAYS)  # the board's segment trend over the demo's past
        else:
            place_demo_staff(self.db)  # an older demo's chain-wide cashier would reach no till now
        self._serving = ServingThread(create_app(self.db), timeout)
        return self

    def enrolment_code(self, store: str = DEMO_STORE) -> str:
        assert self.db is not None, "start() first"
        return admin.make_enrolment_code(self.db, store)

    def other_store_receipt(self, store: str = DEMO_STORE) -> tuple[str, str] | None:
        """A demo purchase at another store than `store` (its store code and receipt), for the POS simulator's
        return of another store's sale; None when the demo holds none."""
        assert self.db is not None, "start() first"
        with self.db.read() as session:
            row = session.execute(
                select(LedgerEntry.store_code, LedgerEntry.receipt_no)
                .where(LedgerEntry.kind == "earn", LedgerEntry.store_code != store, LedgerEntry.receipt_no.is_not(None),
                       LedgerEntry.amount_cents >= 5_000, LedgerEntry.points <= 500)
                .order_by(LedgerEntry.created_at.desc())
                .limit(1)
            ).first()  # fmt: skip
        return None if row is None or row[1] is None else (row[0], row[1])

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()
        if self.db is not None:
            self.db.close()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
