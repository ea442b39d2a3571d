"""The manager's end of day, as a manager does it: sync now and watch the bar reach 100 %, read a summary that
matches what the server recorded, see what the server rejected and why, read the day's report, save it as PDF;
with the server gone, nothing is lost and the page says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.database import connect_raw
from localdb.models import EntrySync
from server.models import LedgerEntry, PushedItem
from server.models import Member as ServerMember
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, click, row_texts, settle, show_widget, wait_idle
from ui.messages import describe_sync_error, reason_words
from ui.sync_page import SyncPage

SYNC_TIMEOUT_MS = 30_000  # an unreachable server is retried with backoff for several seconds first


def _page(env: GuiEnv, qtbot: QtBot, staff: str = "M001") -> SyncPage:
    env.login(staff)
    return show_widget(qtbot, SyncPage(env.ctx), size=(1280, 760))


def _summary(page: SyncPage, name: str) -> str:
    return child(page, QLabel, f"summary{name}").text()


def _sync(page: SyncPage, env: GuiEnv, qtbot: QtBot) -> None:
    with qtbot.waitSignal(env.ctx.hub.sync_finished, timeout=SYNC_TIMEOUT_MS):
        click(page.sync_button)
    wait_idle(qtbot, env.ctx)  # the exception list and the report have been read again


def _pushed_by_this_till(env: GuiEnv) -> list[PushedItem]:
    assert env.server.db is not None
    device = env.till.settings.current().device_id
    with env.server.db.read() as session:
        return list(session.scalars(select(PushedItem).where(PushedItem.device_id == device)))


def test_sync_reaches_100_and_the_summary_and_report_match_the_server(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(0)
    awards = [
        gui_env.till.ledger.award(cashier, member_id, 12_850, receipt_no="GUI-1"),
        gui_env.till.ledger.award(cashier, member_id, 3_000, receipt_no="GUI-2"),
    ]
    page = _page(gui_env, qtbot)
    assert page.sync_button.isEnabled()

    _sync(page, gui_env, qtbot)

    assert page.progress.maximum() == 100 and page.progress.value() == 100
    on_server = _pushed_by_this_till(gui_env)
    assert {item.id for item in on_server} == {a.entry.id for a in awards}
    assert _summary(page, "Pushed") == str(len(on_server)) == "2"
    assert _summary(page, "Applied") == str(sum(item.status == "applied" for item in on_server)) == "2"
    assert _summary(page, "Rejected") == "0" and _summary(page, "Unsent") == "0"
    assert page.error_label.text() == "" and page.outcome_label.text() == "Everything is synced."
    assert gui_env.server.db is not None
    with gui_env.server.db.read() as session:
        ledger = session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_([a.entry.id for a in awards]))).all()
        assert sorted(e.points for e in ledger) == sorted(a.entry.points for a in awards)
    entries = gui_env.till.ledger.recent_entries(gui_env.ctx.actor(), member_id)
    assert {e.sync_state for e in entries if e.id in {a.entry.id for a in awards}} == {EntrySync.APPLIED}

    qtbot.waitUntil(lambda: page.day_report.report is not None)
    report = page.day_report.report
    assert report is not None
    cashier_day = next(day for day in report.staff if day.staff_code == "C001")
    awarded = sum(a.entry.points for a in awards)
    assert cashier_day.points_awarded == awarded and cashier_day.purchase_cents == 15_850
    assert report.entry_sync.applied == 2 and report.entry_sync.pending == 0
    shown = page.day_report.browser.toPlainText()
    assert "李收银 C001" in shown and str(awarded) in shown and "¥158.50" in shown
    assert page.findChild(QLabel, "noExceptions") is not None and page.exception_list.isHidden()


def test_with_the_server_stopped_the_page_says_so_and_the_entries_stay_pending(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(1)
    award = gui_env.till.ledger.award(cashier, member_id, 8_800)
    gui_env.stop_server()
    page = _page(gui_env, qtbot)

    _sync(page, gui_env, qtbot)

    assert page.error_label.text() == describe_sync_error("server_unreachable") != ""
    assert page.progress.value() < 100
    assert _summary(page, "Pushed") == "0" and _summary(page, "Unsent") == "1"
    assert "1" in page.outcome_label.text()  # "Nothing was lost: 1 item(s) wait for the next sync."
    entry = next(e for e in gui_env.till.ledger.recent_entries(cashier, member_id) if e.id == award.entry.id)
    assert entry.sync_state is EntrySync.PENDING
    assert gui_env.till.sync.count_unsent() == 1
    assert page.sync_button.isEnabled()  # try again later


def test_a_rejected_award_is_listed_with_its_reason(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member_id = gui_env.plain_member(0).id
    kept = gui_env.till.ledger.award(cashier, member_id, 5_000, receipt_no="GUI-OK")
    erased_id = gui_env.plain_member(1).id  # 1 point a yuan, whatever today's date makes of the demo birthdays
    rejected = gui_env.till.ledger.award(cashier, erased_id, 6_600, receipt_no="GUI-ERASED")
    assert gui_env.server.db is not None
    with gui_env.server.db.write() as session:  # head office erased this member (a privacy request) meanwhile
        member = session.get(ServerMember, erased_id)
        assert member is not None
        member.deleted, member.phone = True, None
        member.version = gui_env.server.db.next_version(session)
    page = _page(gui_env, qtbot)

    _sync(page, gui_env, qtbot)

    on_server = {item.id: item for item in _pushed_by_this_till(gui_env)}
    assert on_server[rejected.entry.id].status == "rejected" and on_server[kept.entry.id].status == "applied"
    assert _summary(page, "Rejected") == "1" and _summary(page, "Applied") == "1"
    assert [(x.item_id, x.status, x.reason) for x in page.exceptions] == [
        (rejected.entry.id, "rejected", "member_erased")
    ]
    table = page.findChild(QTableWidget, "syncExceptions")
    assert table is not None and table.isVisibleTo(page) and table.rowCount() == 1
    row = row_texts(table, 0)
    assert row[4] == "Rejected" and row[5] == reason_words("member_erased")
    assert "asked to be erased" in row[5] and "GUI-ERASED" in row[1] and row[3] == "+66"
    qtbot.waitUntil(lambda: page.day_report.report is not None)
    report = page.day_report.report
    assert report is not None and report.entry_sync.rejected == 1
    assert [(d.staff_code, d.points_awarded) for d in report.staff] == [("C001", kept.entry.points)]


def test_the_day_report_saves_as_a_pdf_and_prints(gui_env: GuiEnv, qtbot: QtBot, tmp_path: Path) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(0)
    gui_env.till.ledger.award(cashier, member_id, 10_000)
    page = _page(gui_env, qtbot)
    qtbot.waitUntil(lambda: page.day_report.report is not None)
    assert "李收银 C001" in page.day_report.browser.toPlainText()

    pdf = tmp_path / "day.pdf"
    page.save_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1_000

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    page.day_report.print_to(printer)
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")


def test_another_day_shows_its_own_figures(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(0)
    gui_env.till.ledger.award(cashier, member_id, 10_000)
    page = _page(gui_env, qtbot)
    qtbot.waitUntil(lambda: page.day_report.report is not None and bool(page.day_report.report.staff))
    today = gui_env.till.today()
    assert page.day_report.chosen_day() == today

    page.day_report.set_day(today.replace(year=today.year - 1))

    qtbot.waitUntil(lambda: page.day_report.report is not None and page.day_report.report.day != today)
    assert page.day_report.report is not None and page.day_report.report.staff == ()
    assert "No points entries" in page.day_report.browser.toPlainText()


def test_progress_of_unknown_length_is_a_busy_bar_and_done_is_100(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = _page(gui_env, qtbot)
    hub = gui_env.ctx.hub
    hub.sync_started.emit()
    hub.sync_progress.emit("push", 5, 10)
    assert (page.progress.maximum(), page.progress.value()) == (100, 27)  # half of sending, after connecting
    assert page.phase_label.text() == "Sending this till's changes: 5 of 10"
    hub.sync_progress.emit("pull", 0, -1)
    assert page.progress.maximum() == 0  # Qt's busy indicator
    hub.sync_progress.emit("pull", 50, 100)
    assert page.progress.value() == 75
    hub.sync_progress.emit("done", 1, 1)
    assert (page.progress.maximum(), page.progress.value()) == (100, 100)


def test_f9_on_the_page_syncs(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = _page(gui_env, qtbot)
    with qtbot.waitSignal(gui_env.ctx.hub.sync_finished, timeout=SYNC_TIMEOUT_MS):
        QTest.keyClick(page, Qt.Key.Key_F9)
    assert page.progress.value() == 100


def test_a_cashier_cannot_sync_or_read_the_day(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = _page(gui_env, qtbot, staff="C001")
    assert not page.sync_button.isEnabled()
    page.sync_now()
    assert page.error_label.text() == "Your role does not allow this."
    assert not gui_env.ctx.sync.running
    settle(qtbot, gui_env.ctx, 50)  # no report is read for a cashier, not even late
    assert page.day_report.report is None and page.day_report.browser.toPlainText() == ""


def test_a_language_change_keeps_what_the_page_shows(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = _page(gui_env, qtbot)
    _sync(page, gui_env, qtbot)
    qtbot.waitUntil(lambda: page.day_report.report is not None)
    pulled, report_text = _summary(page, "Pulled"), page.day_report.browser.toPlainText()

    QApplication.sendEvent(page, QEvent(QEvent.Type.LanguageChange))

    assert _summary(page, "Pulled") == pulled != "–" and page.sync_button.text() == "Sync now (F9)"
    assert page.day_report.browser.toPlainText() == report_text != ""


def test_a_refused_audit_anchor_is_shown_and_the_points_still_sync(gui_env: GuiEnv, qtbot: QtBot) -> None:

    page = _page(gui_env, qtbot)
    _sync(page, gui_env, qtbot)  # anchors the audit log as it stands
    warning = child(page, QLabel, "auditWarning")
    assert not warning.isVisibleTo(page)

    conn = connect_raw(gui_env.till.db.path)
    with conn:  # someone with the file deletes the audit log's rows after the first ones
        conn.execute("DELETE FROM audit WHERE seq > 3")
    conn.close()
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(4)
    gui_env.till.ledger.award(cashier, member_id, 3_000)
    gui_env.login("M001")
    _sync(page, gui_env, qtbot)

    assert warning.isVisibleTo(page) and "audit log on this computer was changed" in warning.text()
    assert _summary(page, "Applied") == "1" and page.error_label.text() == ""
