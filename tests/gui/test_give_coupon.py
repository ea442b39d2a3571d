"""发券 at the counter (issue 18): a manager sees the button under the card when the chain lets managers give coupons,
chooses a template (with what it gives and how many are left today), and the coupon is on the card at once; at the
day's limit the dialog says so and gives nothing; a cashier has no such button."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, press_enter, show_widget, wait_idle
from tests.posapi.conftest import TEN_OFF
from ui.give_coupon_dialog import GiveCouponDialog
from ui.i18n import Language, Translations
from ui.member_page import MemberPage


def _page(env: GuiEnv, qtbot: QtBot, staff: str, limit: int = 1) -> MemberPage:
    env.till.settings.update(manager_coupons=([TEN_OFF], limit))
    env.login(staff)
    page = show_widget(qtbot, MemberPage(env.ctx), size=(1366, 768))
    page.show_member(env.plain_member(5).id)
    return page


def _dialog(page: MemberPage, qtbot: QtBot) -> GiveCouponDialog:
    click(page.give_coupon_button)
    qtbot.waitUntil(lambda: page.findChild(GiveCouponDialog) is not None)
    dialog = page.findChild(GiveCouponDialog)
    assert isinstance(dialog, GiveCouponDialog)
    return dialog


def test_a_manager_gives_a_coupon_and_it_is_on_the_card_at_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = _page(gui_env, qtbot, "M001")
    assert page.give_coupon_button.isVisible() and page.give_coupon_button.text() == "Give a coupon…"
    dialog = _dialog(page, qtbot)
    assert dialog.template_list.item(0).text() == "10 yuan off 100 — ¥10.00 off, on ¥100.00 or more"
    assert dialog.limit_label.text() == "Coupons managers may still give at this till today: 1 of 1"
    dialog.template_list.setCurrentRow(0)
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: page.findChild(GiveCouponDialog) is None)
    assert "10 yuan off 100" in page.card.coupons_label.text() and page.card.coupons_label.isVisible()

    again = _dialog(page, qtbot)  # the day's one is given: nothing more today
    again.template_list.setCurrentRow(0)
    assert not again.confirm_button.isEnabled()
    assert again.limit_label.text() == "Coupons managers may still give at this till today: 0 of 1"
    again.reject()


def test_a_cashier_has_no_button_and_the_dialog_speaks_chinese(
    gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication
) -> None:
    page = _page(gui_env, qtbot, "C001")
    assert not page.give_coupon_button.isVisible()
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        manager_page = _page(gui_env, qtbot, "M001", limit=5)
        dialog = _dialog(manager_page, qtbot)
        assert dialog.template_list.item(0).text() == "满 100 减 10 — 减 ¥10.00，满 ¥100.00 可用"
        assert dialog.heading.text() == "给会员发一张券"
        assert dialog.confirm_button.text() == "发券 (Enter)"
        dialog.reject()
    finally:
        translations.uninstall()
