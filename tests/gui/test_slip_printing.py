"""The slip at the counter (issue 16): after an award or a redemption a slip prints by itself where a printer is
set — here through the context's printer seam backed by python-escpos' Dummy printer, so the bytes are read back —
打印小票 prints it again, a failed print (a real network printer on a closed 127.0.0.1 port) is said in words and
the points stay saved, and the member code the member showed goes on the slip as the QR for the next visit."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.models import Member
from protocol.vocabulary import EntryKind
from slip.escpos_slip import PARTIAL_CUT, QR_COMMAND, render_escpos
from slip.model import Slip
from slip.printers import PrinterConfig, PrinterKind, PrintFailed, PrintProblem, dummy_printer
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, press_enter, show_widget, type_into, wait_idle
from ui.i18n import Language, Translations
from ui.lookup_page import LookupPage
from ui.member_page import MemberPage
from ui.settings import PRINT_AFTER_POINTS
from ui.slip_printing import printer_config, save_printer_config


@dataclass
class DummyPrinters:
    """The context's printer seam: each slip rendered on a python-escpos Dummy printer; its bytes kept."""

    jobs: list[bytes] = field(default_factory=list)
    slips: list[Slip] = field(default_factory=list)
    fail_with: PrintProblem | None = None

    def __call__(self, config: PrinterConfig, slip: Slip) -> None:
        if self.fail_with is not None:
            raise PrintFailed(self.fail_with)
        printer = dummy_printer(config.paper)
        render_escpos(slip, printer, paper=config.paper, native_qr=config.native_qr)
        self.slips.append(slip)
        self.jobs.append(bytes(printer.output))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_printer(env: GuiEnv, *, port: int | None = None, print_after: bool = True) -> None:
    config = PrinterConfig(PrinterKind.NETWORK, host="127.0.0.1", port=port or closed_port())
    save_printer_config(env.ctx.settings, config, print_after_points=print_after)


def dummy_seam(env: GuiEnv) -> DummyPrinters:
    printers = DummyPrinters()
    env.ctx.print_slip = printers
    return printers


def _page(env: GuiEnv, qtbot: QtBot, member_id: str) -> MemberPage:
    page = show_widget(qtbot, MemberPage(env.ctx), size=(1366, 700), active=True)
    page.show_member(member_id)
    return page


def _dialog(qtbot: QtBot) -> QDialog:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    return dialog


def _award(env: GuiEnv, qtbot: QtBot, page: MemberPage, yuan: str) -> None:
    click(page.award_button)
    dialog = _dialog(qtbot)
    type_into(dialog, "awardAmount", yuan)
    press_enter(dialog)
    qtbot.waitUntil(lambda: page.outcome.isVisibleTo(page))


def _gb(text: str) -> bytes:
    return text.encode("gb18030")


def test_without_a_printer_nothing_prints_and_there_is_no_button(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    printers = dummy_seam(gui_env)
    page = _page(gui_env, qtbot, gui_env.plain_member().id)
    _award(gui_env, qtbot, page, "120")
    wait_idle(qtbot, gui_env.ctx)
    assert printers.jobs == []
    assert not page.print_slip_button.isVisibleTo(page)


def test_a_slip_prints_after_an_award_and_again_on_request(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    set_printer(gui_env)
    printers = dummy_seam(gui_env)
    member = gui_env.plain_member()
    page = _page(gui_env, qtbot, member.id)
    _award(gui_env, qtbot, page, "270")
    wait_idle(qtbot, gui_env.ctx, lambda: len(printers.jobs) == 1)
    balance = gui_env.member(member.id).available_points
    job = printers.jobs[0]
    assert job.startswith(b"\x1b@") and job.endswith(PARTIAL_CUT)
    for words in ("Member points slip", "Points earned", "+270", "Points balance", f"{balance:,}", member.phone_masked,
                  "Cashier", "C001", "Purchase"):  # fmt: skip
        assert words.encode() in job or _gb(words) in job, words
    assert _gb("￥270.00") in job
    assert QR_COMMAND not in job  # no code seen for this member: no QR
    assert page.slip_status.text() == "Slip printed."

    click(page.print_slip_button)  # 打印小票: the same slip again
    wait_idle(qtbot, gui_env.ctx, lambda: len(printers.jobs) == 2)
    assert printers.jobs[1] == job


def test_a_redemption_slip_says_the_discount(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    set_printer(gui_env)
    printers = dummy_seam(gui_env)
    with gui_env.till.db.read() as session:
        member_id = session.scalars(select(Member.id).order_by(Member.balance_synced.desc(), Member.id).limit(1)).one()
    page = _page(gui_env, qtbot, member_id)
    click(page.redeem_button)
    dialog = _dialog(qtbot)
    type_into(dialog, "billAmount", "500")
    type_into(dialog, "redeemPoints", "1000")
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: len(printers.jobs) == 1)
    job = printers.jobs[0]
    assert b"Points redeemed" in job and b"-1,000" in job
    assert b"Points discount" in job and _gb("-￥10.00") in job
    assert printers.slips[0].points_redeemed == 1000 and printers.slips[0].discount_cents == 1000


def test_a_slip_is_printed_in_the_screens_language(gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication) -> None:
    translations = Translations(qapp)
    translations.switch(Language.ZH_CN)
    try:
        gui_env.login("C001")
        set_printer(gui_env)
        printers = dummy_seam(gui_env)
        page = _page(gui_env, qtbot, gui_env.plain_member().id)
        _award(gui_env, qtbot, page, "88")
        wait_idle(qtbot, gui_env.ctx, lambda: len(printers.jobs) == 1)
        job = printers.jobs[0]
        assert _gb("会员积分小票") in job and _gb("本次积分") in job and b"+88" in job
        assert b"Points earned" not in job
        assert page.slip_status.text() == "小票已打印。"
        assert page.print_slip_button.text() == "打印小票"
    finally:
        translations.uninstall()


def test_the_code_the_member_showed_is_their_slips_qr(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    set_printer(gui_env)
    printers = dummy_seam(gui_env)
    member = gui_env.plain_member()
    code = gui_env.member_code(member.id)
    lookup = show_widget(qtbot, LookupPage(gui_env.ctx))
    lookup.input.setText(code)
    lookup.look_up()  # as a scan of the member's card does
    assert gui_env.ctx.member_codes == {member.id: code}
    page = _page(gui_env, qtbot, member.id)
    _award(gui_env, qtbot, page, "10")
    wait_idle(qtbot, gui_env.ctx, lambda: len(printers.jobs) == 1)
    assert QR_COMMAND + (len(code) + 3).to_bytes(2, "little") + b"1P0" + code.encode() in printers.jobs[0]


def test_a_failed_print_is_said_and_the_points_stay(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    set_printer(gui_env)  # the real printer code, at a port nothing listens on
    member = gui_env.plain_member()
    before = len(gui_env.entries(member.id, EntryKind.EARN))
    page = _page(gui_env, qtbot, member.id)
    _award(gui_env, qtbot, page, "150")
    wait_idle(qtbot, gui_env.ctx, lambda: page.slip_error.isVisibleTo(page), timeout=10_000)
    assert page.slip_error.text() == (
        "The printer refused the connection: check the port, or whether another till is printing. "
        "The points are saved; press Print slip to try again."
    )
    assert len(gui_env.entries(member.id, EntryKind.EARN)) == before + 1
    assert page.outcome.isVisibleTo(page) and page.outcome.text().startswith("+150 points")
    assert page.print_slip_button.isVisibleTo(page) and page.print_slip_button.isEnabled()

    printers = dummy_seam(gui_env)  # the printer is back: 打印小票 prints, and the error goes
    click(page.print_slip_button)
    wait_idle(qtbot, gui_env.ctx, lambda: len(printers.jobs) == 1)
    assert not page.slip_error.isVisibleTo(page)


def test_the_automatic_slip_can_be_turned_off(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    set_printer(gui_env, print_after=False)
    assert printer_config(gui_env.ctx.settings).kind is PrinterKind.NETWORK
    assert gui_env.ctx.settings.get(PRINT_AFTER_POINTS) is False
    printers = dummy_seam(gui_env)
    page = _page(gui_env, qtbot, gui_env.plain_member().id)
    _award(gui_env, qtbot, page, "60")
    wait_idle(qtbot, gui_env.ctx)
    assert printers.jobs == []
    assert page.print_slip_button.isVisibleTo(page)  # on request only
    click(page.print_slip_button)
    wait_idle(qtbot, gui_env.ctx, lambda: len(printers.jobs) == 1)
