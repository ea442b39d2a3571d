"""GUI fixtures: a real till store synced from a real demo server (uvicorn on 127.0.0.1), the app's context wired
as `ui.app` wires it, helpers to find demo members the way a cashier would meet them (a phone, a card) and to read
them back as the logged-in staff sees them, and the scan detector's hand-moved clock. What tests do to widgets
is in helpers.py.

The demo chain and a till synced with it are built once per session; each test gets its own copies of both files
and its own server on a fresh port, so tests never see each other's points.
"""

from __future__ import annotations

import gc
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.ledger import EntryView
from localdb.member_view import MemberView
from localdb.models import Member
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.member_code import sign_member_code
from loyalty.tiers import is_birthday_month
from protocol.vocabulary import EntryKind
from server import chain
from server.demo import DEMO_STAFF
from server.embedded import DEMO_STORE, EmbeddedServer
from sync.engine import SyncEngine
from sync.registration import register_till
from tests.gui.helpers import ScanClock
from ui.app import build_context
from ui.context import AppContext
from ui.i18n import Language, Translations

DEMO_MEMBERS = 300
PINS = {person.code: person.pin for person in DEMO_STAFF}


@pytest.fixture(autouse=True)
def own_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test keeps the app's local settings (language, window geometry...) in a folder of its own, never in the
    user's configuration folder."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


@pytest.fixture(autouse=True)
def english_catalogue(qapp: QApplication) -> Iterator[None]:
    """The tests read English as an English-speaking user does: with the en catalogue and its plural forms ("1
    point", "2 points"), not the bare source text ("1 point(s)"). A test that switches to Chinese installs its own
    catalogue over this one."""
    translations = Translations(qapp)
    translations.switch(Language.EN)
    try:
        yield
    finally:
        translations.uninstall()


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo server file and a till file registered with it and fully synced."""
    folder = tmp_path_factory.mktemp("demo")
    with EmbeddedServer(folder / "server.sqlite3", members=DEMO_MEMBERS) as server:
        till = Till.open(folder / "till.sqlite3")
        try:
            register_till(till.sync, server_url=server.url, store_code=DEMO_STORE,
                          enrolment_code=server.enrolment_code(), device_name="gui test till")  # fmt: skip
            report = SyncEngine(till.sync).run()
            assert report.ok, report.error
        finally:
            till.close()
    return folder


@dataclass
class GuiEnv:
    ctx: AppContext
    till: Till
    server: EmbeddedServer
    folder: Path

    def login(self, code: str) -> StaffSession:
        """Log `code` in as the login screen would (real PIN check)."""
        staff = self.till.staff.login(code, PINS[code])
        self.ctx.log_in(staff)
        return staff

    def member_phone(self, index: int = 0) -> tuple[str, str]:
        """(member id, national 11-digit phone) of the index-th demo member with a phone, in a stable order."""
        with self.till.db.read() as session:
            row = session.execute(
                select(Member.id, Member.phone).where(Member.phone.is_not(None)).order_by(Member.id)
                .offset(index).limit(1)
            ).one()  # fmt: skip
        return row.id, row.phone.removeprefix("+86")

    def plain_member(self, index: int = 0) -> MemberView:
        """The index-th 普通-tier member outside their birthday month: 1 point a yuan, nothing else (demo birthdays
        move with the date the chain is made, so which members are plain changes from day to day)."""
        zone = self.till.settings.current().zone
        today = self.till.clock().astimezone(zone).date()
        with self.till.db.read() as session:
            ids = session.scalars(select(Member.id).where(Member.tier == "normal").order_by(Member.id)).all()
        plain = (self.member(member_id) for member_id in ids)
        for found, member in enumerate(m for m in plain if not is_birthday_month(m.birthday, today)):
            if found == index:
                return member
        raise AssertionError("the demo chain has no plain member")

    def member(self, member_id: str) -> MemberView:
        """The member as the logged-in staff reads it now (points include what is not synced yet)."""
        return self.till.members.get(self.ctx.actor(), member_id)

    def entries(self, member_id: str, kind: EntryKind | None = None) -> list[EntryView]:
        """The member's points entries (of one kind), newest first."""
        entries = self.till.ledger.recent_entries(self.ctx.actor(), member_id, limit=100)
        return [entry for entry in entries if kind is None or entry.kind is kind]

    def member_code(self, member_id: str) -> str:
        """The signed member code on this member's card, as the server issues it."""
        assert self.server.db is not None
        with self.server.db.read() as session:
            key = chain.signing_key(session)
        with self.till.db.read() as session:
            serial = session.scalar(select(Member.card_serial).where(Member.id == member_id))
        assert serial is not None
        return sign_member_code(key, uuid.UUID(member_id), serial)

    def stop_server(self) -> None:
        """The network goes away: the till must work on offline."""
        self.server.stop()


@pytest.fixture
def scan_clock() -> ScanClock:
    return ScanClock()


@pytest.fixture
def gui_env(demo_files: Path, tmp_path: Path, qtbot: QtBot) -> Iterator[GuiEnv]:
    for name in ("server.sqlite3", "till.sqlite3", "till.sqlite3.key"):  # the till's file is encrypted: its key too
        shutil.copy(demo_files / name, tmp_path / name)
    server = EmbeddedServer(tmp_path / "server.sqlite3").start()
    till = Till.open(tmp_path / "till.sqlite3")
    till.sync.point_at(server.url)
    ctx = build_context(till)
    env = GuiEnv(ctx=ctx, till=till, server=server, folder=tmp_path)
    try:
        yield env
    finally:
        ctx.sync.shutdown()
        ctx.ops.shutdown(wait=True)  # no fetch of this test's may call back into the next one
        QApplication.processEvents()  # the callbacks already queued, delivered (or dropped) now
        till.close()
        server.stop()
        # This test's window, context and their Qt objects collected here, with every worker idle, not by a
        # collection the next test happens to trigger while its own workers run (a segfault in PySide6).
        gc.collect()
