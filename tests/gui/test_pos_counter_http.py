"""The whole path with the real POS interface (issue 16): the app loads `posapi` beside the shown window and starts
its server on 127.0.0.1 (`ui.app.load_pos_interface`, as `run_gui` does), a POS
puts a sale over real HTTP with the shared secret, the bar shows it, the cashier scans the member and presses F10,
and the POS polls the outcome; the sale is in the ledger once, with its lines."""

from __future__ import annotations

import socket

import httpx
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapi.secret import pos_secret
from protocol.vocabulary import EntryKind
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import show_widget, wait_idle
from tests.gui.test_slip_printing import dummy_seam, set_printer
from tests.posapi.conftest import TEN_OFF, hold, line
from ui.app import load_pos_interface
from ui.award_dialog import AwardDialog
from ui.main_window import MainWindow
from ui.pos_api import PosApi, PosState
from ui.settings import POS_PORT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_pos_sale_over_http_is_confirmed_with_f10_and_the_pos_gets_the_outcome(gui_env: GuiEnv, qtbot: QtBot) -> None:
    ctx = gui_env.ctx
    ctx.settings.set(POS_PORT, _free_port())
    set_printer(gui_env)
    printers = dummy_seam(gui_env)  # the slip printer, a python-escpos Dummy behind the context's seam
    gui_env.login("C001")
    window = show_widget(qtbot, MainWindow(ctx), size=(1366, 768), active=True)
    serving: list[PosApi] = []
    load_pos_interface(ctx, window, None, serving)  # as `run_gui` does once the window shows
    wait_idle(qtbot, ctx, lambda: bool(serving) and serving[0].state is PosState.RUNNING, timeout=15_000)
    (api,) = serving
    assert ctx.pending_sales is api.pending and window.pending_link is not None
    try:
        secret = pos_secret(gui_env.till.db.path)
        pos = httpx.Client(base_url=f"http://127.0.0.1:{api.port}", headers={"Authorization": f"Bearer {secret}"})
        with pos:
            lines = [
                {"sku": "6901", "name": "牛奶", "category": "fresh food", "quantity": 2, "amount_cents": 10_000},
                {"sku": "6902", "name": "车厘子", "category": "fresh food", "quantity": "0.350", "amount_cents": 5_600},
                {"sku": "6903", "name": "纸巾", "category": "household", "quantity": 9, "amount_cents": 20_000},
            ]
            put = pos.post("/pos/v1/pending", json={"receipt_no": "H-1", "total_cents": 35_600, "lines": lines})
            assert put.status_code == 200, put.text
            qtbot.waitUntil(window.pending_bar.isVisible)
            assert window.pending_bar.summary.text() == "POS sale waiting: 12 items ¥356.00"

            member = gui_env.plain_member()
            ctx.hub.scanned.emit(gui_env.member_code(member.id))  # the member scanned after the sale started
            qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
            QTest.keyClick(window, Qt.Key.Key_F10)
            wait_idle(qtbot, ctx, lambda: not window.pending_bar.isVisible())

            polled = pos.get("/pos/v1/pending/H-1").json()
            assert polled["status"] == "done"
            assert (polled["outcome"]["member_id"], polled["outcome"]["points_earned"]) == (member.id, 356)
        earns = gui_env.entries(member.id, EntryKind.EARN)
        assert [(entry.receipt_no, entry.amount_cents) for entry in earns] == [("H-1", 35_600)]
        assert [line.quantity_milli for line in gui_env.till.ledger.lines_of(earns[0].id)] == [2000, 350, 9000]
        balance = gui_env.member(member.id).available_points
        assert window.member_page.outcome.text() == f"+356 points · balance {balance:,}"
        # the sale's slip printed by itself, once, with its lines (a weighed line as one) and the member's code
        wait_idle(qtbot, ctx, lambda: len(printers.slips) == 1)
        (slip,) = printers.slips
        assert (slip.receipt_no, slip.points_earned, slip.new_balance, slip.purchase_cents) == (
            "H-1", 356, balance, 35_600
        )  # fmt: skip
        assert [(line.name, line.quantity) for line in slip.lines] == [("牛奶", 2), ("车厘子", 1), ("纸巾", 9)]
        assert slip.member_phone_masked is not None and "****" in slip.member_phone_masked
        assert slip.member_code == gui_env.member_code(member.id)
        assert b"H-1" in printers.jobs[0]
    finally:
        api.stop()


def test_a_pos_sale_with_a_coupon_prints_the_coupon_on_its_slip(gui_env: GuiEnv, qtbot: QtBot) -> None:
    ctx = gui_env.ctx
    ctx.settings.set(POS_PORT, _free_port())
    set_printer(gui_env)
    printers = dummy_seam(gui_env)
    gui_env.login("C001")
    window = show_widget(qtbot, MainWindow(ctx), size=(1366, 768), active=True)
    serving: list[PosApi] = []
    load_pos_interface(ctx, window, None, serving)
    wait_idle(qtbot, ctx, lambda: bool(serving) and serving[0].state is PosState.RUNNING, timeout=15_000)
    (api,) = serving
    member = gui_env.plain_member()
    hold(gui_env.till, member.id, ("c-ten", TEN_OFF))
    try:
        secret = pos_secret(gui_env.till.db.path)
        with httpx.Client(
            base_url=f"http://127.0.0.1:{api.port}", headers={"Authorization": f"Bearer {secret}"}
        ) as pos:
            sale = {"receipt_no": "H-2", "total_cents": 20_000, "member": {"member_id": member.id},
                    "coupon_ids": ["c-ten"], "lines": [line(1, 20_000)]}  # fmt: skip
            answer = pos.post("/pos/v1/sales", json=sale)
            assert answer.status_code == 200, answer.text
        wait_idle(qtbot, ctx, lambda: len(printers.slips) == 1)
        (slip,) = printers.slips
        assert slip.purchase_cents == 20_000 and slip.points_earned == answer.json()["points_earned"]
        assert [(coupon.name, coupon.discount_cents) for coupon in slip.coupons] == [("10 yuan off 100", 1_000)]
        assert b"10 yuan off 100" in printers.jobs[0]
    finally:
        api.stop()


def test_the_cashier_ticks_a_coupon_on_the_pos_sale_in_the_award_dialog(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """The POS's sale waiting, the member scanned: F2 opens the award dialog on that sale; a coupon ticked there
    goes on it, and the POS's poll and the member page say what it took off."""
    ctx = gui_env.ctx
    ctx.settings.set(POS_PORT, _free_port())
    gui_env.login("C001")
    window = show_widget(qtbot, MainWindow(ctx), size=(1366, 768), active=True)
    serving: list[PosApi] = []
    load_pos_interface(ctx, window, None, serving)
    wait_idle(qtbot, ctx, lambda: bool(serving) and serving[0].state is PosState.RUNNING, timeout=15_000)
    (api,) = serving
    member = gui_env.plain_member(9)
    hold(gui_env.till, member.id, ("c-ten", TEN_OFF))
    try:
        secret = pos_secret(gui_env.till.db.path)
        with httpx.Client(
            base_url=f"http://127.0.0.1:{api.port}", headers={"Authorization": f"Bearer {secret}"}
        ) as pos:
            put = pos.post("/pos/v1/pending", json={"receipt_no": "H-3", "total_cents": 20_000,
                                                    "lines": [line(1, 20_000)]})  # fmt: skip
            assert put.status_code == 200, put.text
            qtbot.waitUntil(window.pending_bar.isVisible)
            ctx.hub.scanned.emit(gui_env.member_code(member.id))
            qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
            QTest.keyClick(window, Qt.Key.Key_F2)
            qtbot.waitUntil(lambda: window.member_page.findChild(AwardDialog) is not None)
            dialog = window.member_page.findChild(AwardDialog)
            assert isinstance(dialog, AwardDialog)
            row = next(n for n in range(dialog.coupon_list.count())
                       if dialog.coupon_list.item(n).data(Qt.ItemDataRole.UserRole) == "c-ten")  # fmt: skip
            dialog.coupon_list.item(row).setCheckState(Qt.CheckState.Checked)
            assert dialog.preview_label.text() == "+190 points"
            QTest.keyClick(dialog, Qt.Key.Key_Return)
            wait_idle(qtbot, ctx, lambda: not window.pending_bar.isVisible())
            polled = pos.get("/pos/v1/pending/H-3").json()
        assert polled["status"] == "done" and polled["outcome"]["coupon_discount_cents"] == 1_000
        assert polled["outcome"]["points_earned"] == 190
        assert window.member_page.outcome.text().startswith("¥10.00 off — take it off at the register")
    finally:
        api.stop()
