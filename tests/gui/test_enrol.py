"""Enrolling at the counter and the member's card code, as staff do it: type the phone and name, Enter; the member
is saved at once, reaches the server with a sync, and the dialog shows the card code the server signed; it scans
(zxing-cpp reads the saved PNG) to the same member, prints and saves. A known phone is refused with the member
offered; bad input is explained and writes nothing; offline the enrolment is kept and the code promised for later."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import zxingcpp
from PIL import Image
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from localdb.errors import Problem, StoreError
from localdb.models import Member, OutboxBody, OutboxItem
from loyalty.phone import InvalidPhone, PhoneProblem
from server.members import create_member
from server.models import Member as ServerMember
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, choose_in_save_dialog, click, commit_text, show_widget
from ui.enrol_dialog import EnrolDialog, parse_birthday
from ui.member_code_dialog import CodeState, MemberCodeDialog, MemberCodePanel
from ui.messages import describe

CODE_TIMEOUT_MS = 30_000  # a sync (push + pull) on the 2-core test machine


def _unused_phone(env: GuiEnv, start: int = 0) -> str:
    """A valid mobile number no member of the demo chain has (neither at the till nor at the server)."""
    assert env.server.db is not None
    for n in range(start, start + 1000):
        phone = f"1391357{n:04d}"
        with env.till.db.read() as session:
            at_till = session.scalar(select(Member.id).where(Member.phone == "+86" + phone))
        with env.server.db.read() as session:
            at_server = session.scalar(select(ServerMember.id).where(ServerMember.phone == "+86" + phone))
        if at_till is None and at_server is None:
            return phone
    raise AssertionError("no free phone")


def _counts(env: GuiEnv) -> tuple[int, int]:
    """(members, enrolment items in the outbox) at the till."""
    with env.till.db.read() as session:
        members = session.scalar(select(func.count()).select_from(Member)) or 0
        enrolments = session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.type == "enrol"))
    return members, enrolments or 0


def _dialog(env: GuiEnv, qtbot: QtBot, phone: str = "") -> EnrolDialog:
    return show_widget(qtbot, EnrolDialog(env.ctx, phone=phone))


def _type(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Keys for ASCII; Chinese arrives as a Chinese input method delivers it: a committed string."""
    if text.isascii():
        QTest.keyClicks(field, text)
        return
    field.setFocus()
    commit_text(field, text)


def _fill(qtbot: QtBot, dialog: EnrolDialog, phone: str, name: str, birthday: str = "") -> None:
    for field, text in ((dialog.phone_input, phone), (dialog.name_input, name), (dialog.birthday_input, birthday)):
        field.clear()
        if text:
            _type(qtbot, field, text)


def _wait_for_code(qtbot: QtBot, panel: MemberCodePanel, expected: CodeState) -> None:
    """Until the panel is done syncing and asking; then it must be in `expected` (else: what it says instead)."""
    qtbot.waitUntil(lambda: panel.state not in (CodeState.EMPTY, CodeState.SYNCING, CodeState.FETCHING),
                    timeout=CODE_TIMEOUT_MS)  # fmt: skip
    assert panel.state is expected, panel.status_label.text()


def _decode_png(path: Path) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(path))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    text: str = found.text
    return text


def _decode_printed_page(panel: MemberCodePanel, folder: Path) -> str:
    """The page the print button sends, painted on an A4 sheet at 150 dpi, read by zxing-cpp."""
    sheet = QImage(1240, 1754, QImage.Format.Format_RGB32)
    sheet.setDotsPerMeterX(5906)  # 150 dpi
    sheet.setDotsPerMeterY(5906)
    sheet.fill(QColor("white"))
    assert panel.print_to(sheet)
    assert sheet.save(str(folder / "page.png"))
    return _decode_png(folder / "page.png")


def _save_through_the_button(qtbot: QtBot, panel: MemberCodePanel, path: Path, monkeypatch) -> None:
    click(panel.save_button)
    dialog = panel.save_dialog
    qtbot.waitUntil(dialog.isVisible)
    suggested = child(dialog, QLineEdit, "fileNameEdit").text()
    assert suggested == "member-code.png"  # no phone digits in the suggested name
    choose_in_save_dialog(qtbot, dialog, path)


def _print_through_the_button(qtbot: QtBot, panel: MemberCodePanel, pdf: Path) -> None:
    """Click Print and accept the real print dialog, printing to a PDF file."""
    panel.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    panel.printer.setOutputFileName(str(pdf))
    accepted: list[bool] = []

    def accept_print_dialog() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QPrintDialog):
            modal.accept()
            accepted.append(True)
        else:
            QTimer.singleShot(50, accept_print_dialog)

    QTimer.singleShot(50, accept_print_dialog)
    click(panel.print_button)
    assert accepted


def test_a_cashier_enrols_a_new_phone_and_the_shown_code_scans_to_the_member(
    gui_env: GuiEnv, qtbot: QtBot, tmp_path: Path, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    cashier = gui_env.login("C001")
    phone = _unused_phone(gui_env)
    members_before, enrolments_before = _counts(gui_env)
    changed: list[str] = []
    gui_env.ctx.hub.member_changed.connect(changed.append)
    dialog = _dialog(gui_env, qtbot)
    _fill(qtbot, dialog, phone, "林小满", "1992年3月8日")
    dialog.gender_input.setCurrentIndex(dialog.gender_input.findData("F"))
    click(dialog.consent_box)

    QTest.keyClick(dialog.name_input, Qt.Key.Key_Return)
    QTest.keyClick(dialog.name_input, Qt.Key.Key_Return)  # Enter twice: one member
    assert not dialog.confirm_button.isEnabled()
    _wait_for_code(qtbot, dialog.code_panel, CodeState.SHOWN)

    member = gui_env.till.members.find_by_phone(cashier, phone)
    assert member is not None and member.id == dialog.enrolled_member_id
    assert (member.name, member.gender, member.birthday) == ("林小满", "F", date(1992, 3, 8))
    assert member.consent_marketing and not member.consent_profile
    assert _counts(gui_env) == (members_before + 1, enrolments_before + 1)
    assert member.id in changed
    assert dialog.pages.currentIndex() == 1 and dialog.code_panel.print_button.isEnabled()
    assert gui_env.till.sync.count_unsent() == 0  # the enrolment reached the server before its code was asked

    png = tmp_path / "saved" / "code.png"
    png.parent.mkdir()
    _save_through_the_button(qtbot, dialog.code_panel, png, monkeypatch)
    code = _decode_png(png)
    found = gui_env.till.members.lookup(cashier, code)
    assert [m.id for m in found.members] == [member.id]
    assert code == gui_env.member_code(member.id)

    pdf = tmp_path / "code.pdf"
    _print_through_the_button(qtbot, dialog.code_panel, pdf)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    assert _decode_printed_page(dialog.code_panel, tmp_path) == code

    QTest.keyClick(dialog.code_panel.qr_view, Qt.Key.Key_Return)  # a third Enter does not close the code away
    assert dialog.isVisible()
    click(dialog.done_button)
    assert dialog.result() == QDialog.DialogCode.Accepted.value
    assert phone not in caplog.text and "林小满" not in caplog.text  # no personal data in the logs


def test_an_enrolment_the_server_merges_shows_the_existing_members_code(
    gui_env: GuiEnv, qtbot: QtBot, tmp_path: Path
) -> None:
    """The phone was enrolled at another store since this till's last pull: the till enrols it, the push merges it
    into that member, and the code shown is the survivor's."""
    cashier = gui_env.login("C001")
    phone = _unused_phone(gui_env)
    server_db = gui_env.server.db
    assert server_db is not None
    with server_db.write() as session:
        survivor = create_member(session, server_db, phone=phone, name="周晓", home_store="S002").id
    with qtbot.waitSignal(gui_env.ctx.hub.online_changed, timeout=10_000):
        gui_env.ctx.sync.check_health()  # the till knows it is online, and a background sync is going
    assert gui_env.ctx.sync.online is True and gui_env.ctx.sync.sync_now()
    dialog = _dialog(gui_env, qtbot, phone=phone)
    _type(qtbot, dialog.name_input, "周晓")
    QTest.keyClick(dialog.name_input, Qt.Key.Key_Return)
    _wait_for_code(qtbot, dialog.code_panel, CodeState.SHOWN)

    assert dialog.enrolled_member_id == survivor
    assert "already a member" in dialog.done_label.text()
    found = gui_env.till.members.find_by_phone(cashier, phone)
    assert found is not None and found.id == survivor
    dialog.save_png(tmp_path / "code")
    code = _decode_png(tmp_path / "code.png")
    assert [m.id for m in gui_env.till.members.lookup(cashier, code).members] == [survivor]


def test_a_known_phone_is_refused_with_the_member_offered(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("G001")  # a store guide enrols too
    member_id, phone = gui_env.member_phone(3)
    before = _counts(gui_env)
    dialog = _dialog(gui_env, qtbot)
    _fill(qtbot, dialog, phone, "重复")
    QTest.keyClick(dialog.name_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible())

    assert dialog.error_label.text().startswith(describe(StoreError(Problem.DUPLICATE_PHONE)))
    assert phone not in dialog.error_label.text()  # the masked phone only
    assert dialog.open_existing_button.isVisible() and dialog.confirm_button.isEnabled()
    with qtbot.waitSignal(dialog.existing_member, timeout=1000) as opened:
        click(dialog.open_existing_button)
    assert opened.args == [member_id]
    assert _counts(gui_env) == before and dialog.enrolled_member_id is None


def test_bad_input_is_explained_and_writes_nothing(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    before = _counts(gui_env)
    dialog = _dialog(gui_env, qtbot)
    cases = [
        (("1380013800", "王五", ""), InvalidPhone(PhoneProblem.WRONG_LENGTH), dialog.phone_input),
        ((_unused_phone(gui_env), "", ""), StoreError(Problem.INVALID_NAME), dialog.name_input),
        ((_unused_phone(gui_env), "王五", "1990-13-45"), StoreError(Problem.INVALID_BIRTHDAY), dialog.birthday_input),
    ]
    for (phone, name, birthday), refusal, field in cases:
        _fill(qtbot, dialog, phone, name, birthday)
        dialog.error_label.clear()
        QTest.keyClick(dialog.phone_input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error_label.text() != "" and dialog.confirm_button.isEnabled())
        assert dialog.error_label.text() == describe(refusal)
        assert dialog.focusWidget() is field  # the cashier types the correction straight away
    assert _counts(gui_env) == before and dialog.enrolled_member_id is None and dialog.pages.currentIndex() == 0


def test_offline_the_enrolment_is_saved_and_the_code_comes_after_the_next_sync(gui_env: GuiEnv, qtbot: QtBot) -> None:
    guide = gui_env.login("G001")
    phone = _unused_phone(gui_env)
    gui_env.stop_server()
    dialog = _dialog(gui_env, qtbot, phone=phone)
    _type(qtbot, dialog.name_input, "离线")
    QTest.keyClick(dialog.name_input, Qt.Key.Key_Return)
    _wait_for_code(qtbot, dialog.code_panel, CodeState.AFTER_NEXT_SYNC)

    member = gui_env.till.members.find_by_phone(guide, phone)
    assert member is not None and member.id == dialog.enrolled_member_id
    assert gui_env.till.sync.count_unsent() >= 1
    status = dialog.code_panel.status_label.text()
    assert "after the next sync" in status and "found by phone" in status
    assert dialog.code_panel.qr_view.code() is None and not dialog.code_panel.save_button.isVisible()
    QApplication.sendEvent(dialog, QEvent(QEvent.Type.LanguageChange))  # the language switched meanwhile
    assert dialog.code_panel.status_label.text() == status
    dialog.reject()  # Esc: the member exists all the same
    assert dialog.result() == QDialog.DialogCode.Accepted.value


def test_a_members_code_dialog_shows_the_card_code_the_server_signs(
    gui_env: GuiEnv, qtbot: QtBot, tmp_path: Path
) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(5)
    member = gui_env.till.members.get(cashier, member_id)
    dialog = show_widget(qtbot, MemberCodeDialog(gui_env.ctx, member))
    _wait_for_code(qtbot, dialog.panel, CodeState.SHOWN)

    saved = dialog.save_png(tmp_path / "card.png")
    assert saved is not None and _decode_png(saved) == gui_env.member_code(member_id)
    shown = child(dialog, QLabel, "memberCodeMember")
    assert member.phone_masked in shown.text() and member.name in shown.text()


def test_a_members_code_dialog_offline_says_so(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(6)
    gui_env.stop_server()
    dialog = show_widget(qtbot, MemberCodeDialog(gui_env.ctx, gui_env.till.members.get(cashier, member_id)))
    _wait_for_code(qtbot, dialog.panel, CodeState.UNAVAILABLE)
    assert dialog.panel.status_label.text().startswith("The server does not answer.")
    assert dialog.panel.qr_view.code() is None and not dialog.panel.print_button.isEnabled()


def test_birthdays_are_read_as_typed() -> None:
    assert parse_birthday("") is None and parse_birthday("  ") is None
    for text in ("1990-05-12", "1990/5/12", "19900512", "1990.05.12", "1990年5月12日", "１９９０－０５－１２"):
        assert parse_birthday(text) == date(1990, 5, 12), text
    for text in ("1990-02-30", "12/05/1990", "1990512", "May 12", "1990-05"):
        try:
            parse_birthday(text)
        except StoreError as refusal:
            assert refusal.problem is Problem.INVALID_BIRTHDAY
        else:
            raise AssertionError(text)


def test_a_referrer_is_named_by_phone_and_an_unknown_one_is_refused_at_its_field(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    before = _counts(gui_env)
    dialog = _dialog(gui_env, qtbot)
    _fill(qtbot, dialog, _unused_phone(gui_env), "王五", "")
    _type(qtbot, dialog.referrer_input, _unused_phone(gui_env, 500))  # nobody's
    QTest.keyClick(dialog.phone_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "" and dialog.confirm_button.isEnabled())
    assert dialog.error_label.text() == describe(StoreError(Problem.REFERRER_NOT_FOUND))
    assert dialog.focusWidget() is dialog.referrer_input and _counts(gui_env) == before

    referrer_id, referrer_phone = gui_env.member_phone(0)
    dialog.referrer_input.clear()
    _type(qtbot, dialog.referrer_input, referrer_phone)
    QTest.keyClick(dialog.phone_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.enrolled_member_id is not None)
    with gui_env.till.db.read() as session:
        body = session.scalars(select(OutboxBody.body).join(OutboxItem, OutboxItem.seq == OutboxBody.seq).where(
            OutboxItem.item_id == dialog.enrolled_member_id)).one()  # fmt: skip
    assert body["referrer_id"] == referrer_id
