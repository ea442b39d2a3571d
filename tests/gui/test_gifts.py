"""兑换礼品 at the counter (issue 18): from the member page (Shift+F3) or the redeem dialog's button, the gift
dialog lists the catalogue the config brought, cheapest first, with what is left, and an item not offered today or
dearer than the member's points cannot be chosen; choosing one and pressing Enter hands it over (a gift entry for its
points, queued for the server), the page says so and its slip prints with the gift's name; all in Chinese on a
Chinese screen."""

from __future__ import annotations

import re
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from protocol.vocabulary import EntryKind
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, press_enter, show_widget, wait_idle
from tests.gui.test_redeem import rich_member
from tests.gui.test_slip_printing import dummy_seam, set_printer
from ui.gift_dialog import GiftDialog
from ui.i18n import Language, Translations
from ui.member_page import MemberPage
from ui.redeem_dialog import RedeemDialog


def _catalogue(env: GuiEnv, dearest: int) -> None:
    """Three items as the config brings them: a bag, a pan dearer than the member's points, a cup no longer offered."""
    yesterday = (env.till.today() - timedelta(days=1)).isoformat()
    env.till.settings.update(gifts=[
        {"sku": "GIFT-PAN", "name": {"zh_CN": "不粘锅", "en": "Frying pan"}, "points": dearest, "stock": 5},
        {"sku": "GIFT-BAG", "name": {"zh_CN": "环保购物袋", "en": "Tote bag"}, "points": 300, "stock": 2},
        {"sku": "GIFT-CUP", "name": {"zh_CN": "保温杯", "en": "Flask"}, "points": 200, "stock": 9,
         "valid_to": yesterday},
    ])  # fmt: skip


def _rows(dialog: GiftDialog) -> list[tuple[str, bool]]:
    return [(dialog.gift_list.item(n).text(), bool(dialog.gift_list.item(n).flags() & Qt.ItemFlag.ItemIsEnabled))
            for n in range(dialog.gift_list.count())]  # fmt: skip


def test_a_cashier_hands_over_a_gift_from_the_member_page(gui_env: GuiEnv, qtbot: QtBot) -> None:
    set_printer(gui_env)
    printers = dummy_seam(gui_env)  # slips print after points: the gift's too
    gui_env.login("C001")
    member = rich_member(gui_env)
    _catalogue(gui_env, member.available_points + 1)
    page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1366, 768))
    page.show_member(member.id)
    QTest.keyClick(page, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: page.findChild(GiftDialog) is not None)
    dialog = page.findChild(GiftDialog)
    assert isinstance(dialog, GiftDialog)
    assert _rows(dialog) == [
        ("Flask — 200 points · 9 left · not offered today", False),
        ("Tote bag — 300 points · 2 left", True),
        (f"Frying pan — {member.available_points + 1:,} points · 5 left · not enough points", False),
    ]
    assert not dialog.confirm_button.isEnabled()  # nothing chosen yet
    dialog.gift_list.setCurrentRow(1)
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: page.findChild(GiftDialog) is None)  # closed (and deleted) once written
    (gift,) = gui_env.entries(member.id, EntryKind.GIFT)
    assert gift.points == -300
    balance = gui_env.member(member.id).available_points
    assert page.outcome.text() == f"Gift handed over: -300 points · balance {balance:,}"
    assert gui_env.till.gifts.offers()[1].left == 1  # by this till's count
    wait_idle(qtbot, gui_env.ctx, lambda: len(printers.slips) == 1)
    (slip,) = printers.slips
    assert (slip.gift, slip.points_redeemed, slip.new_balance) == ("Tote bag", 300, balance)


def test_the_redeem_dialog_leads_to_the_gifts_and_all_is_chinese_on_a_chinese_screen(
    gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication
) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env, 1)
    _catalogue(gui_env, 100)
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1366, 768))
        page.show_member(member.id)
        click(page.redeem_button)
        redeem = page.findChild(RedeemDialog)
        assert isinstance(redeem, RedeemDialog) and redeem.gifts_button.text() == "兑换礼品… (Shift+F3)"
        click(redeem.gifts_button)
        qtbot.waitUntil(lambda: page.findChild(GiftDialog) is not None)
        dialog = page.findChild(GiftDialog)
        assert isinstance(dialog, GiftDialog)
        words = " ".join(text for text, _enabled in _rows(dialog))
        assert "环保购物袋 — 300 积分 · 剩余 2" in words and "今日不可兑换" in words
        assert not re.search("[A-Za-z]", words.replace("Shift", ""))
        assert dialog.heading.text() == "选择礼品"
    finally:
        translations.uninstall()
